"""Concurrent flags on PostgreSQL: each counts once, and the item is hidden once."""

import threading

import pytest
from django.db import connection

from care.enums import FlagReason
from care.models import Flag, ModerationCase
from care.services.moderation import flag_content
from cop.enums import AuditAction, NotificationKind
from cop.models import AuditEntry, Notification
from knowledge.models import Story
from tests.factories import CommunityFactory, StoryFactory, UserFactory, make_member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_flags_count_exactly_and_hide_once():
    community = CommunityFactory(coordinator=UserFactory())
    community.flag_threshold = 5
    community.save(update_fields=["flag_threshold"])
    author = make_member(community)
    story = StoryFactory(community=community, author=author)
    flaggers = [make_member(community) for _ in range(12)]
    barrier = threading.Barrier(len(flaggers))
    errors = []

    def flag(user):
        try:
            barrier.wait()
            flag_content(user=user, obj=story, reason=FlagReason.SPAM)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=flag, args=(user,)) for user in flaggers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    case = ModerationCase.objects.get()
    assert case.flag_count == Flag.objects.count() == 12
    assert Story.objects.get(pk=story.pk).hidden_at is not None
    assert AuditEntry.objects.filter(action=AuditAction.ITEM_AUTO_HIDDEN).count() == 1
    assert (
        Notification.objects.filter(recipient=author, kind=NotificationKind.MODERATION).count() == 1
    )
