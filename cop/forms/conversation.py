"""Forms of comments and announcements: input shape and bounds only; the rules are the
services' and the permissions'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cop.forms.core import TextAreaField
from cop.services.announcements import MAX_BODY_LENGTH, MAX_TITLE_LENGTH
from cop.services.comments import MAX_COMMENT_LENGTH

MARKDOWN_HELP = _("Markdown: **bold**, *italic*, > quotes, lists and [links](https://…).")


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        max_length=MAX_COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "data-mentions": "1"}),
        help_text=MARKDOWN_HELP,
    )
    parent = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )


class CommentEditForm(forms.Form):
    body = TextAreaField(
        label=_("Comment"), max_length=MAX_COMMENT_LENGTH, help_text=MARKDOWN_HELP, rows=6
    )


class AnnouncementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE_LENGTH)
    body = TextAreaField(
        label=_("Message"), max_length=MAX_BODY_LENGTH, help_text=MARKDOWN_HELP, rows=10
    )
    pinned_until = forms.DateField(
        label=_("Pin on the community's home until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Optional. Leave empty not to pin it."),
    )
