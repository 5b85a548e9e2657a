"""The guests API: hosts invite, mark speakers and withdraw; the schema's shapes hold."""

import pytest
from rest_framework.test import APIClient

from cop.enums import Visibility
from meetings.models import RSVP, MeetingGuest
from tests.factories import CommunityFactory, MeetingFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(host):
    client = APIClient()
    client.force_authenticate(host)
    return client


def test_invite_list_update_and_withdraw_a_guest(api, meeting):
    url = f"/api/v1/meetings/{meeting.pk}/guests/"
    response = api.post(url, {"email": "Ada@Example.com", "name": "Ada"}, format="json")
    assert response.status_code == 201, response.json()
    guest_id = response.json()["id"]
    assert response.json()["email"] == "ada@example.com"
    listed = api.get(url).json()
    assert [(g["email"], g["answer"], g["withdrawn"]) for g in listed] == [
        ("ada@example.com", None, False)
    ]
    response = api.patch(f"{url}{guest_id}/", {"is_speaker": True, "bio": "SRE lead"}, "json")
    assert (response.json()["is_speaker"], response.json()["bio"]) == (True, "SRE lead")
    assert api.delete(f"{url}{guest_id}/").status_code == 204
    assert MeetingGuest.objects.get(pk=guest_id).revoked_at is not None


def test_bad_input_is_a_400_with_a_reason(api, meeting):
    url = f"/api/v1/meetings/{meeting.pk}/guests/"
    assert "email" in api.post(url, {"email": "nope"}, format="json").json()
    too_long = api.post(url, {"email": "a@example.com", "bio": "x" * 601}, format="json")
    assert too_long.status_code == 400 and "bio" in too_long.json()
    assert api.patch(f"{url}999999/", {"is_speaker": True}, "json").status_code == 404


def test_guest_of_another_meeting_is_not_reachable_through_this_one(api, meeting, host):
    other = MeetingFactory(community=meeting.community, hosts=[host])
    api.post(f"/api/v1/meetings/{other.pk}/guests/", {"email": "b@example.com"}, format="json")
    guest = MeetingGuest.objects.get(meeting=other)
    response = api.delete(f"/api/v1/meetings/{meeting.pk}/guests/{guest.pk}/")
    assert response.status_code == 404
    assert MeetingGuest.objects.get(pk=guest.pk).revoked_at is None
    assert not RSVP.objects.exists()


def test_private_meeting_guests_are_404_to_outsiders(meeting, host):
    private = CommunityFactory(coordinator=host, visibility=Visibility.PRIVATE)
    hidden = MeetingFactory(community=private, hosts=[host])
    outsider = APIClient()
    outsider.force_authenticate(UserFactory())
    response = outsider.get(f"/api/v1/meetings/{hidden.pk}/guests/")
    assert response.status_code == 404
    assert "guest" not in response.content.decode().lower()
