"""Forms of the mentoring app. Validation of input only; the services decide the rest."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cop.forms.core import IdsField, TextAreaField, TimezoneField
from cop.models import Community, Tag

from .enums import AUTO_KIND_CHOICES, Cadence
from .models import MentorOffer


class _TopicsMixin:
    def _limit_topics(self, community: Community) -> None:
        self.fields["topics"].queryset = Tag.objects.filter(community=community).order_by("name")


def _topics_field(help_text: str) -> IdsField:
    """Tags of the community's vocabulary, as checkboxes; the form's `_limit_topics`
    sets which."""
    return IdsField(
        label=_("Topics"),
        queryset=Tag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
    )


class OfferForm(_TopicsMixin, forms.Form):
    topics = _topics_field(_("What you can help with, from the community's vocabulary."))
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=1,
        max_value=20,
        initial=2,
        help_text=_("The most mentees you will take on at once."),
    )
    availability = forms.CharField(
        label=_("Availability"),
        max_length=200,
        required=False,
        help_text=_("In your own words, for example “Tuesday evenings, 30 minutes”."),
    )
    timezone = TimezoneField()
    languages = forms.CharField(
        label=_("Languages"),
        max_length=120,
        required=False,
        help_text=_("Comma-separated, for example “English, French”."),
    )

    def __init__(self, *args, community: Community, offer: MentorOffer | None = None, **kwargs):
        if offer is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "topics": list(offer.topics.all()),
                "capacity": offer.capacity,
                "availability": offer.availability,
                "timezone": offer.timezone,
                "languages": offer.languages,
            }
        super().__init__(*args, **kwargs)
        self._limit_topics(community)


class RequestForm(_TopicsMixin, forms.Form):
    goals = TextAreaField(
        label=_("Your goals"),
        max_length=2000,
        help_text=_("What would you like to learn or get better at? Markdown."),
        rows=4,
    )
    topics = _topics_field(_("Mentors who know these topics rank higher."))
    cadence = forms.ChoiceField(
        label=_("How often would you like to talk?"),
        choices=Cadence.choices,
        initial=Cadence.FORTNIGHTLY,
    )
    timezone = TimezoneField(
        label=_("Your time zone"), help_text=_("Mentors in nearby time zones rank higher.")
    )
    mentor = forms.TypedChoiceField(
        label=_("Send the request to"),
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, community: Community, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_topics(community)
        self.fields["mentor"].choices = [("", _("The best match (top of the list)"))] + [
            (c.mentor.pk, c.mentor.name) for c in candidates
        ]


class DeclineForm(forms.Form):
    """The mentor's answer: one message, sent with "Accept" or with "Decline"."""

    message = TextAreaField(
        label=_("A message for the requester (optional)"), max_length=1000, required=False, rows=3
    )


class AssignForm(forms.Form):
    mentor = forms.TypedChoiceField(label=_("Mentor"), coerce=int)

    def __init__(self, *args, offers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentor"].choices = [
            (
                offer.mentor_id,
                _("%(name)s (%(open)d of %(capacity)d places taken%(paused)s)")
                % {
                    "name": offer.mentor.name,
                    "open": offer.open_mentorships,
                    "capacity": offer.capacity,
                    "paused": _(", paused") if offer.paused else "",
                },
            )
            for offer in offers
        ]


class CheckInForm(forms.Form):
    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )
    notes = TextAreaField(
        label=_("Notes"),
        max_length=5000,
        help_text=_("What you talked about. Markdown. Visible to the two of you."),
        rows=4,
    )
    next_steps = TextAreaField(label=_("Next steps"), max_length=2000, required=False, rows=2)


class AgreementForm(forms.Form):
    goals = TextAreaField(label=_("Goals"), max_length=2000, rows=4)
    cadence = forms.ChoiceField(label=_("Cadence"), choices=Cadence.choices)
    share_checkins = forms.BooleanField(
        label=_("Share check-in notes with the coordinators"), required=False
    )


class ExtendForm(forms.Form):
    end_date = forms.DateField(
        label=_("New end date"), widget=forms.DateInput(attrs={"type": "date"})
    )


class CompleteForm(forms.Form):
    reflection = TextAreaField(
        label=_("Reflection"),
        max_length=3000,
        required=False,
        help_text=_("What came of it? Completing early is a completion, not a failure."),
        rows=3,
    )
    feedback = TextAreaField(
        label=_("Your short feedback"), max_length=1000, required=False, rows=2
    )


class FeedbackForm(forms.Form):
    feedback = TextAreaField(label=_("Your short feedback"), max_length=1000, rows=2)


class StepForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    description = TextAreaField(label=_("Description"), max_length=1000, required=False, rows=2)
    auto_kind = forms.ChoiceField(
        label=_("Ticks itself when"),
        choices=[("", _("Never: newcomers tick it by hand")), *AUTO_KIND_CHOICES],
        required=False,
    )
