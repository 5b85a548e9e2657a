"""After the meeting: attendees' feedback for hosts and coordinators only; notes in the
repertoire (search, export, stories)."""

import io
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from cop.enums import NotificationKind, Visibility
from cop.models import Notification
from knowledge.export import export_zip
from knowledge.search import search
from meetings import feedback, services
from tests.factories import CommunityFactory, MeetingFactory, StoryFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(community, host, member):
    meeting = MeetingFactory(community=community, hosts=[host], title="Incident review")
    with time_machine.travel(meeting.starts_at + timedelta(minutes=30)):
        services.mark_attendance(meeting=meeting, by=host, attendees=[member])
    meeting.refresh_from_db()
    return meeting


@pytest.fixture
def after(held):
    with time_machine.travel(held.ends_at + timedelta(hours=2)):
        yield


def test_attendees_are_asked_and_give_feedback_counted_on_the_meeting(held, member, after):
    asked = Notification.objects.get(recipient=member, kind=NotificationKind.MEETING_FEEDBACK)
    assert asked.url.endswith(f"/meetings/{held.pk}/feedback/")
    feedback.give_feedback(meeting=held, user=member, rating=4, keep="Demos", change="")
    feedback.give_feedback(meeting=held, user=member, rating=2, keep="", change="Shorter")
    held.refresh_from_db()
    assert (held.feedback_count, held.feedback_rating_sum) == (1, 2)
    found = feedback.summary(held)
    assert (found.count, found.average) == (1, 2.0)
    assert found.distribution == [(5, 0), (4, 0), (3, 0), (2, 1), (1, 0)]
    assert found.entries[0].change == "Shorter"


def test_feedback_is_refused_to_non_attendees_and_bad_ratings(held, community, after):
    other = make_member(community)
    with pytest.raises(ValidationError, match="attended"):
        feedback.give_feedback(meeting=held, user=other, rating=5)
    with pytest.raises(ValidationError, match="1 to 5"):
        feedback.give_feedback(meeting=held, user=other, rating=9)
    with pytest.raises(ValidationError, match="At most"):
        feedback.give_feedback(meeting=held, user=other, rating=3, keep="x" * 2001)


def test_feedback_page_form_for_attendees_summary_for_hosts_only(
    client, held, host, member, community, after
):
    url = reverse("meetings:feedback", args=[community.slug, held.pk])
    client.force_login(member)
    response = client.post(url, {"rating": "5", "keep": "The <b>demo</b>", "change": ""})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Update my feedback" in page and "What attendees said" not in page
    client.force_login(make_member(community))
    assert client.get(url).status_code == 403
    client.force_login(host)
    page = client.get(url).content.decode()
    assert "5.0 out of 5" in page
    assert "The &lt;b&gt;demo&lt;/b&gt;" in page


def test_feedback_api(held, host, member, community, after):
    api = APIClient()
    url = f"/api/v1/meetings/{held.pk}/feedback/"
    api.force_authenticate(member)
    response = api.post(url, {"rating": 3, "change": "Start on time"}, format="json")
    assert response.status_code == 201, response.json()
    assert api.get(url).status_code == 403
    assert api.post(url, {"rating": 0}, format="json").status_code == 400
    api.force_authenticate(host)
    body = api.get(url).json()
    assert (body["count"], body["average"]) == (1, 3.0)
    assert body["entries"][0]["change"] == "Start on time"
    assert "user" not in body["entries"][0]
    api.force_authenticate(make_member(community))
    assert api.post(url, {"rating": 3}, format="json").status_code == 403


def test_notes_are_searchable_by_members_only(host):
    private = CommunityFactory(coordinator=host, visibility=Visibility.PRIVATE)
    meeting = MeetingFactory(community=private, hosts=[host], title="Capacity planning")
    services.write_notes(meeting=meeting, by=host, notes="We agreed on **autoscaling** rules.")
    member = make_member(private)
    [hit] = search(member, "autoscaling")
    assert hit.url.endswith(f"/meetings/{meeting.pk}/#notes")
    assert search(UserFactory(), "autoscaling") == []
    services.write_notes(meeting=meeting, by=host, notes="")
    assert search(member, "autoscaling") == []


def test_notes_are_exported_and_linked_from_stories(client, held, host, member, community):
    services.write_notes(meeting=held, by=host, notes="Keep the runbook short.")
    archive = zipfile.ZipFile(io.BytesIO(export_zip(community)))
    [name] = [n for n in archive.namelist() if n.startswith("meetings/")]
    text = archive.read(name).decode()
    assert 'type: "meeting notes"' in text and "Keep the runbook short." in text
    story = StoryFactory(community=community, author=member, meeting=held)
    client.force_login(member)
    page = client.get(story.get_absolute_url()).content.decode()
    assert f"/meetings/{held.pk}/#notes" in page
