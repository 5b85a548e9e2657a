"""Members, invitations and one's own account through the REST API: the same services
and rules as the member pages, the invite page and the account settings."""

import pytest
from rest_framework.test import APIClient

from cop.enums import JoinPolicy, Level, MembershipStatus, ParticipationKind, Role, Visibility
from cop.models import Invitation, Membership, Notification, ParticipationEvent
from cop.services.communities import invitation_token, invite
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
def api():
    return APIClient()


@pytest.fixture
def coordinator():
    return UserFactory(display_name="Cora")


@pytest.fixture
def community(coordinator):
    return CommunityFactory(slug="sre", coordinator=coordinator, join_policy=JoinPolicy.APPROVAL)


@pytest.fixture
def membership(community):
    return MembershipFactory(community=community, role=Role.MEMBER)


def _url(community, membership, action=""):
    return f"/api/v1/communities/{community.slug}/members/{membership.pk}/{action}"


# --- a member's page ----------------------------------------------------------------------


def test_member_detail_shows_what_counted_and_the_level_path(api, community, membership):
    ParticipationEvent.objects.create(
        membership=membership, kind=ParticipationKind.ATTENDED_MEETING, weight=2, summary="Came"
    )
    membership.level_changes.create(from_level=Level.NEWCOMER, to_level=Level.PERIPHERAL, score=3)
    body = api.get(_url(community, membership)).json()
    assert body["id"] == membership.pk
    assert body["user"]["id"] == membership.user_id
    assert body["participation"][0] == {
        "id": body["participation"][0]["id"],
        "kind": "attended_meeting",
        "points": 2,
        "summary": "Came",
        "occurred_at": body["participation"][0]["occurred_at"],
    }
    assert body["level_history"][0]["to_level"] == "peripheral"
    # The next step and monthly points are the member's own business.
    assert body["next_step"] is None and body["monthly_points"] is None
    api.force_authenticate(membership.user)
    own = api.get(_url(community, membership)).json()
    assert own["next_step"]["next_level"] == "active"
    assert len(own["monthly_points"]) == 12


def test_member_detail_costs_a_fixed_number_of_queries(
    api, community, membership, django_assert_max_num_queries
):
    for _ in range(5):
        ParticipationEvent.objects.create(
            membership=membership, kind=ParticipationKind.ATTENDED_MEETING, weight=2
        )
    api.force_authenticate(membership.user)
    with django_assert_max_num_queries(12):
        assert api.get(_url(community, membership)).status_code == 200


def test_pending_request_is_visible_to_coordinators_only(api, community, coordinator):
    pending = MembershipFactory(community=community, status=MembershipStatus.PENDING)
    api.force_authenticate(UserFactory())
    response = api.get(_url(community, pending))
    assert response.status_code == 404
    assert response.json()["detail"]
    api.force_authenticate(coordinator)
    assert api.get(_url(community, pending)).json()["status"] == "pending"


# --- coordinators' actions ------------------------------------------------------------------


def test_decline_tells_the_requester_with_the_reason(api, community, coordinator):
    pending = MembershipFactory(community=community, status=MembershipStatus.PENDING)
    api.force_authenticate(coordinator)
    response = api.post(_url(community, pending, "decline/"), {"reason": "Full"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "declined"
    note = Notification.objects.get(recipient=pending.user)
    assert note.body == "Full"
    again = api.post(_url(community, pending, "decline/"), {}, format="json")
    assert again.status_code == 400
    assert "already been answered" in str(again.json())


def test_remove_and_the_last_coordinator_guard(api, community, coordinator, membership):
    api.force_authenticate(coordinator)
    response = api.post(_url(community, membership, "remove/"))
    assert response.status_code == 200
    assert response.json()["status"] == "removed"
    own = Membership.objects.get(community=community, user=coordinator)
    refused = api.post(_url(community, own, "remove/"))
    assert refused.status_code == 400
    assert "last coordinator" in str(refused.json())


def test_promote_and_demote(api, community, coordinator, membership):
    api.force_authenticate(coordinator)
    assert api.post(_url(community, membership, "promote/")).json()["role"] == "coordinator"
    assert Notification.objects.filter(recipient=membership.user).exists()
    assert api.post(_url(community, membership, "demote/")).json()["role"] == "member"
    own = Membership.objects.get(community=community, user=coordinator)
    refused = api.post(_url(community, own, "demote/"))
    assert refused.status_code == 400
    assert "at least one coordinator" in str(refused.json())


def test_members_cannot_manage_and_are_told_why(api, community, membership):
    other = MembershipFactory(community=community)
    api.force_authenticate(membership.user)
    response = api.post(_url(community, other, "remove/"))
    assert response.status_code == 403
    assert "coordinators" in response.json()["detail"]


def test_membership_of_another_community_is_404(api, community, coordinator):
    elsewhere = MembershipFactory()
    api.force_authenticate(coordinator)
    assert api.post(_url(community, elsewhere, "remove/")).status_code == 404


# --- one's own membership ------------------------------------------------------------------


def test_own_introduction_and_expertise(api, community, membership):
    TagFactory(community=community, name="Deploys", slug="deploys")
    api.force_authenticate(membership.user)
    url = f"/api/v1/communities/{community.slug}/me/"
    response = api.patch(
        url, {"introduction": "I run *deploys*", "expertise": ["deploys"]}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["expertise"] == ["Deploys"]
    assert "<em>deploys</em>" in body["introduction_html"]
    assert body["next_step"]["next_level"] == "active"
    # A first introduction counts, as on the page.
    assert membership.participation_events.filter(kind=ParticipationKind.INTRODUCED_SELF).exists()
    # Leaving expertise out keeps it.
    api.patch(url, {"introduction": "Still me"}, format="json")
    assert api.get(url).json()["expertise"] == ["Deploys"]


def test_own_expertise_must_be_the_communitys_topics(api, community, membership):
    api.force_authenticate(membership.user)
    response = api.patch(
        f"/api/v1/communities/{community.slug}/me/", {"expertise": ["knitting"]}, format="json"
    )
    assert response.status_code == 400
    assert "knitting" in response.json()["expertise"]


def test_non_members_have_no_membership(api, community):
    api.force_authenticate(UserFactory())
    response = api.get(f"/api/v1/communities/{community.slug}/me/")
    assert response.status_code == 404
    assert "not a member" in response.json()["detail"]


# --- invitations ------------------------------------------------------------------------------


def test_invite_sends_the_email_and_lists_it(
    api, community, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    api.force_authenticate(coordinator)
    url = f"/api/v1/communities/{community.slug}/invitations/"
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(url, {"email": "New@Example.com", "message": "Join"}, format="json")
    assert response.status_code == 201
    assert response.json()["email"] == "new@example.com"
    assert response.json()["status"] == "pending"
    assert mailoutbox[0].to == ["new@example.com"]
    listed = api.get(url).json()["results"]
    assert [item["email"] for item in listed] == ["new@example.com"]
    assert "token" not in listed[0]


def test_invite_refuses_bad_input_with_reasons(api, community, coordinator, membership):
    api.force_authenticate(coordinator)
    url = f"/api/v1/communities/{community.slug}/invitations/"
    bad = api.post(url, {"email": "not-an-address"}, format="json")
    assert bad.status_code == 400
    assert "email" in bad.json()
    member = api.post(url, {"email": membership.user.email}, format="json")
    assert member.status_code == 400
    assert "already a member" in str(member.json())


def test_accepting_an_invitation_makes_a_member(api, coordinator):
    private = CommunityFactory(
        slug="circle",
        visibility=Visibility.PRIVATE,
        join_policy=JoinPolicy.INVITATION,
        coordinator=coordinator,
    )
    invitation = invite(community=private, by=coordinator, email="guest@example.com")
    guest = UserFactory(email="guest@example.com")
    api.force_authenticate(guest)
    assert api.get("/api/v1/communities/circle/").status_code == 404
    response = api.post(
        "/api/v1/invitations/accept/", {"token": invitation_token(invitation)}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert api.get("/api/v1/communities/circle/").status_code == 200
    again = api.post(
        "/api/v1/invitations/accept/", {"token": invitation_token(invitation)}, format="json"
    )
    assert again.status_code == 400
    assert "already been used" in str(again.json())
    assert Invitation.objects.get(pk=invitation.pk).accepted_by == guest


def test_a_forged_invitation_token_is_a_400(api):
    api.force_authenticate(UserFactory())
    response = api.post("/api/v1/invitations/accept/", {"token": "forged"}, format="json")
    assert response.status_code == 400
    assert "not valid" in str(response.json())


# --- one's own account ---------------------------------------------------------------------


def test_account_profile_read_and_change(api):
    user = UserFactory(display_name="Ada", timezone="Europe/Berlin")
    api.force_authenticate(user)
    assert api.get("/api/v1/me/").json()["email"] == user.email
    response = api.patch(
        "/api/v1/me/", {"timezone": "America/Lima", "bio": "**SRE**"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["timezone"] == "America/Lima"
    assert "<strong>SRE</strong>" in response.json()["bio_html"]
    user.refresh_from_db()
    assert user.display_name == "Ada" and user.timezone == "America/Lima"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"display_name": ["x"]}, "display_name"),
        # Longer than the schema's maxLength as sent, even if stripping would shorten it.
        ({"bio": "*" * 1000 + " "}, "bio"),
        ({"display_name": "x" * 80 + "\u2003"}, "display_name"),
    ],
)
def test_account_profile_refuses_bad_input(api, body, field):
    user = UserFactory(timezone="Europe/Berlin")
    api.force_authenticate(user)
    response = api.patch("/api/v1/me/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    user.refresh_from_db()
    assert user.timezone == "Europe/Berlin"


def test_my_memberships_lists_active_and_pending(api, django_assert_num_queries):
    user = UserFactory()
    for name in ("B", "A", "C"):
        MembershipFactory(user=user, community=CommunityFactory(name=name))
    MembershipFactory(
        user=user, status=MembershipStatus.PENDING, community=CommunityFactory(name="D")
    )
    MembershipFactory(user=user, status=MembershipStatus.LEFT, community=CommunityFactory(name="E"))
    api.force_authenticate(user)
    with django_assert_num_queries(2):
        body = api.get("/api/v1/me/memberships/").json()
    assert [(m["community"], m["status"]) for m in body["results"]] == [
        (Membership.objects.get(user=user, community__name=name).community.slug, status)
        for name, status in [("A", "active"), ("B", "active"), ("C", "active"), ("D", "pending")]
    ]


def test_tokens_are_listed_without_secrets_and_revoked(api):
    user = UserFactory()
    token, secret = create_token(user=user, name="bot")
    create_token(user=UserFactory(), name="someone else's")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    listed = api.get("/api/v1/me/tokens/").json()["results"]
    assert [item["name"] for item in listed] == ["bot"]
    assert secret not in str(listed)
    assert api.delete(f"/api/v1/me/tokens/{token.pk}/").status_code == 204
    assert api.get("/api/v1/me/").status_code == 401


def test_another_users_token_is_404(api):
    token, _ = create_token(user=UserFactory(), name="theirs")
    api.force_authenticate(UserFactory())
    response = api.delete(f"/api/v1/me/tokens/{token.pk}/")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_member_list_filters_like_the_directory(api, community, django_assert_num_queries):
    deploys = TagFactory(community=community, name="Deploys", slug="deploys")
    expert = MembershipFactory(community=community, level=Level.ACTIVE)
    expert.expertise.add(deploys)
    MembershipFactory(community=community, level=Level.ACTIVE)
    url = f"/api/v1/communities/{community.slug}/members/"
    with django_assert_num_queries(3):  # community, members, expertise
        found = api.get(url, {"expertise": "deploys"}).json()["results"]
    assert [m["id"] for m in found] == [expert.pk]
    assert found[0]["expertise"] == ["Deploys"]
    assert len(api.get(url, {"level": "active"}).json()["results"]) == 2
    bad = api.get(url, {"status": "everyone"})
    assert bad.status_code == 400
    assert "status" in bad.json()


def test_coordinators_recognise_expertise_through_the_api(api, coordinator):

    community = CommunityFactory(slug="guild", coordinator=coordinator)
    TagFactory(community=community, name="On-call", slug="on-call")
    member = make_member(community)
    membership = Membership.objects.get(user=member, community=community)
    url = f"/api/v1/communities/guild/members/{membership.pk}/expertise/"
    api.force_authenticate(coordinator)
    assert api.post(url, {"topics": ["on-call"]}, format="json").status_code == 200
    detail = api.get(f"/api/v1/communities/guild/members/{membership.pk}/").json()
    assert detail["recognised_expertise"] == ["On-call"]
    assert api.post(url, {"topics": ["nope"]}, format="json").status_code == 400
    api.force_authenticate(member)
    assert api.post(url, {"topics": []}, format="json").status_code == 403
