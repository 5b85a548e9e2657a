"""Forms of the coordinator tools: bulk invitations, outreach notes, the sponsor report."""

from datetime import date, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cop.forms.core import TextAreaField
from cop.services import invitations_bulk as bulk
from cop.services import outreach

MAX_REPORT_DAYS = 366 * 2


class BulkInviteForm(forms.Form):
    """A pasted list or a CSV file; the preview carries the text back in `rows`."""

    rows = forms.CharField(
        label=_("Addresses"),
        required=False,
        max_length=bulk.MAX_BYTES,
        widget=forms.Textarea(attrs={"rows": 8, "placeholder": "ada@example.org, Ada Lovelace"}),
        help_text=_(
            "One address per line, optionally followed by a comma and the person's name. "
            "At most %(n)s lines."
        )
        % {"n": bulk.MAX_ROWS},
    )
    upload = forms.FileField(
        label=_("Or a CSV file"),
        required=False,
        help_text=_("Email in the first column, name in the second; at most %(kb)s KB.")
        % {"kb": bulk.MAX_BYTES // 1024},
    )
    message = TextAreaField(
        label=_("Personal message"), required=False, max_length=bulk.MAX_MESSAGE_LENGTH, rows=3
    )

    def clean(self):
        data = super().clean()
        upload = data.get("upload")
        text = data.get("rows") or ""
        if upload:
            if upload.size > bulk.MAX_BYTES:
                raise ValidationError(
                    _("The file is too large: at most %(kb)s KB.") % {"kb": bulk.MAX_BYTES // 1024}
                )
            raw = upload.read(bulk.MAX_BYTES + 1)
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ValidationError(
                    _("The file is not UTF-8 text (save it as CSV UTF-8).")
                ) from None
        data["parsed"] = bulk.parse_rows(text)
        data["text"] = text
        return data


class PersonalNoteForm(forms.Form):
    body = TextAreaField(
        label=_("Your note"),
        max_length=outreach.MAX_NOTE_LENGTH,
        help_text=_(
            "They read it in Copse and, if they chose so, by email. Your address is not shown."
        ),
        rows=4,
    )


class OutreachFilterForm(forms.Form):
    days = forms.IntegerField(
        label=_("Quiet for at least (days)"),
        min_value=outreach.MIN_DAYS,
        max_value=outreach.MAX_DAYS,
        initial=outreach.DEFAULT_DAYS,
        required=False,
    )
    by = forms.ChoiceField(
        label=_("Quiet means"),
        choices=[("activity", _("no contribution")), ("seen", _("not seen"))],
        required=False,
        initial="activity",
    )


class ReportPeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                raise ValidationError(_("The period must start before it ends."))
            if (end - start).days > MAX_REPORT_DAYS:
                raise ValidationError(_("A report covers at most two years."))
            if start < date(2000, 1, 1) or end > timezone.localdate() + timedelta(days=1):
                raise ValidationError(_("Choose dates between 2000 and today."))
        return data
