"""Celery tasks of following and moderation: thin, keyword ids only, safe to run twice."""

from celery import shared_task

from cop.models import Community

from .services.conduct import announce_conduct_change as announce
from .services.follows import deliver_notice, notify_followers, sweep_follow_notices


@shared_task(name="care.notify_followers", ignore_result=True)
def notify_followers_task(
    *, notice_id: int | None = None, kind_key: str = "", pk: int = 0, targets: list | None = None
) -> int:
    """Deliver a `FollowNotice`; the keyword form without one is what earlier releases
    enqueued, still accepted while such messages may wait in the broker."""
    if notice_id is not None:
        return deliver_notice(notice_id)
    return notify_followers(kind_key=kind_key, pk=pk, targets=[tuple(t) for t in targets or []])


@shared_task(name="care.sweep_follow_notices", ignore_result=True)
def sweep_follow_notices_task() -> int:

    return sweep_follow_notices()


@shared_task(name="care.announce_conduct_change", ignore_result=True)
def announce_conduct_change(*, community_id: int, version: int) -> int:

    community = Community.objects.filter(pk=community_id).first()
    if community is None or community.conduct_version != version:
        return 0
    return announce(community=community, version=version)
