"""The expertise finder on constructed data: ranking worked out by hand, opt-out, and
nothing a viewer may not see (drafts, deleted items, private communities)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cop.enums import Visibility
from cop.services.communities import update_membership_profile
from knowledge.enums import EntryStatus
from knowledge.expertise import who_has_helped
from meetings.models import AgendaItem
from tests.factories import (
    CommunityFactory,
    MeetingFactory,
    PracticeEntryFactory,
    ProblemFactory,
    ReplyFactory,
    TagFactory,
    UserFactory,
    make_member,
)

pytestmark = pytest.mark.django_db


def _world(visibility=Visibility.PUBLIC):
    """Topic "Backups". Ada: 1 accepted solution + 1 validated practice = 3 + 3 = 6.
    Ben: 3 answers + 1 accepted agenda item = 4. Cy: 1 answer = 1, and a draft practice
    and a deleted answer that do not count. Dee opted out (an accepted solution)."""
    community = CommunityFactory(visibility=visibility)
    tag = TagFactory(community=community, name="Backups", slug="backups")
    names = ("Ada", "Ben", "Cy", "Dee")
    ada, ben, cy, dee = (make_member(community, display_name=n) for n in names)
    problem = ProblemFactory(community=community, title="Nightly backup fails")
    problem.tags.set([tag])
    ReplyFactory(problem=problem, author=ada, is_solution=True)
    for _ in range(3):
        ReplyFactory(problem=problem, author=ben)
    ReplyFactory(problem=problem, author=cy)
    ReplyFactory(problem=problem, author=cy, deleted_at=timezone.now())
    ReplyFactory(problem=problem, author=dee, is_solution=True)
    validated = PracticeEntryFactory(community=community, author=ada, status=EntryStatus.VALIDATED)
    validated.tags.set([tag])
    draft = PracticeEntryFactory(community=community, author=cy, status=EntryStatus.DRAFT)
    draft.tags.set([tag])
    meeting = MeetingFactory(community=community)
    AgendaItem.objects.create(
        meeting=meeting, title="Restore drill", problem=problem, proposed_by=ben, status="accepted"
    )
    membership = dee.memberships.get()
    update_membership_profile(
        membership=membership, introduction="", expertise=[], listed_as_helper=False
    )
    return community, tag


def test_helpers_ranked_by_the_figures_worked_out_by_hand():
    community, tag = _world()
    helpers = who_has_helped(community, tag)
    assert [(h.user.name, h.score) for h in helpers] == [("Ada", 6), ("Ben", 4), ("Cy", 1)]
    ada, ben = helpers[0], helpers[1]
    assert (ada.solutions, ada.practices, ada.answers, ada.talks) == (1, 1, 0, 0)
    assert [kind for kind, _title, _url in ada.evidence] == ["solution", "practice"]
    assert (ben.answers, ben.talks) == (3, 1)
    assert ben.evidence[0][:2] == ("talk", "Restore drill")


def test_page_lists_helpers_with_evidence(client, django_assert_max_num_queries):
    community, _tag = _world()
    url = reverse("knowledge:experts", kwargs={"slug": community.slug})
    client.force_login(UserFactory())
    client.get(url, {"topic": "backups"})
    with django_assert_max_num_queries(14):
        html = client.get(url, {"topic": "backups"}).content.decode()
    assert html.index(">Ada<") < html.index(">Ben<") < html.index(">Cy<")
    assert "Dee" not in html
    assert "Accepted solution to" in html and "Nightly backup fails" in html
    assert "Choose a topic" in client.get(url).content.decode()


def test_private_community_finder_is_404_to_outsiders(client):
    community, _tag = _world(Visibility.PRIVATE)
    client.force_login(UserFactory())
    url = reverse("knowledge:experts", kwargs={"slug": community.slug})
    assert client.get(url, {"topic": "backups"}).status_code == 404


def test_member_opts_out_on_their_page(client):
    community = CommunityFactory()
    member = make_member(community)
    client.force_login(member)
    url = reverse("membership_edit", kwargs={"slug": community.slug})
    client.post(url, {"introduction": "Hi"})  # the box unticked
    assert member.memberships.get().listed_as_helper is False
    client.post(url, {"introduction": "Hi", "listed_as_helper": "on"})
    assert member.memberships.get().listed_as_helper is True
