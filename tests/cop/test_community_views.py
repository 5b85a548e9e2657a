import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from cop.enums import JoinPolicy, Level, MembershipStatus, ParticipationKind, Role, Visibility
from cop.models import Community, Membership
from cop.selectors import communities as selectors
from cop.services.communities import invitation_url, invite
from cop.services.participation import record_participation
from cop.services.tokens import create_token
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    TagFactory,
    UserFactory,
    make_member,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator():
    return UserFactory(display_name="Coco Ordinator")


@pytest.fixture
def public(coordinator):
    return CommunityFactory(name="Open Guild", slug="open-guild", coordinator=coordinator)


@pytest.fixture
def private(coordinator):
    return CommunityFactory(
        name="Hidden Circle",
        slug="hidden-circle",
        visibility=Visibility.PRIVATE,
        join_policy=JoinPolicy.INVITATION,
        coordinator=coordinator,
    )


# --- Visibility ------------------------------------------------------------------------


def test_directory_lists_public_and_hides_private_from_non_members(client, public, private):
    response = client.get(reverse("community_list"))
    assert b"Open Guild" in response.content
    assert b"Hidden Circle" not in response.content
    client.force_login(UserFactory())
    assert b"Hidden Circle" not in client.get(reverse("community_list")).content


def test_directory_shows_private_to_members(client, private):
    client.force_login(make_member(private))
    assert b"Hidden Circle" in client.get(reverse("community_list")).content


def test_directory_search_by_topic(client, public):
    TagFactory(community=public, name="observability", slug="observability")
    CommunityFactory(name="Knitting")
    response = client.get(reverse("community_list"), {"q": "observ"})
    assert b"Open Guild" in response.content
    assert b"Knitting" not in response.content


@pytest.mark.parametrize(
    "url_name", ["community_home", "community_members", "community_join", "community_edit"]
)
def test_private_community_pages_are_404_for_non_members(client, private, url_name):
    client.force_login(UserFactory())
    response = client.get(reverse(url_name, kwargs={"slug": private.slug}))
    assert response.status_code == 404
    assert b"Hidden Circle" not in response.content


def test_private_member_profile_404_for_anonymous(client, private):
    member = make_member(private)
    response = client.get(reverse("member_profile", args=[private.slug, member.pk]))
    assert response.status_code == 404


def test_community_home_puts_domain_first(client, public):
    response = client.get(public.get_absolute_url())
    content = response.content.decode()
    assert content.index("Our domain") < content.index("About")
    assert public.domain in content
    assert "Sign in to join" in content


def test_settings_forbidden_to_plain_members_with_reason(client, public):
    client.force_login(make_member(public))
    response = client.get(reverse("community_edit", args=[public.slug]))
    assert response.status_code == 403
    assert b"Only the community&#x27;s coordinators" in response.content


# --- Query-count guards ----------------------------------------------------------------


def _members_page_queries(client, community, viewer, django_assert_num_queries, n):
    client.force_login(viewer)
    url = reverse("community_members", args=[community.slug])
    client.get(url)  # warm up session and content types
    with django_assert_num_queries(n) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return response, ctx


@pytest.mark.parametrize("count", [1, 50])
def test_member_directory_query_count_is_constant(
    client, public, coordinator, django_assert_num_queries, count
):
    """With 1 member and with 50 (the coordinator is the first of them)."""
    tag = TagFactory(community=public)
    for _ in range(count - 1):
        m = MembershipFactory(community=public)
        m.expertise.add(tag)
    response, _ = _members_page_queries(client, public, coordinator, django_assert_num_queries, 8)
    assert len(response.context["page"].object_list) == count
    assert response.content.count(b"Make coordinator") == count - 1


@pytest.mark.parametrize("count", [1, 20])
def test_directory_query_count_is_constant(client, django_assert_num_queries, count):
    for _ in range(count):
        community = CommunityFactory()
        TagFactory(community=community)
        MembershipFactory(community=community)
    client.force_login(UserFactory())
    url = reverse("community_list")
    client.get(url)
    with django_assert_num_queries(5):
        response = client.get(url)
    assert len(response.context["page"].object_list) == count


@pytest.mark.parametrize("count", [1, 20])
def test_my_communities_query_count_is_constant(client, django_assert_num_queries, count):
    user = UserFactory()
    for _ in range(count):
        MembershipFactory(user=user)
    client.force_login(user)
    url = reverse("my_communities")
    client.get(url)
    with django_assert_num_queries(3):
        response = client.get(url)
    assert len(response.context["memberships"]) == count


@pytest.mark.parametrize("count", [1, 30])
def test_member_profile_query_count_is_constant(client, public, django_assert_num_queries, count):

    member = MembershipFactory(community=public)
    for _ in range(count):
        record_participation(member=member, kind=ParticipationKind.TOLD_STORY)
    client.force_login(member.user)
    url = reverse("member_profile", args=[public.slug, member.user_id])
    client.get(url)
    with django_assert_num_queries(10):  # 10th: the expertise coordinators recognised
        response = client.get(url)
    assert response.content.count(b"Told a story") == count


@pytest.mark.parametrize("count", [1, 20])
def test_community_home_query_count_is_constant(client, public, django_assert_num_queries, count):
    for _ in range(count):
        MembershipFactory(community=public, level=Level.NEWCOMER)
    viewer = make_member(public)
    client.force_login(viewer)
    url = public.get_absolute_url()
    client.get(url)
    # The core page and the sections the apps add (meetings, knowledge, mentoring), the
    # spotlight of thanked members, and the related communities' ids (none here; two
    # more when there are, any number).
    with django_assert_num_queries(17):
        response = client.get(url)
    assert response.status_code == 200


# --- Flows -----------------------------------------------------------------------------


def test_create_community_flow(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("community_create"),
        {
            "name": "Gardeners",
            "slug": "gardeners",
            "domain": "Growing food in small city gardens.",
            "purpose": "",
            "description": "",
            "visibility": "public",
            "join_policy": "open",
            "stage": "potential",
            "license": "CC-BY-SA-4.0",
            "tags": "compost, seeds",
        },
    )
    community = Community.objects.get(slug="gardeners")
    assert response.status_code == 302 and response["Location"] == community.get_absolute_url()
    assert community.memberships.get(user=user).role == Role.COORDINATOR
    assert sorted(t.name for t in community.tags.all()) == ["compost", "seeds"]


def test_create_community_bad_input_shows_errors(client, public):
    client.force_login(UserFactory())
    response = client.post(
        reverse("community_create"),
        {"name": "", "slug": "open-guild", "domain": "", "visibility": "nope"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"name", "slug", "domain", "visibility"} <= set(errors)


def test_create_community_needs_verified_email(client):
    client.force_login(UserFactory(verified=False))
    response = client.post(
        reverse("community_create"),
        {
            "name": "X",
            "slug": "x",
            "domain": "d",
            "visibility": "public",
            "join_policy": "open",
            "stage": "potential",
            "license": "CC-BY-SA-4.0",
        },
    )
    assert response.status_code == 200
    assert b"First, confirm your email address" in response.content
    assert not Community.objects.filter(slug="x").exists()


def test_join_open_community_through_page(client, public):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("community_join", args=[public.slug]))
    assert response.status_code == 302
    assert Membership.objects.get(community=public, user=user).status == MembershipStatus.ACTIVE


def test_request_and_approve_through_pages(client, coordinator):
    community = CommunityFactory(join_policy=JoinPolicy.APPROVAL, coordinator=coordinator)
    asker = UserFactory(display_name="Asker")
    client.force_login(asker)
    client.post(reverse("community_join", args=[community.slug]), {"message": "Let me in"})
    membership = Membership.objects.get(community=community, user=asker)
    assert membership.status == MembershipStatus.PENDING

    client.force_login(coordinator)
    page = client.get(reverse("community_members", args=[community.slug]))
    assert b"Let me in" in page.content
    client.post(reverse("member_action", args=[community.slug, membership.pk, "approve"]))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE


def test_member_cannot_approve_requests(client, coordinator):
    community = CommunityFactory(join_policy=JoinPolicy.APPROVAL, coordinator=coordinator)
    pending = MembershipFactory(community=community, status=MembershipStatus.PENDING)
    client.force_login(make_member(community))
    response = client.post(reverse("member_action", args=[community.slug, pending.pk, "approve"]))
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.status == MembershipStatus.PENDING


def test_last_coordinator_leave_shows_message(client, public, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("community_leave", args=[public.slug]), follow=True)
    assert b"last coordinator" in response.content
    assert public.memberships.get(user=coordinator).status == MembershipStatus.ACTIVE


def test_invite_then_accept_after_signup(
    client, private, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    response = client.post(
        reverse("community_invite", args=[private.slug]),
        {"emails": "friend@example.org, not-an-email", "message": ""},
    )
    assert response.status_code == 200
    assert "Not an email address: not-an-email" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("community_invite", args=[private.slug]),
            {"emails": "friend@example.org", "message": "Come!"},
        )
    link = re.search(r"https?://\S+(/invitations/\S+/)", mail.outbox[-1].body).group(1)
    client.logout()

    landing = client.get(link)
    assert b"Sign up and join" in landing.content
    signup = reverse("account_signup") + "?next=" + link
    client.post(
        signup,
        {
            "email": "friend@example.org",
            "display_name": "Friend",
            "timezone": "UTC",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
            "next": link,
        },
    )
    # The invitation is tied to its address: it needs verifying first.
    refused = client.post(link)
    assert refused.status_code == 200
    assert "Confirm friend@example.org first" in refused.content.decode()
    assert not Membership.objects.filter(community=private, user__email="friend@example.org")
    confirm = re.search(r"(/accounts/confirm-email/\S+/)", mail.outbox[-1].body).group(1)
    client.post(confirm)
    response = client.post(link)
    assert response.status_code == 302
    membership = Membership.objects.get(community=private, user__email="friend@example.org")
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.joined_at is not None


def test_invitation_forwarded_to_another_account_offers_to_add_the_address(
    client, private, coordinator, django_capture_on_commit_callbacks
):

    invitation = invite(community=private, by=coordinator, email="invited@example.org")
    link = invitation_url(invitation)
    forwarded_to = UserFactory(email="forwarded@example.org")
    client.force_login(forwarded_to)
    page = client.get(link).content.decode()
    assert "Accept the invitation" not in page
    assert "invited@example.org" in page and reverse("account_email") in page
    response = client.post(link)
    assert "Only the person who owns invited@example.org" in response.content.decode()
    assert not Membership.objects.filter(community=private, user=forwarded_to).exists()


def test_bad_invitation_link_is_400_with_reason(client):
    response = client.get(reverse("accept_invitation", args=["garbage"]))
    assert response.status_code == 400
    assert b"not valid" in response.content


def test_membership_edit_sets_introduction_and_expertise(client, public):
    tag = TagFactory(community=public, name="tracing", slug="tracing")
    user = make_member(public)
    client.force_login(user)
    response = client.post(
        reverse("membership_edit", args=[public.slug]),
        {"introduction": "I trace things.", "expertise": [tag.pk]},
    )
    assert response.status_code == 302
    membership = public.memberships.get(user=user)
    assert membership.introduction == "I trace things."
    assert list(membership.expertise.all()) == [tag]
    page = client.get(reverse("member_profile", args=[public.slug, user.pk]))
    assert b"Introduced themselves" in page.content


def test_member_filter_by_level_and_expertise(client, public):
    tag = TagFactory(community=public, name="dns", slug="dns")
    expert = MembershipFactory(community=public, level=Level.CORE)
    expert.expertise.add(tag)
    MembershipFactory(community=public, level=Level.NEWCOMER)
    response = client.get(
        reverse("community_members", args=[public.slug]), {"level": "core", "expertise": "dns"}
    )
    members = list(response.context["page"].object_list)
    assert members == [expert]


def test_description_markdown_is_sanitized(client, coordinator):
    community = CommunityFactory(
        coordinator=coordinator,
        description="**hi** <script>alert(1)</script> [x](javascript:alert(1))",
    )
    content = client.get(community.get_absolute_url()).content.decode()
    assert "<strong>hi</strong>" in content
    assert "<script>alert(1)" not in content
    assert 'href="javascript:' not in content


def test_demo_seed_gives_every_level_and_policy():

    call_command("seed_demo", verbosity=0)
    levels = set(Membership.objects.values_list("level", flat=True))
    assert levels >= {Level.NEWCOMER, Level.PERIPHERAL, Level.ACTIVE, Level.CORE}
    assert set(Community.objects.values_list("join_policy", flat=True)) == set(JoinPolicy.values)
    assert set(Community.objects.values_list("visibility", flat=True)) == set(Visibility.values)


@pytest.mark.parametrize("count", [1, 10])
def test_invite_page_query_count_is_constant(
    client, public, coordinator, django_assert_num_queries, count
):

    for i in range(count):
        invite(community=public, by=coordinator, email=f"guest{i}@example.org")
    client.force_login(coordinator)
    url = reverse("community_invite", args=[public.slug])
    client.get(url)
    with django_assert_num_queries(5):
        response = client.get(url)
    assert response.content.count(b"@example.org") >= count


@pytest.mark.parametrize("count", [1, 10])
def test_api_tokens_page_query_count_is_constant(client, django_assert_num_queries, count):

    user = UserFactory()
    for i in range(count):
        create_token(user=user, name=f"bot {i}")
    client.force_login(user)
    client.get(reverse("api_tokens"))
    with django_assert_num_queries(3):
        response = client.get(reverse("api_tokens"))
    assert response.content.count(b"Revoke bot") == count


@pytest.mark.parametrize("level", ["", Level.CORE, Level.NEWCOMER, "nonsense"])
def test_member_directory_page_count_comes_from_the_level_counts(client, public, level):
    """The directory pages from the level counts (no COUNT of its own); what it says
    is the number of members the list really has."""
    for member_level in [Level.CORE, Level.CORE, Level.NEWCOMER, Level.ACTIVE]:
        MembershipFactory(community=public, level=member_level)
    MembershipFactory(community=public, status=MembershipStatus.PENDING, level=Level.CORE)
    client.force_login(MembershipFactory(community=public, level=Level.PERIPHERAL).user)
    response = client.get(reverse("community_members", args=[public.slug]), {"level": level})
    listed = selectors.member_directory(public, level=level).count()
    assert response.context["page"].paginator.count == listed
    assert len(response.context["page"].object_list) == listed
