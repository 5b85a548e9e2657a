"""Value-creation stories: the guided form, follow-ups at 30 and 90 days, the matrix."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from cop.enums import FollowUpOutcome, NotificationKind, ParticipationKind
from cop.models import Notification, ValueFollowUp, ValueStory
from cop.services.value import answer_follow_up, send_due_follow_ups, tell_value_story
from tests.factories import CommunityFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    return CommunityFactory(coordinator=UserFactory())


def _story(community, narrator, **kwargs):
    fields = {
        "title": "The runbook that saved a night",
        "immediate": "Ben walked us through his failover runbook at the meeting.",
        "potential": "I understood why our replica lag alarms were noisy.",
        "applied": "I rewrote our alert thresholds.",
        "aspirational_ending": "Pages at night halve this quarter.",
    }
    fields.update(kwargs)
    return tell_value_story(community=community, narrator=narrator, **fields)


def test_tell_value_story_records_participation_and_cycles(community):
    narrator = make_member(community)
    story = _story(community, narrator)
    assert story.cycles_reached == ["immediate", "potential", "applied"]
    assert (
        narrator.memberships.get()
        .participation_events.filter(kind=ParticipationKind.TOLD_STORY)
        .exists()
    )


def test_non_member_cannot_tell_value_story(community):
    with pytest.raises(ValidationError, match="Only members"):
        _story(community, UserFactory())


def test_follow_ups_sent_at_30_and_90_days_once_each(community):
    narrator = make_member(community)
    story = _story(community, narrator)
    start = story.created_at
    with time_machine.travel(start + timedelta(days=29)):
        assert send_due_follow_ups() == 0
    with time_machine.travel(start + timedelta(days=30, hours=1)):
        assert send_due_follow_ups() == 1
        assert send_due_follow_ups() == 0
    with time_machine.travel(start + timedelta(days=60)):
        assert send_due_follow_ups() == 0
    with time_machine.travel(start + timedelta(days=90, hours=1)):
        assert send_due_follow_ups() == 1
        assert send_due_follow_ups() == 0
    assert sorted(story.follow_ups.values_list("after_days", flat=True)) == [30, 90]
    asked = Notification.objects.filter(recipient=narrator, kind=NotificationKind.VALUE_FOLLOW_UP)
    assert asked.count() == 2
    assert "Pages at night halve" in asked.first().title


def test_story_without_aspiration_is_not_followed_up(community):
    story = _story(community, make_member(community), aspirational_ending="")
    with time_machine.travel(story.created_at + timedelta(days=100)):
        assert send_due_follow_ups() == 0


def test_late_run_asks_once_for_the_latest_due(community):
    story = _story(community, make_member(community))
    with time_machine.travel(story.created_at + timedelta(days=95)):
        assert send_due_follow_ups() == 1
    assert story.follow_ups.count() == 2
    assert Notification.objects.filter(kind=NotificationKind.VALUE_FOLLOW_UP).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_ask_once(community):
    story = _story(community, make_member(community))
    results = []

    def run():
        try:
            results.append(send_due_follow_ups(now=story.created_at + timedelta(days=31)))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 1
    assert ValueFollowUp.objects.filter(story=story).count() == 1
    assert Notification.objects.filter(kind=NotificationKind.VALUE_FOLLOW_UP).count() == 1


def test_answer_follow_up_only_by_narrator(community):
    narrator = make_member(community)
    story = _story(community, narrator)
    follow_up = ValueFollowUp.objects.create(story=story, after_days=30)
    with pytest.raises(ValidationError):
        answer_follow_up(follow_up=follow_up, by=UserFactory(), outcome=FollowUpOutcome.HAPPENED)
    answer_follow_up(follow_up=follow_up, by=narrator, outcome=FollowUpOutcome.PARTLY, note="so-so")
    follow_up.refresh_from_db()
    assert follow_up.outcome == "partly" and follow_up.answered_at


def test_guided_form_creates_story(client, community):
    narrator = make_member(community)
    client.force_login(narrator)
    url = reverse("value_story_create", args=[community.slug])
    page = client.get(url)
    assert b"1. Immediate value" in page.content and b"5. Reframing value" in page.content
    response = client.post(url, {"title": "A story", "immediate": "It happened."})
    story = ValueStory.objects.get()
    assert response.status_code == 302 and response["Location"] == story.get_absolute_url()
    assert client.get(story.get_absolute_url()).status_code == 200


def test_guided_form_requires_first_step(client, community):
    client.force_login(make_member(community))
    response = client.post(reverse("value_story_create", args=[community.slug]), {"title": "x"})
    assert response.status_code == 200
    assert "immediate" in response.context["form"].errors
    assert not ValueStory.objects.exists()


def test_follow_up_page_answers(client, community):
    narrator = make_member(community)
    story = _story(community, narrator)
    follow_up = ValueFollowUp.objects.create(story=story, after_days=30)
    url = reverse("value_follow_up", args=[community.slug, follow_up.pk])
    client.force_login(make_member(community))
    assert client.get(url).status_code == 404
    client.force_login(narrator)
    client.post(url, {"outcome": "happened", "note": "Halved!"})
    follow_up.refresh_from_db()
    assert follow_up.outcome == "happened"


def test_value_matrix_for_coordinators_only(client):
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    _story(community, make_member(community))
    url = reverse("value_matrix", args=[community.slug])
    client.force_login(make_member(community))
    assert client.get(url).status_code == 404
    client.force_login(coordinator)
    response = client.get(url)
    content = response.content.decode()
    assert response.status_code == 200
    assert "The runbook that saved a night" in content
    rows = {row["key"]: row for row in response.context["rows"]}
    assert rows["applied"]["stories"] == 1 and rows["realized"]["stories"] == 0
    told = {i["label"]: i["value"] for i in rows["potential"]["indicators"]}
    assert told["Told a story"] == 1


@pytest.mark.parametrize("count", [1, 12])
def test_value_pages_query_count_is_constant(client, django_assert_num_queries, count):
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    for _ in range(count):
        _story(community, make_member(community))
    client.force_login(coordinator)
    for name, literal in (("value_story_list", 5), ("value_matrix", 7)):
        url = reverse(name, args=[community.slug])
        client.get(url)
        with django_assert_num_queries(literal):
            response = client.get(url)
        assert response.status_code == 200
