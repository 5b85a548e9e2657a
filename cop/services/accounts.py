"""One's own account: the profile others see."""

from django.db import transaction

from cop.models import User
from cop.services.directory import refresh_sort_names
from cop.text import single_line

PROFILE_FIELDS = ("display_name", "timezone", "bio")


@transaction.atomic
def update_profile(*, user: User, display_name: str, timezone: str, bio: str) -> User:
    """Save the display name, time zone and short bio of `user`. The model's validators
    bound them (lengths, a known time zone: ValidationError otherwise). Side effect: the
    member directory's sort name on each of their memberships follows the name."""
    user.display_name = single_line(display_name).strip()
    user.timezone = timezone
    user.bio = bio
    others = [field.name for field in User._meta.fields if field.name not in PROFILE_FIELDS]
    user.full_clean(exclude=others, validate_unique=False)
    user.save(update_fields=list(PROFILE_FIELDS))
    refresh_sort_names(user=user)
    return user
