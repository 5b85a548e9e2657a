"""Celery tasks of following and moderation: thin, keyword ids only, safe to run twice."""

from celery import shared_task

from cop.models import Community

from .services.conduct import announce_conduct_change as announce
from .services.follows import notify_followers


@shared_task(name="care.notify_followers", ignore_result=True)
def notify_followers_task(*, kind_key: str, pk: int, targets: list) -> int:

    return notify_followers(kind_key=kind_key, pk=pk, targets=[tuple(t) for t in targets])


@shared_task(name="care.announce_conduct_change", ignore_result=True)
def announce_conduct_change(*, community_id: int, version: int) -> int:

    community = Community.objects.filter(pk=community_id).first()
    if community is None or community.conduct_version != version:
        return 0
    return announce(community=community, version=version)
