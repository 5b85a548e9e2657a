"""The form that shares a practice with a related community."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ShareForm(forms.Form):
    community = forms.ModelChoiceField(
        label=_("Related community"), queryset=None, empty_label=_("Choose a community")
    )

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = targets
