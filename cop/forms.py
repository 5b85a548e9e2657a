"""Forms of the core app."""

import zoneinfo

from django import forms
from django.conf import settings
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _

from .models import User


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class SignupExtraForm(forms.Form):
    """Extra fields on allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS)."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        help_text=_("How other members will see you."),
    )
    timezone = forms.ChoiceField(
        label=_("Time zone"), choices=timezone_choices, initial=settings.DEFAULT_USER_TIMEZONE
    )

    def signup(self, request, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"]
        user.timezone = self.cleaned_data["timezone"]
        user.save(update_fields=["display_name", "timezone"])


class ProfileForm(forms.ModelForm):
    timezone = forms.ChoiceField(label=_("Time zone"), choices=timezone_choices)

    class Meta:
        model = User
        fields = ["display_name", "timezone", "bio"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}


class CopseFormRenderer(TemplatesSetting):
    """Every form, ours and allauth's, renders fields with errors and help beside them."""

    form_template_name = "cop/forms/form.html"
    field_template_name = "cop/forms/field.html"
