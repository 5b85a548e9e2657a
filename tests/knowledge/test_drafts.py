"""A draft practice is private: its author and the community's coordinators see it, nobody
else does, on any page, list, search, export, API or notification."""

import io
import zipfile

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from cop.enums import NotificationKind, Role
from cop.models import Notification, ParticipationEvent
from knowledge import rules as perms
from knowledge.enums import EntryStatus
from knowledge.search import search
from knowledge.services import entries, problems, stories
from tests.factories import CommunityFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    community = CommunityFactory()
    author = make_member(community, display_name="Author")
    coordinator = make_member(community, role=Role.COORDINATOR)
    member = make_member(community)
    draft = entries.write_entry(
        community=community, author=author, title="Secret zebra runbook", body="zebra steps"
    )
    assert draft.status == EntryStatus.DRAFT
    return {
        "community": community,
        "author": author,
        "coordinator": coordinator,
        "member": member,
        "outsider": UserFactory(),
        "draft": draft,
    }


def _viewers(world):
    return {
        "anonymous": None,
        "outsider": world["outsider"],
        "member": world["member"],
        "author": world["author"],
        "coordinator": world["coordinator"],
    }


ALLOWED = {"author", "coordinator"}


def test_rule(world):

    for name, user in _viewers(world).items():
        assert perms.can_view(user or AnonymousUser(), world["draft"]) is (name in ALLOWED), name


@pytest.mark.parametrize("page", ["entry_detail", "entry_history"])
def test_detail_pages(client, world, page):
    draft, community = world["draft"], world["community"]
    address = reverse(f"knowledge:{page}", kwargs={"slug": community.slug, "pk": draft.pk})
    for name, user in _viewers(world).items():
        client.logout()
        if user:
            client.force_login(user)
        expected = 200 if name in ALLOWED else 404
        assert client.get(address).status_code == expected, name


def test_practice_list_page(client, world):
    address = reverse("knowledge:entry_list", kwargs={"slug": world["community"].slug})
    for name, user in _viewers(world).items():
        client.logout()
        if user:
            client.force_login(user)
        shown = "Secret zebra runbook" in client.get(address).content.decode()
        assert shown is (name in ALLOWED), name
        shown = "Secret zebra runbook" in client.get(address + "?status=draft").content.decode()
        assert shown is (name in ALLOWED), name


def test_search_pages_and_api(client, world):
    for name, user in _viewers(world).items():
        assert bool(search(user, "zebra")) is (name in ALLOWED), name
        client.logout()
        if user:
            client.force_login(user)
        page = client.get(reverse("knowledge:search"), {"q": "zebra"}).content.decode()
        assert ("runbook" in page) is (name in ALLOWED), name
        api = client.get("/api/v1/search/", {"q": "zebra"}).json()
        assert bool(api["results"]) is (name in ALLOWED), name


def test_api_list_and_retrieve(client, world):
    draft = world["draft"]
    for name, user in _viewers(world).items():
        client.logout()
        if user:
            client.force_login(user)
        listed = [p["id"] for p in client.get("/api/v1/practices/").json()["results"]]
        assert (draft.pk in listed) is (name in ALLOWED), name
        expected = 200 if name in ALLOWED else 404
        assert client.get(f"/api/v1/practices/{draft.pk}/").status_code == expected, name
        status = client.get(f"/api/v1/practices/{draft.pk}/revisions/").status_code
        assert status == expected, name


def test_links_from_story_and_problem_hide_the_draft(client, world):
    community, draft, author = world["community"], world["draft"], world["author"]
    story = stories.tell_story(
        community=community,
        author=author,
        title="A story",
        situation="It happened.",
        action="",
        outcome="",
    )
    story.entry = draft
    story.save(update_fields=["entry"])
    problem = problems.ask_problem(
        community=community, author=author, title="A problem", context="Why?"
    )
    draft.source_problem = problem
    draft.save(update_fields=["source_problem"])
    client.force_login(world["member"])
    for address in (story.get_absolute_url(), problem.get_absolute_url()):
        assert "Secret zebra runbook" not in client.get(address).content.decode()
    client.force_login(author)
    for address in (story.get_absolute_url(), problem.get_absolute_url()):
        assert "Secret zebra runbook" in client.get(address).content.decode()


def test_story_form_does_not_offer_drafts(client, world):
    client.force_login(world["member"])
    address = reverse("knowledge:story_create", kwargs={"slug": world["community"].slug})
    assert "Secret zebra runbook" not in client.get(address).content.decode()


def test_export_leaves_drafts_out(client, world):

    client.force_login(world["coordinator"])
    response = client.get(reverse("knowledge:export", kwargs={"slug": world["community"].slug}))
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert not any("zebra" in archive.read(name).decode() for name in archive.namelist())


def test_member_page_and_mentions_wait_for_publishing(client, world):
    community, author, member = world["community"], world["author"], world["member"]
    mentioned = make_member(community, display_name="Mentioned")
    draft = entries.write_entry(
        community=community, author=author, title="Hidden plan", body="Ask @Mentioned."
    )
    assert not Notification.objects.filter(recipient=mentioned, kind=NotificationKind.MENTION)
    client.force_login(member)
    profile = reverse("member_profile", args=[community.slug, author.pk])
    assert "Hidden plan" not in client.get(profile).content.decode()
    entries.change_status(entry=draft, to=EntryStatus.NOT_VALIDATED, by=author)
    assert Notification.objects.filter(recipient=mentioned, kind=NotificationKind.MENTION)
    assert "Hidden plan" in client.get(profile).content.decode()
    assert ParticipationEvent.objects.filter(summary="Hidden plan").count() == 1
