"""allauth's account adapter, with Copse's checks on email addresses (ACCOUNT_ADAPTER)."""

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.utils.translation import gettext as _

# The longest address a mailbox can have (RFC 5321 path limit) and the user's column.
EMAIL_MAX_LENGTH = 254


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email: str) -> str:
        """Sign-up, adding and changing an address: an address longer than the column
        was cut short silently (and a second sign-up then collided with the first)."""
        email = super().clean_email(email)
        if len(email) > EMAIL_MAX_LENGTH:
            raise forms.ValidationError(
                _("An email address has at most %(n)s characters.") % {"n": EMAIL_MAX_LENGTH}
            )
        return email
