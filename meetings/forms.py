"""Forms of the meetings app. They validate and convert input; services do the writing."""

import zoneinfo
from datetime import datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cop.forms.core import IdsField, TextAreaField, TimezoneField
from cop.models import Community

from .enums import (
    AgendaItemStatus,
    EditScope,
    Frequency,
    MeetingKind,
    PollAnswer,
    RSVPAnswer,
    SeriesEnd,
)
from .recurrence import build_rrule
from .services import check_following_edit, check_meeting_start

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]
NTH = [(1, _("first")), (2, _("second")), (3, _("third")), (4, _("fourth")), (-1, _("last"))]


def _aware(day, moment: time, tz_name: str) -> datetime:
    return datetime.combine(day, moment).replace(tzinfo=zoneinfo.ZoneInfo(tz_name))


class HostsField(IdsField):
    def label_from_instance(self, obj):
        return obj.name


class _DetailsMixin(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    location = forms.CharField(
        label=_("Place"),
        max_length=300,
        required=False,
        help_text=_("Where people meet in person, if they do."),
    )
    online_url = forms.URLField(
        label=_("Online link"), max_length=500, required=False, assume_scheme="https"
    )
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=1,
        max_value=10000,
        required=False,
        help_text=_("Leave empty for no limit. Beyond it, members join a waitlist."),
    )
    description = TextAreaField(
        label=_("Description"), required=False, help_text=_("Markdown."), rows=4
    )
    remind_maybe = forms.BooleanField(
        label=_("Also remind members who answered “maybe”"),
        required=False,
        help_text=_("Members who are going are always reminded."),
    )

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hosts"] = HostsField(
            label=_("Hosts"),
            queryset=members,
            widget=forms.CheckboxSelectMultiple(attrs={"data-filterable": "1"}),
            help_text=_("Hosts manage the meeting: agenda, attendance and notes."),
        )


class MeetingForm(_DetailsMixin):
    """Schedule or edit one meeting. Times are local to the chosen zone."""

    day = forms.DateField(label=_("Date"), widget=DATE)
    start_time = forms.TimeField(label=_("Starts"), widget=TIME)
    end_time = forms.TimeField(label=_("Ends"), widget=TIME)
    timezone = TimezoneField(
        help_text=_("The zone the meeting is planned in; everyone sees it in their own."),
    )
    agenda = TextAreaField(
        label=_("Agenda notes"),
        required=False,
        help_text=_("Markdown. Members can also propose agenda items on the meeting page."),
        rows=3,
    )
    field_order = ["title", "kind", "day", "start_time", "end_time", "timezone"]

    def __init__(self, *args, cohost_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        add_cohosts_field(self, cohost_choices)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        starts_at = _aware(data["day"], data["start_time"], data["timezone"])
        ends_at = _aware(data["day"], data["end_time"], data["timezone"])
        check_meeting_start(starts_at)  # before any arithmetic near year 1 or 9999
        if ends_at <= starts_at:
            ends_at += timedelta(days=1)  # ends after midnight
        data["starts_at"], data["ends_at"] = starts_at, ends_at
        if not data.get("location") and not data.get("online_url"):
            raise ValidationError(_("Give a place, an online link, or both."))
        return data

    @classmethod
    def initial_for(cls, meeting) -> dict:
        zone = zoneinfo.ZoneInfo(meeting.timezone)
        start, end = meeting.starts_at.astimezone(zone), meeting.ends_at.astimezone(zone)
        return {
            "title": meeting.title,
            "kind": meeting.kind,
            "day": start.date(),
            "start_time": start.time(),
            "end_time": end.time(),
            "timezone": meeting.timezone,
            "location": meeting.location,
            "online_url": meeting.online_url,
            "capacity": meeting.capacity,
            "description": meeting.description,
            "agenda": meeting.agenda,
            "remind_maybe": meeting.remind_maybe,
            "hosts": list(meeting.hosts.all()),
        }


class CohostsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


def add_cohosts_field(form: forms.Form, choices) -> None:
    """The co-hosting communities to choose among `choices` (the related communities);
    no field when there are none."""
    if not choices:
        return
    form.fields["cohosts"] = CohostsField(
        label=_("Co-hosting communities"),
        queryset=Community.objects.filter(pk__in=[c.pk for c in choices]).order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Related communities that host it too: the meeting shows in their meeting "
            "lists and calendars, and their members can answer and attend."
        ),
    )


class EditMeetingForm(MeetingForm):
    scope = forms.ChoiceField(
        label=_("Apply to"),
        choices=EditScope.choices,
        initial=EditScope.THIS,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, meeting=None, **kwargs):
        self.meeting = meeting
        super().__init__(*args, **kwargs)
        if meeting is None or meeting.series_id is None:
            del self.fields["scope"]

    def clean(self):
        data = super().clean()
        if self.errors or data.get("scope") != EditScope.FOLLOWING:
            return data
        check_following_edit(
            meeting=self.meeting, starts_at=data["starts_at"], timezone_name=data["timezone"]
        )
        return data


class SeriesForm(_DetailsMixin):
    """A series through friendly recurrence choices; turned into an RRULE."""

    frequency = forms.ChoiceField(
        label=_("Repeats"), choices=Frequency.choices, widget=forms.RadioSelect
    )
    interval = forms.IntegerField(
        label=_("Every"),
        min_value=1,
        max_value=12,
        initial=1,
        help_text=_("1 for every week or month, 2 for every other one, and so on."),
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("On"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For weekly series."),
    )
    nth = forms.TypedChoiceField(
        label=_("Which week of the month"),
        choices=NTH,
        coerce=int,
        required=False,
        help_text=_("For monthly series on a weekday."),
    )
    weekday = forms.TypedChoiceField(
        label=_("Weekday"), choices=WEEKDAYS, coerce=int, required=False
    )
    monthday = forms.IntegerField(
        label=_("Day of the month"),
        min_value=1,
        max_value=31,
        required=False,
        help_text=_("For monthly series on a date. Months without that day are skipped."),
    )
    starts_on = forms.DateField(label=_("First meeting on or after"), widget=DATE)
    start_time = forms.TimeField(label=_("Starts at (local time)"), widget=TIME)
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=5, max_value=24 * 60, initial=60
    )
    timezone = TimezoneField(
        help_text=_("The meeting keeps its local time in this zone across daylight saving."),
    )
    end = forms.ChoiceField(
        label=_("Ends"),
        choices=SeriesEnd.choices,
        initial=SeriesEnd.NEVER,
        widget=forms.RadioSelect,
    )
    until = forms.DateField(label=_("End date"), widget=DATE, required=False)
    count = forms.IntegerField(
        label=_("Number of meetings"), min_value=1, max_value=500, required=False
    )
    field_order = [
        "title",
        "kind",
        "frequency",
        "interval",
        "weekdays",
        "nth",
        "weekday",
        "monthday",
        "starts_on",
        "start_time",
        "duration_minutes",
        "timezone",
        "end",
        "until",
        "count",
    ]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if (
            data["end"] == SeriesEnd.ON_DATE
            and data.get("until")
            and data["until"] < data["starts_on"]
        ):
            self.add_error("until", _("The end date is before the first meeting."))
            return data
        try:
            data["rrule"] = build_rrule(
                frequency=data["frequency"],
                interval=data["interval"],
                weekdays=data.get("weekdays"),
                nth=data.get("nth"),
                weekday=data.get("weekday"),
                monthday=data.get("monthday"),
                end=data["end"],
                until=data.get("until"),
                count=data.get("count"),
            )
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc
        if not data.get("location") and not data.get("online_url"):
            raise ValidationError(_("Give a place, an online link, or both."))
        return data


class RSVPForm(forms.Form):
    answer = forms.ChoiceField(choices=RSVPAnswer.choices)


class GuestForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    is_speaker = forms.BooleanField(label=_("Speaker"), required=False)
    bio = TextAreaField(
        label=_("Short bio (shown on the meeting when a speaker)"),
        max_length=600,
        required=False,
        rows=3,
    )


class GuestSpeakerForm(forms.Form):
    is_speaker = forms.BooleanField(label=_("Speaker"), required=False)
    bio = TextAreaField(label=_("Short bio"), max_length=600, required=False, rows=3)


class CancelForm(forms.Form):
    reason = TextAreaField(
        label=_("Reason (sent to everyone who answered)"), required=False, max_length=1000, rows=3
    )


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Topic"), max_length=200)
    details = TextAreaField(
        label=_("Details"),
        required=False,
        max_length=4000,
        help_text=_("Markdown. Why it matters, what you would like to learn."),
        rows=3,
    )


class AgendaStatusForm(forms.Form):
    status = forms.ChoiceField(choices=AgendaItemStatus.choices)


class AttendanceForm(forms.Form):
    def __init__(self, *args, answered=None, others=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"] = HostsField(
            label=_("Who came (from the answers)"),
            queryset=answered,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["walk_ins"] = HostsField(
            label=_("Walk-ins (members who came without answering)"),
            queryset=others,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )


class NotesForm(forms.Form):
    notes = TextAreaField(
        label=_("Notes"),
        required=False,
        help_text=_("Markdown. What was discussed, decided and learned."),
        rows=12,
    )


SLOT_LINE = "%Y-%m-%d %H:%M"


class PollForm(forms.Form):
    """A scheduling poll: candidate slots as local date-times, one a line, in `timezone`."""

    title = forms.CharField(label=_("Title of the meeting"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=5000, widget=forms.Textarea
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=15, max_value=24 * 60, initial=60
    )
    timezone = TimezoneField(label=_("Time zone of the slots"))
    slots = forms.CharField(
        label=_("Candidate slots"),
        help_text=_("One a line, as YYYY-MM-DD HH:MM in the time zone above (at most 20)."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "2026-03-27 17:00"}),
    )

    def clean_slots(self):
        pairs = []
        lines = [line.strip() for line in self.cleaned_data["slots"].splitlines()]
        for line in filter(None, lines):
            try:
                moment = datetime.strptime(line, SLOT_LINE)
            except ValueError:
                raise ValidationError(
                    _("“%(line)s” is not a date and time like 2026-03-27 17:00.")
                    % {"line": line[:40]}
                ) from None
            pairs.append((moment.date(), moment.time()))
        if not pairs:
            raise ValidationError(_("Propose at least one slot."))
        if len(pairs) > 20:
            raise ValidationError(_("Propose at most 20 slots."))
        return pairs


class PollVoteForm(forms.Form):
    """One choice per slot (`slot-<id>`) and the auto-RSVP choice."""

    rsvp_if_chosen = forms.BooleanField(
        label=_("Answer “going” for me if a slot I said yes to is chosen"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.slot_ids = [slot.pk for slot in slots]
        for slot in slots:
            self.fields[f"slot-{slot.pk}"] = forms.ChoiceField(
                choices=PollAnswer.choices, required=False
            )

    def answers(self) -> dict[int, str]:
        return {
            pk: self.cleaned_data[f"slot-{pk}"]
            for pk in self.slot_ids
            if self.cleaned_data.get(f"slot-{pk}")
        }


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How was it, from 1 (not useful) to 5 (very useful)?"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    keep = TextAreaField(label=_("What should we keep?"), required=False, max_length=2000, rows=3)
    change = TextAreaField(
        label=_("What should we change?"), required=False, max_length=2000, rows=3
    )
