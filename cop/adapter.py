"""allauth's account adapter, with Copse's checks on email addresses (ACCOUNT_ADAPTER)."""

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.utils.translation import gettext as _

from cop.text import EMAIL_MAX_LENGTH, normalise_email_domain


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email: str) -> str:
        """Sign-up, adding and changing an address: an address longer than the column
        was cut short silently (and a second sign-up then collided with the first); an
        international domain is kept in its ASCII form and a look-alike one refused."""
        email = normalise_email_domain(super().clean_email(email))
        if len(email) > EMAIL_MAX_LENGTH:
            raise forms.ValidationError(
                _("An email address has at most %(n)s characters.") % {"n": EMAIL_MAX_LENGTH}
            )
        return email
