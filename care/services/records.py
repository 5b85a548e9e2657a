"""What bookmarks and follows share: one row per member and item, bounded per member."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cop.content import kind_of_model


def record_once(model, *, user, obj, able: str, refused: str, limit: int, too_many: str):
    """The member's `model` row for `obj`, created unless it exists. Refuses with
    `refused` when the kind of `obj` is not `able` (its ContentKind flag), with
    `too_many` past `limit` rows; two requests at the same moment make one row."""
    kind = kind_of_model(type(obj))
    if kind is None or not getattr(kind, able):
        raise ValidationError(refused)
    lookup = {"user": user, "content_type": kind.content_type(), "object_id": obj.pk}
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


def forget(model, *, user, obj) -> bool:
    """Delete the member's `model` row for `obj`; False when there was none."""
    kind = kind_of_model(type(obj))
    if kind is None:
        return False
    deleted, _rows = model.objects.filter(
        user=user, content_type=kind.content_type(), object_id=obj.pk
    ).delete()
    return bool(deleted)
