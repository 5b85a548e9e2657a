"""The audit log: consequential actions in a community, for its coordinators to see.
Services call `record` in the same transaction as the action, so an action that rolls
back leaves no entry."""

from datetime import timedelta

from django.utils import timezone

from cop.models import AuditEntry, Community, User

# How long an Undo is offered after a deletion or a removal.
UNDO_WINDOW = timedelta(minutes=10)


def record(
    *,
    community: Community,
    actor: User | None,
    action: str,
    summary: str,
    url: str = "",
    data: dict | None = None,
) -> AuditEntry:
    """Write one entry: who (`actor`), what (`action`, `summary`, a link) and when (now)."""
    return AuditEntry.objects.create(
        community=community,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        summary=summary[:300],
        url=url[:300],
        data=data or {},
    )


def within_undo_window(when) -> bool:
    return when is not None and timezone.now() - when <= UNDO_WINDOW
