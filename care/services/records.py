"""What bookmarks and follows share: one row per member and item, bounded per member."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cop.content import ContentKind


def record_once(model, *, user, kind: ContentKind, obj, limit: int, too_many: str):
    """The member's `model` row for `obj`, created unless it exists. Refuses with
    `too_many` past `limit` rows; two requests at the same moment make one row."""
    content_type = kind.content_type()
    lookup = {"user": user, "content_type": content_type, "object_id": obj.pk}
    existing = model.objects.filter(**lookup).first()
    if existing is not None:
        return existing
    if model.objects.filter(user=user).count() >= limit:
        raise ValidationError(too_many)
    try:
        with transaction.atomic():
            return model.objects.create(**lookup, community=kind.community(obj))
    except IntegrityError:  # recorded twice at the same moment
        return model.objects.get(**lookup)
