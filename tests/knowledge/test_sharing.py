"""Shared practices: one source of truth, read-only in the target, and private content
never crossing into a community whose readers could not see it."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from cop.enums import AuditAction, NotificationKind, Role, Visibility
from cop.extensions import OUTSIDE_INPUT_SOURCES
from cop.models import AuditEntry, DeliveryChannel, Membership, Notification
from cop.permissions import allowed
from cop.services import constellations
from cop.services.notifications import DEFAULT_CHANNELS
from knowledge import sharing
from knowledge.enums import EntryStatus
from knowledge.models import PracticeEntry, SharedPractice
from knowledge.search import index_object, search
from knowledge.services import entries
from tests.factories import CommunityFactory, PracticeEntryFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db

SEARCH_QUERIES = 8


def _relate(a, b, ca, cb):
    relation = constellations.request_relation(community=a, other=b, by=ca)
    return constellations.accept_relation(relation=relation, by=cb)


@pytest.fixture
def world():
    ca, cb = UserFactory(display_name="Ada"), UserFactory(display_name="Bea")
    a = CommunityFactory(name="Site reliability", slug="sre", coordinator=ca)
    b = CommunityFactory(name="Incident response", slug="incidents", coordinator=cb)
    relation = _relate(a, b, ca, cb)
    author = make_member(a, display_name="Carl Author")
    entry = PracticeEntryFactory(
        community=a, author=author, title="Roll back first", body="Roll back, **then** debug."
    )
    return {"ca": ca, "cb": cb, "a": a, "b": b, "entry": entry, "relation": relation}


def test_share_practice_shows_the_source_in_the_target(client, world):
    share = sharing.share_practice(entry=world["entry"], into=world["b"], by=world["ca"])
    member_b = make_member(world["b"])

    assert list(sharing.shared_into(world["b"], member_b)) == [share]
    assert AuditEntry.objects.filter(action=AuditAction.PRACTICE_SHARED).count() == 2
    client.force_login(member_b)
    listed = client.get(reverse("knowledge:entry_list", args=["incidents"])).content.decode()
    assert "Roll back first" in listed and "shared from Site reliability" in listed
    page = client.get(share.get_absolute_url()).content.decode()
    assert "Shared from Site reliability, read-only here." in page
    assert "<strong>then</strong>" in page
    assert world["entry"].get_absolute_url() in page  # the link back


def test_edits_at_the_source_show_in_both(client, world):
    share = sharing.share_practice(entry=world["entry"], into=world["b"], by=world["ca"])
    entry = world["entry"]
    entries.edit_entry(
        entry=entry,
        by=entry.author,
        title="Roll back first, always",
        body="Roll back, then debug. Changed.",
    )
    client.force_login(make_member(world["b"]))
    assert "Roll back first, always" in client.get(share.get_absolute_url()).content.decode()
    client.force_login(entry.author)
    assert "Roll back first, always" in client.get(entry.get_absolute_url()).content.decode()


def test_the_copy_is_read_only(client, world):
    share = sharing.share_practice(entry=world["entry"], into=world["b"], by=world["ca"])
    coordinator_b = world["cb"]
    client.force_login(coordinator_b)
    page = client.get(share.get_absolute_url()).content.decode()
    assert "/edit/" not in page and "endorse" not in page.lower().replace("endorse it", "")
    # the source entry's edit address through the target community is not found
    edit = reverse("knowledge:entry_edit", args=["incidents", world["entry"].pk])
    assert client.post(edit, {"title": "Hijack", "body": "x"}).status_code == 404
    # and at the source, B's coordinator is no member: refused
    edit = reverse("knowledge:entry_edit", args=["sre", world["entry"].pk])
    assert client.post(edit, {"title": "Hijack", "body": "x"}).status_code in (403, 302)
    world["entry"].refresh_from_db()
    assert world["entry"].title == "Roll back first"
    assert client.post(share.get_absolute_url(), {"title": "x"}).status_code == 405


def test_share_refusals(world):
    entry, ca = world["entry"], world["ca"]
    unrelated = CommunityFactory()
    with pytest.raises(ValidationError, match="related community"):
        sharing.share_practice(entry=entry, into=unrelated, by=ca)
    with pytest.raises(ValidationError, match="already in this community"):
        sharing.share_practice(entry=entry, into=world["a"], by=ca)
    draft = PracticeEntryFactory(community=world["a"], status="draft")
    with pytest.raises(ValidationError, match="published"):
        sharing.share_practice(entry=draft, into=world["b"], by=ca)
    sharing.share_practice(entry=entry, into=world["b"], by=ca)
    with pytest.raises(ValidationError, match="Already shared"):
        sharing.share_practice(entry=entry, into=world["b"], by=ca)
    assert SharedPractice.objects.count() == 1


def test_only_a_coordinator_of_the_source_may_share(world):
    assert allowed(world["ca"], "knowledge.share_practice", world["entry"])
    assert not allowed(world["cb"], "knowledge.share_practice", world["entry"])
    assert not allowed(world["entry"].author, "knowledge.share_practice", world["entry"])


# --- privacy ------------------------------------------------------------------------------


def test_private_practice_never_goes_to_a_public_community(world):
    cp = UserFactory()
    private = CommunityFactory(visibility=Visibility.PRIVATE, coordinator=cp)
    _relate(private, world["b"], cp, world["cb"])
    secret = PracticeEntryFactory(community=private, title="Secret runbook")
    with pytest.raises(ValidationError, match="private"):
        sharing.share_practice(entry=secret, into=world["b"], by=cp)


def test_private_practice_goes_to_a_private_community_only_if_all_its_members_can_read_it(
    world,
):
    cp, cq = UserFactory(), UserFactory()
    source = CommunityFactory(visibility=Visibility.PRIVATE, coordinator=cp)
    target = CommunityFactory(visibility=Visibility.PRIVATE, coordinator=cq)
    _relate(source, target, cp, cq)
    secret = PracticeEntryFactory(community=source, title="Secret runbook")
    outsider = make_member(target)  # a member of the target who is not in the source
    with pytest.raises(ValidationError, match="private"):
        sharing.share_practice(entry=secret, into=target, by=cp)
    Membership.objects.create(community=source, user=cq, status="active")
    Membership.objects.create(community=source, user=outsider, status="active")
    share = sharing.share_practice(entry=secret, into=target, by=cp)
    assert list(sharing.shared_into(target, outsider)) == [share]


def test_a_newcomer_of_the_target_who_is_not_in_the_private_source_sees_nothing(client, world):
    cp, cq = UserFactory(), UserFactory()
    source = CommunityFactory(visibility=Visibility.PRIVATE, coordinator=cp)
    target = CommunityFactory(visibility=Visibility.PRIVATE, slug="target", coordinator=cq)
    Membership.objects.create(community=source, user=cq, status="active")
    _relate(source, target, cp, cq)
    secret = PracticeEntryFactory(community=source, title="Secret runbook")
    share = sharing.share_practice(entry=secret, into=target, by=cp)
    newcomer = make_member(target)

    assert list(sharing.shared_into(target, newcomer)) == []
    client.force_login(newcomer)
    assert client.get(share.get_absolute_url()).status_code == 404
    listed = client.get(reverse("knowledge:entry_list", args=["target"])).content.decode()
    assert "Secret runbook" not in listed
    client.force_login(cq)
    assert "Secret runbook" in client.get(share.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "change",
    ["delete", "hide", "draft", "end_relation", "unshare"],
)
def test_a_share_is_hidden_when_the_source_changes(world, change):
    share = sharing.share_practice(entry=world["entry"], into=world["b"], by=world["ca"])
    entry = world["entry"]
    if change == "delete":
        entry.deleted_at = timezone.now()
        entry.save(update_fields=["deleted_at"])
    elif change == "hide":
        entry.hidden_at = timezone.now()
        entry.save(update_fields=["hidden_at"])
    elif change == "draft":
        entry.status = "draft"
        entry.save(update_fields=["status"])
    elif change == "end_relation":
        constellations.end_relation(relation=world["relation"], by=world["cb"], side=world["b"])
    else:
        assert sharing.unshare_practice(share=share, by=world["cb"])
        assert not sharing.unshare_practice(share=share, by=world["cb"])  # once
    assert list(sharing.shared_into(world["b"], world["cb"])) == []
    assert sharing.outside_input_count(world["b"], since=timezone.now() - timedelta(days=1)) == 0


def test_a_public_source_turning_private_hides_the_share_from_non_members(world):
    sharing.share_practice(entry=world["entry"], into=world["b"], by=world["ca"])
    world["a"].visibility = Visibility.PRIVATE
    world["a"].save(update_fields=["visibility"])
    assert list(sharing.shared_into(world["b"], make_member(world["b"]))) == []
    assert list(sharing.shared_into(world["b"], world["ca"])) != []


def test_outside_input_count(world):
    since = timezone.now() - timedelta(days=30)
    assert sharing.outside_input_count(world["b"], since=since) == 0
    sharing.share_practice(entry=world["entry"], into=world["b"], by=world["ca"])
    assert sharing.outside_input_count(world["b"], since=since) == 1
    assert sharing.outside_input_count(world["a"], since=since) == 0
    # The groupthink signals' outside input, per month, registered for the dashboard.
    now = timezone.now()
    by_month = sharing.shared_by_month(community=world["b"], since=since, until=now + timedelta(1))
    assert by_month == {now.strftime("%Y-%m"): 1}
    assert sharing.shared_by_month in OUTSIDE_INPUT_SOURCES


# --- pages --------------------------------------------------------------------------------


def test_share_page_journey(client, world):
    client.force_login(world["ca"])
    detail = client.get(world["entry"].get_absolute_url()).content.decode()
    url = reverse("knowledge:entry_share", args=["sre", world["entry"].pk])
    assert url in detail
    assert "Incident response" in client.get(url).content.decode()
    response = client.post(url, {"community": world["b"].pk})
    assert response.status_code == 302
    share = SharedPractice.objects.get()
    unshare = reverse("knowledge:entry_unshare", args=["sre", world["entry"].pk, share.pk])
    assert "Stop sharing" in client.get(unshare).content.decode()
    assert client.post(unshare).status_code == 302
    share.refresh_from_db()
    assert share.unshared_at is not None


def test_share_page_refuses_members(client, world):
    client.force_login(world["entry"].author)
    url = reverse("knowledge:entry_share", args=["sre", world["entry"].pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"community": world["b"].pk}).status_code == 403
    assert not SharedPractice.objects.exists()


@pytest.mark.parametrize("count", [1, 8])
def test_shared_list_query_count(client, world, count, django_assert_num_queries):
    for n in range(count):
        entry = PracticeEntryFactory(community=world["a"], title=f"Practice {n}")
        sharing.share_practice(entry=entry, into=world["b"], by=world["ca"])
    client.force_login(make_member(world["b"]))
    url = reverse("knowledge:shared_list", args=["incidents"])
    client.get(url)
    # session, user, community, membership, visible ids, the shares (the bell's
    # count is kept since the warm-up)
    with django_assert_num_queries(6):
        page = client.get(url)
    assert page.content.decode().count("shared from Site reliability") == count


def test_shared_list_empty_state(client, world):
    client.force_login(make_member(world["b"]))
    page = client.get(reverse("knowledge:shared_list", args=["incidents"])).content.decode()
    assert "Nothing shared with this community yet." in page


# --- Shared practices in the target community's search -----------------------------------


def _search_page(client, q, community):
    return client.get(reverse("knowledge:search"), {"q": q, "community": community})


def test_a_shared_practice_is_found_by_the_target_communitys_search(client, world):
    index_object(world["entry"])
    share = sharing.share_practice(entry=world["entry"], into=world["b"], by=world["ca"])
    member_b = make_member(world["b"])

    hits = search(member_b, "roll back", community="incidents")
    assert [(h.document.object_id, h.share) for h in hits] == [(world["entry"].pk, share)]
    assert hits[0].url == share.get_absolute_url()
    client.force_login(member_b)
    page = _search_page(client, "roll back", "incidents").content.decode()
    assert "shared from Site reliability" in page
    assert f'href="{share.get_absolute_url()}"' in page
    api = client.get("/api/v1/search/", {"q": "roll back", "community": "incidents"}).json()
    [result] = api["results"]
    assert result["shared_from"] == "sre"
    assert result["url"].endswith(share.get_absolute_url())
    # Searched at its source, it is the practice itself.
    [at_source] = search(member_b, "roll back", community="sre")
    assert at_source.share is None and at_source.url == world["entry"].get_absolute_url()


@pytest.mark.parametrize("change", ["unshare", "end_relation", "draft"])
def test_a_share_no_longer_shown_is_not_found_in_the_target(world, change):
    entry = world["entry"]
    index_object(entry)
    share = sharing.share_practice(entry=entry, into=world["b"], by=world["ca"])
    if change == "unshare":
        sharing.unshare_practice(share=share, by=world["cb"])
    elif change == "end_relation":
        constellations.end_relation(relation=world["relation"], by=world["cb"], side=world["b"])
    else:
        PracticeEntry.objects.filter(pk=entry.pk).update(status=EntryStatus.DRAFT)
    assert search(make_member(world["b"]), "roll back", community="incidents") == []


def test_a_private_shared_practice_never_reaches_a_searcher_who_cannot_see_its_source(
    client, world
):
    cp, cq = UserFactory(), UserFactory()
    source = CommunityFactory(visibility=Visibility.PRIVATE, slug="vault", coordinator=cp)
    target = CommunityFactory(visibility=Visibility.PRIVATE, slug="target", coordinator=cq)
    Membership.objects.create(community=source, user=cq, status="active")
    _relate(source, target, cp, cq)
    secret = PracticeEntryFactory(community=source, title="Secret runbook", body="Rotate keys")
    index_object(secret)
    share = sharing.share_practice(entry=secret, into=target, by=cp)
    newcomer = make_member(target)  # joined the target later; not a member of the source

    assert [h.share for h in search(cq, "secret runbook", community="target")] == [share]
    for user in (newcomer, UserFactory(), None):
        assert search(user, "secret runbook", community="target") == []
        assert search(user, "secret runbook") == []
    client.force_login(newcomer)
    assert "Secret runbook" not in _search_page(client, "secret", "target").content.decode()
    api = client.get("/api/v1/search/", {"q": "secret", "community": "target"}).json()
    assert api["results"] == []


@pytest.mark.parametrize("count", [1, 6])
def test_search_with_shared_practices_query_count(client, world, count, django_assert_num_queries):
    for n in range(count):
        entry = PracticeEntryFactory(community=world["a"], title=f"Failover drill {n}")
        index_object(entry)
        sharing.share_practice(entry=entry, into=world["b"], by=world["ca"])
    client.force_login(make_member(world["b"]))
    _search_page(client, "failover", "incidents")
    # the same whatever the number of shared practices found (one query for the shares);
    # PostgreSQL takes its title and text candidates in two queries
    expected = SEARCH_QUERIES if connection.vendor == "sqlite" else SEARCH_QUERIES + 1
    with django_assert_num_queries(expected):
        page = _search_page(client, "failover", "incidents")
    assert page.content.decode().count("shared from Site reliability") == count


def test_sharing_notifies_the_target_coordinators(world):
    co_coordinator = make_member(world["b"], role=Role.COORDINATOR)
    share = sharing.share_practice(entry=world["entry"], into=world["b"], by=world["ca"])
    told = Notification.objects.filter(kind=NotificationKind.PRACTICE_SHARED)
    assert sorted(n.recipient_id for n in told) == sorted([world["cb"].pk, co_coordinator.pk])
    notice = told.first()
    assert notice.url == share.get_absolute_url() and notice.community == world["b"]
    assert "Roll back first" in notice.title and "Site reliability" in notice.title
    assert DEFAULT_CHANNELS[NotificationKind.PRACTICE_SHARED] == DeliveryChannel.DIGEST
