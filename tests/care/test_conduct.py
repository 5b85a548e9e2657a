"""The code of conduct: accepted on joining, asked again after a material change, and
blocking participation (pages and API) until accepted."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from care.models import ConductVersion
from care.services.conduct import accept_conduct, update_conduct
from cop.enums import AuditAction, NotificationKind
from cop.models import AuditEntry, Membership, Notification
from cop.rules import forget_memberships, is_participant
from cop.services.communities import join_community
from knowledge import rules as knowledge_rules
from meetings import rules as meeting_rules
from tests.factories import CommunityFactory, MeetingFactory, StoryFactory, UserFactory

pytestmark = pytest.mark.django_db


def _material_change(community, coordinator, text="Be kinder.", capture=None):
    if capture is not None:
        with capture(execute=True):
            update_conduct(
                community=community, by=coordinator, text=text, material=True, note="Kinder"
            )
    else:
        update_conduct(community=community, by=coordinator, text=text, material=True, note="Kinder")
    community.refresh_from_db()
    return community


def test_joining_accepts_the_version_in_force(coordinator):
    community = _material_change(CommunityFactory(coordinator=coordinator), coordinator)
    newcomer = UserFactory()
    membership = join_community(community=community, user=newcomer)
    assert membership.conduct_version_accepted == community.conduct_version == 2
    assert is_participant(newcomer, community)


def test_material_change_blocks_taking_part_until_accepted(community, coordinator, member):
    story = StoryFactory(community=community)
    meeting = MeetingFactory(community=community)
    _material_change(community, coordinator)
    forget_memberships(member)
    assert not knowledge_rules.can_post(member, community)
    assert not knowledge_rules.can_reply(member, story)
    assert not meeting_rules.can_rsvp(member, meeting)
    assert knowledge_rules.can_view(member, story)  # reading stays open
    assert is_participant(coordinator, community)  # who made the change accepted it
    membership = Membership.objects.get(user=member, community=community)
    accept_conduct(membership=membership)
    forget_memberships(member)
    assert knowledge_rules.can_post(member, community)
    assert meeting_rules.can_rsvp(member, meeting)


def test_a_correction_keeps_the_version(community, coordinator, member):
    update_conduct(community=community, by=coordinator, text="Typo fixed.", material=False)
    community.refresh_from_db()
    assert community.conduct_version == 1 and community.conduct == "Typo fixed."
    assert is_participant(member, community)
    assert not Notification.objects.filter(kind=NotificationKind.CONDUCT_CHANGED).exists()
    assert AuditEntry.objects.filter(action=AuditAction.CONDUCT_CHANGED).count() == 1


def test_material_change_is_versioned_audited_and_announced(
    community, coordinator, member, django_capture_on_commit_callbacks
):
    _material_change(
        community, coordinator, text="Version two.", capture=django_capture_on_commit_callbacks
    )
    version = ConductVersion.objects.get(community=community, version=2)
    assert version.material and version.text == "Version two." and version.created_by == coordinator
    [note] = Notification.objects.filter(recipient=member, kind=NotificationKind.CONDUCT_CHANGED)
    assert note.url == reverse("care:conduct", args=[community.slug])
    assert not Notification.objects.filter(
        recipient=coordinator, kind=NotificationKind.CONDUCT_CHANGED
    ).exists()
    entry = AuditEntry.objects.get(action=AuditAction.CONDUCT_CHANGED)
    assert "material" in entry.summary and entry.actor == coordinator


def test_conduct_text_is_bounded_and_not_empty(community, coordinator):
    with pytest.raises(ValidationError):
        update_conduct(community=community, by=coordinator, text=" \x00 ", material=True)
    with pytest.raises(ValidationError):
        update_conduct(community=community, by=coordinator, text="x" * 20001, material=True)
    community.refresh_from_db()
    assert community.conduct_version == 1


def test_page_refuses_with_one_message_and_a_link_to_accept(client, community, coordinator, member):
    _material_change(community, coordinator)
    client.force_login(member)
    response = client.get(reverse("knowledge:story_create", args=[community.slug]))
    assert response.status_code == 403
    page = response.content.decode()
    assert "accept its code of conduct" in page
    assert reverse("care:conduct", args=[community.slug]) + "?next=" in page
    # Accept through the page, then posting is open again.
    response = client.post(
        reverse("care:conduct_accept", args=[community.slug]),
        {"next": reverse("knowledge:story_create", args=[community.slug])},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("knowledge:story_create", args=[community.slug])
    assert client.get(response["Location"]).status_code == 200


def test_api_refuses_with_the_conduct_message_and_address(client, community, coordinator, member):
    _material_change(community, coordinator)
    client.force_login(member)
    response = client.post(
        "/api/v1/stories/",
        {
            "community": community.slug,
            "title": "T",
            "situation": "S",
            "action": "A",
            "outcome": "O",
        },
        content_type="application/json",
    )
    assert response.status_code == 403
    body = response.json()
    assert "code of conduct" in body["detail"]
    assert body["conduct_url"].endswith(reverse("care:conduct", args=[community.slug]))
    accepted = client.post(f"/api/v1/communities/{community.slug}/conduct/accept/")
    assert accepted.status_code == 200 and accepted.json()["accepted"] is True


def test_conduct_page_shows_accept_button_only_when_needed(client, community, coordinator, member):
    client.force_login(member)
    url = reverse("care:conduct", args=[community.slug])
    assert "I accept the code of conduct" not in client.get(url).content.decode()
    _material_change(community, coordinator, text="**Be kind**")
    page = client.get(url).content.decode()
    assert "I accept the code of conduct" in page and "<strong>Be kind</strong>" in page


def test_conduct_edit_is_for_coordinators(client, community, coordinator, member):
    url = reverse("care:conduct_edit", args=[community.slug])
    client.force_login(member)
    assert client.get(url).status_code == 403
    client.force_login(coordinator)
    response = client.post(url, {"text": "New rules", "material": "on", "note": "New"})
    assert response.status_code == 302
    community.refresh_from_db()
    assert community.conduct_version == 2
