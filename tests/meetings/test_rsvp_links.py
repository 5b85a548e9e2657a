"""One-click answers from meeting emails: GET confirms, POST answers, bad links refused."""

from datetime import timedelta

import icalendar
import pytest
import time_machine
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from cop.enums import NotificationKind
from cop.models import Notification
from cop.services.notifications import deliver_notification_email
from meetings import services
from meetings.enums import RSVPAnswer
from meetings.links import RSVP_LINK_MAX_AGE, RSVP_LINK_SALT, rsvp_token
from meetings.models import RSVP
from tests.factories import MeetingFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


def _url(meeting, user, answer):
    token = rsvp_token(meeting=meeting, user=user, answer=answer)
    return reverse("meetings:rsvp_link", kwargs={"token": token})


def test_get_only_confirms_and_post_answers(client, meeting, member):
    url = _url(meeting, member, RSVPAnswer.GOING)
    response = client.get(url)
    assert response.status_code == 200
    assert "Yes, answer “Going”" in response.content.decode()
    assert not RSVP.objects.filter(meeting=meeting, user=member).exists()
    response = client.post(url)
    assert response.status_code == 200
    assert "you’re going" in response.content.decode()
    assert RSVP.objects.get(meeting=meeting, user=member).is_going


def test_tampered_link_is_refused(client, meeting, member):
    token = rsvp_token(meeting=meeting, user=member, answer=RSVPAnswer.GOING)
    forged = signing.dumps({"m": meeting.pk, "u": member.pk, "a": "going"}, salt="other")
    # Another answer's payload under this link's signature.
    other = signing.dumps({"m": meeting.pk, "u": member.pk, "a": "not_going"}, salt="x")
    swapped = other.split(":")[0] + token[len(token.split(":")[0]) :]
    for bad in (token[:-3] + "abc", forged, swapped, "x" * 500):
        response = client.post(reverse("meetings:rsvp_link", kwargs={"token": bad}))
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
    assert not RSVP.objects.filter(meeting=meeting).exists()


def test_expired_link_is_refused(client, meeting, member):
    # Signed well before the meeting, opened after the link's age has passed.
    with time_machine.travel(timezone.now() - RSVP_LINK_MAX_AGE - timedelta(hours=1)):
        url = _url(meeting, member, RSVPAnswer.GOING)
    response = client.post(url)
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert not RSVP.objects.filter(meeting=meeting).exists()


def test_link_respects_capacity_and_waitlist(client, community, host):
    meeting = MeetingFactory(community=community, hosts=[host], capacity=1)
    first, second = make_member(community), make_member(community)
    client.post(_url(meeting, first, RSVPAnswer.GOING))
    response = client.post(_url(meeting, second, RSVPAnswer.GOING))
    assert "number 1 on the waitlist" in response.content.decode()
    assert RSVP.objects.get(meeting=meeting, user=second).waitlisted
    client.post(_url(meeting, first, RSVPAnswer.NOT_GOING))
    assert RSVP.objects.get(meeting=meeting, user=second).is_going


def test_link_of_someone_no_longer_member_is_refused(client, meeting, member):
    url = _url(meeting, member, RSVPAnswer.GOING)
    stranger_url = _url(meeting, UserFactory(), RSVPAnswer.GOING)
    member.memberships.update(status="removed")
    assert client.post(url).status_code == 403
    assert client.post(stranger_url).status_code == 403
    assert not RSVP.objects.filter(meeting=meeting).exists()


def test_link_after_start_or_cancel_does_not_answer(client, meeting, member, host):
    url = _url(meeting, member, RSVPAnswer.GOING)
    with time_machine.travel(meeting.starts_at + timedelta(minutes=5)):
        response = client.post(url)
        assert "closed" in response.content.decode()
    services.cancel_meeting(meeting=meeting, by=host)
    assert "cancelled" in client.get(url).content.decode()
    assert "cancelled" in client.post(url).content.decode()
    assert not RSVP.objects.filter(meeting=meeting).exists()


def test_reminder_email_carries_links_and_the_invitation(meeting, member):

    services.rsvp(meeting=meeting, user=member, answer=RSVPAnswer.GOING)
    services.send_reminder(meeting=meeting, user=member, kind="24h")
    notification = Notification.objects.get(
        recipient=member, kind=NotificationKind.MEETING_REMINDER
    )
    mail.outbox.clear()
    deliver_notification_email(notification_id=notification.pk)
    [message] = mail.outbox
    links = [line for line in message.body.splitlines() if "/meetings/answer/" in line]
    assert [line.split(":", 1)[0] for line in links] == ["Going", "Maybe", "Not going"]
    html = message.alternatives[0][0]
    assert html.count("/meetings/answer/") == 3
    [part] = [p for p in message.attachments if p.get_content_type() == "text/calendar"]
    cal = icalendar.Calendar.from_ical(part.get_payload(decode=True))
    [event] = cal.walk("VEVENT")
    assert cal["method"] == "REQUEST"
    assert str(event["uid"]) == f"meeting-{meeting.uid}@127.0.0.1"


def test_moved_meeting_email_is_built_at_send_time(meeting, member, host):

    services.rsvp(meeting=meeting, user=member, answer=RSVPAnswer.GOING)
    services.update_meeting(
        meeting=meeting,
        by=host,
        starts_at=meeting.starts_at + timedelta(hours=1),
        ends_at=meeting.ends_at + timedelta(hours=1),
    )
    notification = Notification.objects.get(recipient=member, kind=NotificationKind.MEETING_CHANGED)
    # Moved again before the email went: it says what is true when sent.
    services.update_meeting(meeting=meeting, by=host, title="Incident review (moved)")
    mail.outbox.clear()
    deliver_notification_email(notification_id=notification.pk)
    [part] = [p for p in mail.outbox[0].attachments if p.get_content_type() == "text/calendar"]
    [event] = icalendar.Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
    assert int(event["sequence"]) == 2
    assert str(event["summary"]) == "Incident review (moved)"


def test_signed_payload_names_the_answer(meeting, member):
    token = rsvp_token(meeting=meeting, user=member, answer=RSVPAnswer.MAYBE)
    assert signing.loads(token, salt=RSVP_LINK_SALT)["a"] == "maybe"
