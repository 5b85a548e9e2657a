import datetime

import pytest
from django.utils import timezone

from cop.enums import NotificationKind, Visibility
from cop.models import Notification
from knowledge import tasks
from knowledge.enums import EntryStatus
from knowledge.selectors import digest_section
from knowledge.services import entries
from tests.factories import (
    CommunityFactory,
    PracticeEntryFactory,
    ProblemFactory,
    StoryFactory,
    UserFactory,
    make_member,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 24)


def _reminders(user):
    return Notification.objects.filter(recipient=user, kind=NotificationKind.ENTRY_REVIEW_DUE)


def test_review_reminder_sent_once_per_review_date():
    community = CommunityFactory()
    owner = make_member(community)
    entry = PracticeEntryFactory(
        community=community, owner=owner, review_date=TODAY - datetime.timedelta(days=1)
    )
    PracticeEntryFactory(community=community, owner=owner, review_date=TODAY.replace(day=30))
    PracticeEntryFactory(
        community=community, owner=owner, review_date=TODAY, status=EntryStatus.ARCHIVED
    )
    assert entries.remind_due_reviews(today=TODAY) == 1
    assert entries.remind_due_reviews(today=TODAY) == 0
    assert _reminders(owner).count() == 1
    assert _reminders(owner).get().url == entry.get_absolute_url()

    # A new review date arms a new reminder.
    entry.review_date = TODAY
    entry.save(update_fields=["review_date"])
    assert entries.remind_due_reviews(today=TODAY) == 1
    assert _reminders(owner).count() == 2


def test_review_task_runs_the_scan():
    community = CommunityFactory()
    owner = make_member(community)
    PracticeEntryFactory(community=community, owner=owner, review_date=timezone.localdate())
    assert tasks.remind_due_reviews.apply().get() == 1
    assert tasks.remind_due_reviews.apply().get() == 0


def test_digest_section_lists_new_items_of_my_communities_only():
    mine = CommunityFactory()
    private = CommunityFactory(visibility=Visibility.PRIVATE)
    user = make_member(mine)
    since = timezone.now() - datetime.timedelta(days=1)
    StoryFactory(community=mine, title="Fresh story")
    ProblemFactory(community=mine, title="Fresh problem")
    PracticeEntryFactory(
        community=mine, title="Fresh practice", status=EntryStatus.VALIDATED,
        validated_at=timezone.now(),
    )  # fmt: skip
    StoryFactory(community=private, title="Secret story")
    StoryFactory(community=CommunityFactory(), title="Public but not mine")
    old = StoryFactory(community=mine, title="Old story")
    old.created_at = since - datetime.timedelta(days=1)
    old.save(update_fields=["created_at"])

    section = digest_section(user=user, since=since)
    titles = [item["title"] for item in section["items"]]
    assert titles == [
        "Story: Fresh story",
        "Problem: Fresh problem",
        "Validated practice: Fresh practice",
    ]
    assert digest_section(user=UserFactory(), since=since) is None


def test_review_scan_is_scheduled(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["knowledge-remind-due-reviews"]
    assert entry["task"] == tasks.remind_due_reviews.name
