"""Forms of the core app."""

import functools
import zoneinfo

from django import forms
from django.conf import settings
from django.core.validators import validate_email
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _

from cop.enums import FollowUpOutcome, MembershipStatus, NotificationKind
from cop.extensions import value_choices
from cop.models import (
    Community,
    DeliveryChannel,
    DigestFrequency,
    Membership,
    Tag,
    User,
    ValueStory,
)
from cop.services import notifications

# The zones offered: "Area/City" names people recognise, and UTC. Left out: legacy
# aliases (W-SU, US/Eastern, GB), Etc/GMT+n with its inverted sign, Factory, localtime
# and posixrules, and the all-capital abbreviations (Australia/NSW). Every name the
# database accepts still works; these are the ones a person chooses from.
_AREAS = {"Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe",
          "Indian", "Pacific"}  # fmt: skip


@functools.cache
def curated_timezones() -> tuple[str, ...]:
    def offered(name: str) -> bool:
        area, _sep, place = name.partition("/")
        return area in _AREAS and bool(place) and place != place.upper()

    return ("UTC", *sorted(n for n in zoneinfo.available_timezones() if offered(n)))


class IdsField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField whose ids must fit a 64-bit column: a longer number was
    an OverflowError (SQLite) or a DataError (PostgreSQL) in the `pk__in` query, a 500.
    Django's single choice (`pk=`) already treats such a number as no match."""

    MAX_ID = 2**63 - 1

    def _check_values(self, value):
        for pk in value:
            try:
                number = int(str(pk))
            except (TypeError, ValueError):
                continue  # not a number: Django's own check refuses it
            if not -self.MAX_ID <= number <= self.MAX_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": str(pk)[:20]},
                )
        return super()._check_values(value)


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in curated_timezones()]


class TimezoneInput(forms.TextInput):
    """A time-zone field you can type into and search: a text box with the curated zones
    as suggestions (a `datalist`). The browser's own zone is filled in by
    static/js/copse.js where the field asks for it (`data-detect-timezone`)."""

    template_name = "cop/forms/timezone_input.html"

    def __init__(self, attrs=None, *, detect: bool = False):
        attrs = {"autocomplete": "off", "spellcheck": "false", **(attrs or {})}
        if detect:
            attrs["data-detect-timezone"] = "1"
        super().__init__(attrs)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["zones"] = timezone_choices()
        context["widget"]["attrs"]["list"] = f"{context['widget']['attrs'].get('id', name)}-zones"
        return context


class TimezoneField(forms.ChoiceField):
    """A curated, searchable time zone. A zone outside the list that the object already
    has (an old alias) stays valid for it."""

    def __init__(self, *, detect: bool = False, **kwargs):
        kwargs.setdefault("label", _("Time zone"))
        kwargs.setdefault("help_text", _("Type a city or region, e.g. Europe/Berlin."))
        super().__init__(choices=timezone_choices, widget=TimezoneInput(detect=detect), **kwargs)

    def allow(self, name: str) -> None:
        if name and name not in curated_timezones():
            self.choices = [*self.choices, (name, name)]


class TextAreaField(forms.CharField):
    """Free text written over several lines: a CharField shown as a textarea of `rows`."""

    def __init__(self, *, rows: int = 3, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": rows}))
        super().__init__(**kwargs)


class SignupExtraForm(forms.Form):
    """Extra fields on allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS)."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        help_text=_("How other members will see you."),
    )
    timezone = TimezoneField(initial=settings.DEFAULT_USER_TIMEZONE, detect=True)

    def signup(self, request, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"]
        user.timezone = self.cleaned_data["timezone"]
        user.save(update_fields=["display_name", "timezone"])


class ProfileForm(forms.ModelForm):
    timezone = TimezoneField()

    class Meta:
        model = User
        fields = ["display_name", "timezone", "bio"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].allow(self.instance.timezone)


class CopseFormRenderer(TemplatesSetting):
    """Every form, ours and allauth's, renders fields with errors and help beside them."""

    form_template_name = "cop/forms/form.html"
    field_template_name = "cop/forms/field.html"


def parse_tags(text: str) -> list[str]:
    """Comma-separated (or newline-separated) tag names, stripped, without empties."""
    parts = text.replace("\n", ",").split(",")
    return [part.strip() for part in parts if part.strip()]


class CommunityForm(forms.ModelForm):
    tags = TextAreaField(
        label=_("Topics"),
        required=False,
        help_text=_(
            "The community's vocabulary of topics, separated by commas, e.g. "
            "“incident response, observability, on-call”."
        ),
        rows=2,
    )

    class Meta:
        model = Community
        fields = [
            "name",
            "slug",
            "domain",
            "purpose",
            "description",
            "visibility",
            "join_policy",
            "stage",
            "license",
        ]
        widgets = {
            "domain": forms.Textarea(attrs={"rows": 2}),
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "slug": _("Used in web addresses: lowercase letters, digits and hyphens."),
            "purpose": _("What the community wants to achieve together."),
            "description": _("Anything else newcomers should know. Markdown is allowed."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["tags"].initial = ", ".join(t.name for t in self.instance.tags.all())

    def clean_slug(self):
        slug = self.cleaned_data["slug"].lower()
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(_("That address is reserved. Please choose another."))
        return slug

    def clean_tags(self) -> list[str]:
        tags = parse_tags(self.cleaned_data.get("tags", ""))
        if len(tags) > 100:
            raise forms.ValidationError(_("At most 100 topics, please."))
        too_long = [tag for tag in tags if len(tag) > 50]
        if too_long:
            raise forms.ValidationError(
                _("Topics are at most 50 characters: %(tag)s") % {"tag": too_long[0][:60]}
            )
        return tags


RESERVED_SLUGS = {"new", "mine", "admin", "api", "static", "accounts"}


class CommunitySettingsForm(CommunityForm):
    """The coordinators' settings: everything above plus the participation thresholds."""

    class Meta(CommunityForm.Meta):
        fields = [
            *CommunityForm.Meta.fields,
            "level_window_days",
            "newcomer_days",
            "active_threshold",
            "core_threshold",
            "validation_threshold",
            "mentor_request_timeout_days",
            "reminder_offsets_hours",
            "flag_threshold",
        ]

    def clean_level_window_days(self):
        value = self.cleaned_data["level_window_days"]
        if not 7 <= value <= 730:
            raise forms.ValidationError(_("Choose a window between 7 and 730 days."))
        return value

    def clean_validation_threshold(self):
        # 0 endorsements would make every published practice validated at once.
        value = self.cleaned_data["validation_threshold"]
        if not 1 <= value <= 100:
            raise forms.ValidationError(_("Choose between 1 and 100 endorsements."))
        return value

    def clean_reminder_offsets_hours(self):
        raw = self.cleaned_data["reminder_offsets_hours"]
        try:
            hours = sorted({int(part) for part in raw.split(",") if part.strip()}, reverse=True)
        except ValueError as exc:
            raise forms.ValidationError(
                _("Use whole hours separated by commas, e.g. 24,1.")
            ) from exc
        if any(h <= 0 or h > 24 * 14 for h in hours):
            raise forms.ValidationError(_("Each reminder must be between 1 and 336 hours before."))
        return ",".join(str(h) for h in hours)

    def clean(self):
        cleaned = super().clean()
        active, core = cleaned.get("active_threshold"), cleaned.get("core_threshold")
        if active is not None and core is not None and core <= active:
            self.add_error("core_threshold", _("Core needs more points than active."))
        if active is not None and active < 1:
            self.add_error("active_threshold", _("At least one point."))
        return cleaned


class JoinRequestForm(forms.Form):
    message = TextAreaField(
        label=_("Message to the coordinators"),
        required=False,
        max_length=2000,
        help_text=_("Say a little about yourself and what brings you here."),
        rows=4,
    )


class DeclineForm(forms.Form):
    reason = TextAreaField(
        label=_("Reason (sent to the person)"), required=False, max_length=1000, rows=2
    )


class InviteForm(forms.Form):
    emails = TextAreaField(
        label=_("Email addresses"),
        help_text=_("One or more, separated by commas or new lines."),
        rows=3,
    )
    message = TextAreaField(label=_("Personal message"), required=False, max_length=2000, rows=3)

    def clean_emails(self) -> list[str]:

        emails = parse_tags(self.cleaned_data["emails"].replace(";", ","))
        if not emails:
            raise forms.ValidationError(_("Enter at least one email address."))
        if len(emails) > 50:
            raise forms.ValidationError(_("At most 50 invitations at a time."))
        bad = []
        for email in emails:
            try:
                validate_email(email)
            except forms.ValidationError:
                bad.append(email)
        if bad:
            raise forms.ValidationError(
                _("Not an email address: %(emails)s") % {"emails": ", ".join(bad[:5])}
            )
        return list(dict.fromkeys(email.lower() for email in emails))


class MembershipProfileForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["introduction", "expertise", "listed_as_helper", "in_spotlight"]
        field_classes = {"expertise": IdsField}
        widgets = {
            "introduction": forms.Textarea(attrs={"rows": 5}),
            "expertise": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "introduction": _("Who you are and what you work on. Markdown is allowed."),
            "expertise": _("Topics you know well enough to help others with."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expertise"].queryset = Tag.objects.filter(
            community_id=self.instance.community_id
        ).order_by("name")


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=80,
        help_text=_("What will use it, e.g. “team chat bot” or “calendar sync”."),
    )


# The value story's answers, one per cycle of value, then how the story could end.
_VALUE_ANSWERS = (
    "immediate",
    "potential",
    "applied",
    "realized",
    "transformative",
    "aspirational_ending",
)


class ValueStoryForm(forms.ModelForm):
    """The guided form: one question per cycle of value, all but the first optional."""

    class Meta:
        model = ValueStory
        fields = ["title", *_VALUE_ANSWERS, "meetings", "entries"]
        field_classes = {"meetings": IdsField, "entries": IdsField}
        widgets = {field: forms.Textarea(attrs={"rows": 3}) for field in _VALUE_ANSWERS}

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)

        for name in ("meetings", "entries"):
            self.fields[name].queryset = value_choices(name, community)
        self.fields["meetings"].help_text = _("The meetings it came from, if any.")
        self.fields["entries"].help_text = _("The practices it came from, if any.")


class FollowUpForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Did it happen?"), choices=FollowUpOutcome.choices, widget=forms.RadioSelect
    )
    note = TextAreaField(label=_("Anything to add?"), required=False, max_length=4000, rows=3)


class NotificationPreferencesForm(forms.Form):
    """A channel per kind, the digest rhythm and the communities to mute."""

    digest_frequency = forms.ChoiceField(
        label=_("Digest"),
        choices=DigestFrequency.choices,
        widget=forms.RadioSelect,
        help_text=_("Sent at 08:00 in your time zone, only when you were away and there is news."),
    )
    muted = IdsField(
        label=_("Muted communities"),
        queryset=Community.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("No email and no digest about these; you still see their notifications here."),
    )

    def __init__(self, *args, user, **kwargs):
        channels = notifications.channels_for(user)
        prefs = notifications.notification_settings_of(user)
        muted = list(user.community_mutes.values_list("community_id", flat=True))
        kwargs.setdefault(
            "initial",
            {
                **{f"kind_{kind}": channel for kind, channel in channels.items()},
                "digest_frequency": prefs.digest_frequency,
                "muted": muted,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["muted"].queryset = Community.objects.filter(
            memberships__user=user, memberships__status=MembershipStatus.ACTIVE
        ).order_by("name")
        for kind, label in NotificationKind.choices:
            self.fields[f"kind_{kind}"] = forms.ChoiceField(
                label=label, choices=DeliveryChannel.choices, widget=forms.RadioSelect
            )

    def kind_rows(self):
        return [self[f"kind_{kind}"] for kind in NotificationKind.values]

    def other_fields(self):
        return [self["digest_frequency"], self["muted"]]

    def channels(self) -> dict[str, str]:
        return {kind: self.cleaned_data[f"kind_{kind}"] for kind in NotificationKind.values}
