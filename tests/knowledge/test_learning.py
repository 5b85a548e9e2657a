"""The newcomer's learning path: the reading list worked out by hand, its topics from the
first problem until some are picked, ticking as items are opened, the next meeting and
the mentor, the page's fixed query count, privacy and the home page's invitation."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cop.enums import JoinPolicy, Level, Visibility
from knowledge.enums import EntryStatus, ProblemStatus
from knowledge.learning import choose_path_topics, learning_path
from knowledge.models import PathRead
from meetings.models import AgendaItem
from mentoring.models import MentorOffer
from tests.factories import (
    CommunityFactory,
    MeetingFactory,
    PracticeEntryFactory,
    ProblemFactory,
    StoryFactory,
    TagFactory,
    make_member,
)

pytestmark = pytest.mark.django_db


def _open(community, kind, pk):
    return reverse(
        "knowledge:learning_open", kwargs={"slug": community.slug, "kind": kind, "pk": pk}
    )


def _world():
    """Backups: validated practices "Restore drills" (3 endorsements) and "Offsite
    copies" (1); a draft, an archived and a hidden validated one (never listed); a story
    "The night the NAS died"; a solved problem "Restores too slow" and an open one (not
    listed). The newcomer's first problem is on Testing. Another community's validated
    practice on its own Backups topic is never listed."""
    community = CommunityFactory(slug="ops")
    newcomer = make_member(community, display_name="Nina")
    backups = TagFactory(community=community, name="Backups", slug="backups")
    testing = TagFactory(community=community, name="Testing", slug="testing")
    for title, status, count, extra in [
        ("Restore drills", EntryStatus.VALIDATED, 3, {}),
        ("Offsite copies", EntryStatus.VALIDATED, 1, {}),
        ("Draft idea", EntryStatus.DRAFT, 9, {}),
        ("Old way", EntryStatus.ARCHIVED, 9, {}),
        ("Hidden one", EntryStatus.VALIDATED, 9, {"hidden_at": timezone.now()}),
    ]:
        PracticeEntryFactory(
            community=community, title=title, status=status, endorsement_count=count, **extra
        ).tags.set([backups])
    StoryFactory(community=community, title="The night the NAS died").tags.set([backups])
    solved = ProblemFactory(
        community=community, title="Restores too slow", status=ProblemStatus.SOLVED
    )
    solved.tags.set([backups])
    ProblemFactory(community=community, title="Still open").tags.set([backups])
    ProblemFactory(community=community, author=newcomer, title="My first").tags.set([testing])
    other = CommunityFactory()
    PracticeEntryFactory(community=other, title="Elsewhere", status=EntryStatus.VALIDATED).tags.set(
        [TagFactory(community=other, name="Backups", slug="backups")]
    )
    return community, newcomer, backups, solved


def test_path_follows_the_first_problem_until_topics_are_picked():
    community, newcomer, backups, _solved = _world()
    view = learning_path(newcomer, community)
    assert [t.name for t in view.topics] == ["Testing"] and view.from_first_problem
    assert view.items == []
    choose_path_topics(user=newcomer, community=community, topics=[backups])
    view = learning_path(newcomer, community)
    assert not view.from_first_problem
    assert [(i.kind, i.title) for i in view.items] == [
        ("practice", "Restore drills"),
        ("practice", "Offsite copies"),
        ("story", "The night the NAS died"),
        ("problem", "Restores too slow"),
    ]


def test_topics_are_bounded_and_of_the_community():
    community, newcomer, _backups, _solved = _world()
    with pytest.raises(Exception, match="at most 5"):
        choose_path_topics(
            user=newcomer,
            community=community,
            topics=[TagFactory(community=community) for _ in range(6)],
        )
    with pytest.raises(Exception, match="this community"):
        choose_path_topics(user=newcomer, community=community, topics=[TagFactory()])


def test_next_meeting_on_the_topics_and_a_mentor_in_them():
    community, newcomer, backups, solved = _world()
    choose_path_topics(user=newcomer, community=community, topics=[backups])
    MeetingFactory(community=community, title="Sooner, other things")
    later = MeetingFactory(
        community=community,
        title="Backup clinic",
        starts_at=timezone.now() + timedelta(days=14),
    )
    AgendaItem.objects.create(meeting=later, title="Slow restores", problem=solved)
    mentor = make_member(community, display_name="Mo")
    paused = make_member(community, display_name="Paused Pat")
    for who, is_paused in [(mentor, False), (paused, True)]:
        offer = MentorOffer.objects.create(community=community, mentor=who, paused=is_paused)
        offer.topics.set([backups])
    own = MentorOffer.objects.create(community=community, mentor=newcomer)
    own.topics.set([backups])
    view = learning_path(newcomer, community)
    assert view.next_meeting == later and view.meeting_on_topics
    assert view.mentor.name == "Mo" and view.mentor.reason == "Offers mentoring in Backups."


def test_opening_items_ticks_them_once(client):
    community, newcomer, backups, solved = _world()
    choose_path_topics(user=newcomer, community=community, topics=[backups])
    client.force_login(newcomer)
    url = reverse(
        "knowledge:learning_open",
        kwargs={"slug": community.slug, "kind": "problem", "pk": solved.pk},
    )
    assert client.get(url).url == solved.get_absolute_url()
    client.get(url)
    assert PathRead.objects.filter(kind="problem", object_id=solved.pk).count() == 1
    view = learning_path(newcomer, community)
    assert view.read_count == 1 and [i.read for i in view.items] == [False, False, False, True]
    draft = community.entries.get(title="Draft idea")
    bad = reverse(
        "knowledge:learning_open",
        kwargs={"slug": community.slug, "kind": "practice", "pk": draft.pk},
    )
    assert client.get(bad).status_code == 404
    nope = reverse(
        "knowledge:learning_open", kwargs={"slug": community.slug, "kind": "reply", "pk": 1}
    )
    assert client.get(nope).status_code == 404


def test_only_members_and_private_stays_private(client):
    community, _newcomer, _backups, _solved = _world()
    outsider = make_member(CommunityFactory())
    client.force_login(outsider)
    page = reverse("knowledge:learning_path", kwargs={"slug": community.slug})
    assert client.get(page).status_code == 403
    secret = CommunityFactory(visibility=Visibility.PRIVATE, join_policy=JoinPolicy.INVITATION)
    entry = PracticeEntryFactory(community=secret, title="Secret", status=EntryStatus.VALIDATED)
    assert (
        client.get(reverse("knowledge:learning_path", kwargs={"slug": secret.slug})).status_code
        == 404
    )
    url = reverse(
        "knowledge:learning_open", kwargs={"slug": secret.slug, "kind": "practice", "pk": entry.pk}
    )
    assert client.get(url).status_code == 404
    # A member of the public community never sees another community's practice.
    member = make_member(community)
    tag = community.tags.get(slug="backups")
    choose_path_topics(user=member, community=community, topics=[tag])
    assert "Secret" not in [i.title for i in learning_path(member, community).items]
    assert "Elsewhere" not in [i.title for i in learning_path(member, community).items]


@pytest.mark.parametrize("many", [False, True])
def test_page_in_fixed_queries(client, django_assert_max_num_queries, many):
    community, newcomer, backups, _solved = _world()
    choose_path_topics(user=newcomer, community=community, topics=[backups])
    if many:
        for n in range(6):
            PracticeEntryFactory(
                community=community, status=EntryStatus.VALIDATED, title=f"More {n}"
            ).tags.set([backups])
            StoryFactory(community=community).tags.set([backups])
    client.force_login(newcomer)
    url = reverse("knowledge:learning_path", kwargs={"slug": community.slug})
    client.get(url)
    with django_assert_max_num_queries(22):
        html = client.get(url).content.decode()
    assert "Restore drills" in html
    # five practices and five stories at most, and the solved problem
    assert ("0 of 11 read" if many else "0 of 4 read") in html


def test_empty_state_and_picking_topics_on_the_page(client):
    community, newcomer, backups, _solved = _world()
    newcomer.problems.all().delete()
    client.force_login(newcomer)
    url = reverse("knowledge:learning_path", kwargs={"slug": community.slug})
    assert "Pick a topic or two to start" in client.get(url).content.decode()
    response = client.post(url, {"topics": [backups.pk]}, follow=True)
    assert "Restore drills" in response.content.decode()


def test_home_invites_newcomers_and_peripheral_members_only(client):
    community, newcomer, _backups, _solved = _world()
    client.force_login(newcomer)
    home = reverse("community_home", kwargs={"slug": community.slug})
    assert "Open my learning path" in client.get(home).content.decode()
    newcomer.memberships.update(level=Level.CORE)
    assert "Open my learning path" not in client.get(home).content.decode()
