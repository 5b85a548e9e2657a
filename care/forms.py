"""Forms of following and moderation: input only, no rules (those are in the services)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cop.forms.core import TextAreaField

from .enums import FlagReason, ModerationAction
from .services.conduct import MAX_CONDUCT_LENGTH, MAX_NOTE_LENGTH
from .services.moderation import MAX_NOTE_LENGTH as MAX_MODERATION_NOTE


def _note_field(label, *, rows: int) -> forms.CharField:
    return TextAreaField(label=label, max_length=MAX_MODERATION_NOTE, required=False, rows=rows)


class FlagForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why are you flagging this?"), choices=FlagReason.choices)
    note = _note_field(_("Anything the coordinators should know (optional)"), rows=3)


class ModerationForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Decision"), choices=ModerationAction.choices, widget=forms.RadioSelect
    )
    note = _note_field(_("Why (the author reads this; needed to warn or remove)"), rows=2)


class ConductForm(forms.Form):
    text = TextAreaField(
        label=_("Code of conduct"), max_length=MAX_CONDUCT_LENGTH, rows=16, help_text=_("Markdown.")
    )
    material = forms.BooleanField(
        label=_("Material change: every member accepts it again before taking part"),
        required=False,
    )
    note = forms.CharField(
        label=_("What changed (shown in the history and the audit log)"),
        max_length=MAX_NOTE_LENGTH,
        required=False,
    )
