"""Personal access tokens for the API: created, named, listed and revoked by their owner."""

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cop.models import PersonalAccessToken, User

TOKEN_PREFIX = "cps_"  # noqa: S105 -- a marker, not a secret
MAX_ACTIVE_TOKENS = 50
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(*, user: User, name: str) -> tuple[PersonalAccessToken, str]:
    """Make a token; returns the row and the secret, which is never stored or shown again."""
    name = name.strip()[:80]
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. “calendar bot”.")})
    active = PersonalAccessToken.objects.filter(user=user, revoked_at__isnull=True).count()
    if active >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            _("You have %(n)d active tokens. Revoke one you no longer use first.") % {"n": active}
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = PersonalAccessToken.objects.create(
        user=user, name=name, prefix=secret[:10], token_hash=hash_token(secret)
    )
    return token, secret


def revoke_token(*, token: PersonalAccessToken) -> PersonalAccessToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def authenticate_token(secret: str) -> PersonalAccessToken | None:
    """The active token matching a presented secret, with its user; marks it used."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        PersonalAccessToken.objects.select_related("user")
        .filter(token_hash=hash_token(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
