"""Thanks: once per member and item, never oneself, counters kept, the spotlight."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cop.content import kind_named
from cop.models import Membership, Notification, Thanks
from cop.services import thanks
from tests.factories import (
    CommunityFactory,
    PracticeEntryFactory,
    ReplyFactory,
    StoryFactory,
    UserFactory,
    make_member,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    community = CommunityFactory(coordinator=UserFactory())
    author = make_member(community)
    reader = make_member(community)
    story = StoryFactory(community=community, author=author)
    return community, author, reader, story


def test_thank_once_counts_once_and_notifies_the_author(world):
    _, author, reader, story = world
    kind = kind_named("story")
    _, created = thanks.thank(user=reader, kind=kind, obj=story)
    _, again = thanks.thank(user=reader, kind=kind, obj=story)
    story.refresh_from_db()
    assert (created, again, story.thanks_count) == (True, False, 1)
    assert Notification.objects.filter(recipient=author, kind="thanks").count() == 1


def test_thank_oneself_is_refused(world):
    _, author, _, story = world
    with pytest.raises(ValidationError):
        thanks.thank(user=author, kind=kind_named("story"), obj=story)


def test_withdraw_thanks_moves_the_counter_back(world):
    _, _, reader, story = world
    thanks.thank(user=reader, kind=kind_named("story"), obj=story)
    assert thanks.withdraw_thanks(user=reader, key="story", pk=story.pk) is True
    assert thanks.withdraw_thanks(user=reader, key="story", pk=story.pk) is False
    story.refresh_from_db()
    assert story.thanks_count == 0


def test_replies_and_practices_can_be_thanked_topics_cannot(world):
    community, author, reader, _ = world
    reply = ReplyFactory(problem__community=community, author=author)
    entry = PracticeEntryFactory(community=community, author=author)
    thanks.thank(user=reader, kind=kind_named("reply"), obj=reply)
    thanks.thank(user=reader, kind=kind_named("practice"), obj=entry)
    assert Thanks.objects.filter(recipient=author).count() == 2
    with pytest.raises(ValidationError):
        thanks.withdraw_thanks(user=reader, key="topic", pk=1)


def test_spotlight_ranks_and_respects_opt_out(world):
    community, author, reader, story = world
    other = make_member(community)
    thanks.thank(user=reader, kind=kind_named("story"), obj=story)
    thanks.thank(user=other, kind=kind_named("story"), obj=story)
    second = StoryFactory(community=community, author=other)
    thanks.thank(user=reader, kind=kind_named("story"), obj=second)
    assert [(e.user_id, e.thanks) for e in thanks.spotlight(community=community)] == [
        (author.pk, 2),
        (other.pk, 1),
    ]
    Membership.objects.filter(user=author, community=community).update(in_spotlight=False)
    assert [e.user_id for e in thanks.spotlight(community=community)] == [other.pk]


def test_thanks_button_page_flow(world, client):
    community, author, reader, story = world
    client.force_login(reader)
    detail = story.get_absolute_url()
    assert "Say thanks" in client.get(detail).content.decode()
    response = client.post(reverse("toggle_thanks", kwargs={"kind": "story", "pk": story.pk}))
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.thanks_count == 1
    home = client.get(reverse("community_home", kwargs={"slug": community.slug})).content.decode()
    assert "Thanked in" in home and author.name in home


def test_thanks_button_refuses_outsiders_of_private_communities(world, client):
    community, _, _, story = world
    community.visibility = "private"
    community.save()
    client.force_login(UserFactory())
    response = client.post(reverse("toggle_thanks", kwargs={"kind": "story", "pk": story.pk}))
    assert response.status_code == 404
    assert not Thanks.objects.exists()


def test_home_spotlight_costs_one_query_whatever_the_thanks(world, client):
    community, author, reader, story = world
    client.force_login(reader)
    url = reverse("community_home", kwargs={"slug": community.slug})
    client.get(url)
    with CaptureQueriesContext(connection) as none:
        client.get(url)
    kind = kind_named("story")
    thanks.thank(user=reader, kind=kind, obj=story)
    for _ in range(5):
        other_author = make_member(community)
        thanks.thank(
            user=reader, kind=kind, obj=StoryFactory(community=community, author=other_author)
        )
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert author.name in page
    assert len(many.captured_queries) == len(none.captured_queries)


def _toggle(kind, item):
    return reverse("toggle_thanks", kwargs={"kind": kind, "pk": item.pk})


@pytest.mark.parametrize("kind", ["story", "practice", "reply"])
def test_the_thanks_button_shows_thanked_and_takes_it_back(world, client, kind):
    community, author, reader, _ = world
    item = {
        "story": lambda: StoryFactory(community=community, author=author),
        "practice": lambda: PracticeEntryFactory(community=community, author=author),
        "reply": lambda: ReplyFactory(problem__community=community, author=author),
    }[kind]()
    page_url = item.problem.get_absolute_url() if kind == "reply" else item.get_absolute_url()
    client.force_login(reader)
    assert client.post(_toggle(kind, item)).status_code == 302
    page = client.get(page_url).content.decode()
    assert 'name="undo" value="1"' in page and "Thanked · 1" in page
    assert 'aria-pressed="true"' in page
    # Withdrawn on the page: a plain POST, the counter follows in the same transaction.
    client.post(_toggle(kind, item), {"undo": "1", "next": page_url})
    item.refresh_from_db()
    assert item.thanks_count == 0 and not Thanks.objects.exists()
    page = client.get(page_url).content.decode()
    assert "Say thanks" in page and "Thanked" not in page


def test_replies_read_which_the_viewer_thanked_in_one_query(world, client):
    community, author, reader, _ = world
    problem = ReplyFactory(problem__community=community, author=author).problem
    url = problem.get_absolute_url()
    client.force_login(reader)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    replies = [ReplyFactory(problem=problem, author=make_member(community)) for _ in range(5)]
    for reply in replies[:3]:
        thanks.thank(user=reader, kind=kind_named("reply"), obj=reply)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert page.count('name="undo" value="1"') == 3
    assert len(many.captured_queries) == len(one.captured_queries)
