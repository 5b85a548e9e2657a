"""Single-line fields hold one line, and an email subject is always a valid header."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.core import mail
from django.db import models
from django.db.models.signals import pre_save
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cop.enums import NotificationKind
from cop.models import EmailDelivery, EmailStatus, Notification
from cop.services import notifications as service
from cop.services.communities import invite
from cop.text import email_subject, single_line, validate_single_line
from knowledge.models import Problem
from meetings.models import Meeting
from tests.factories import CommunityFactory, make_member

pytestmark = pytest.mark.django_db

HOSTILE = "Rollbacks\r\nBcc: everyone@example.org\x1b[31m\u2028done\x85"


def test_single_line_replaces_control_characters():
    assert single_line(HOSTILE) == "Rollbacks Bcc: everyone@example.org [31m done"
    assert single_line("nul\x00byte\x7f") == "nul byte"
    assert single_line("plain title") == "plain title"
    assert single_line("tab\tin") == "tab in"
    with pytest.raises(Exception, match="Line breaks"):
        validate_single_line("a\nb")
    validate_single_line("a b")


def test_email_subject_is_one_line_and_short():
    subject = email_subject("x" * 500 + "\r\nBcc: a@b.c")
    assert "\n" not in subject and "\r" not in subject
    assert len(subject) <= 200


def test_every_model_with_single_line_fields_cleans_them_on_save():

    for app in ("cop", "meetings", "knowledge", "mentoring"):
        for model in apps.get_app_config(app).get_models():
            if any(isinstance(f, models.CharField) for f in model._meta.concrete_fields):
                assert pre_save.has_listeners(model), model


def test_a_title_with_line_breaks_is_saved_on_one_line_through_the_api():
    community = CommunityFactory(slug="ops")
    member = make_member(community)
    api = APIClient()
    api.force_authenticate(member)
    response = api.post(
        "/api/v1/problems/",
        {"community": "ops", "title": HOSTILE, "context": "line one\nline two"},
        format="json",
    )
    assert response.status_code == 201, response.content
    problem = Problem.objects.get()
    assert "\n" not in problem.title and "\r" not in problem.title
    assert problem.context == "line one\nline two"  # multi-line text keeps its lines


def test_a_meeting_title_from_the_form_is_one_line(client):

    community = CommunityFactory(slug="ops")
    coordinator = make_member(community, role="coordinator")
    client.force_login(coordinator)
    day = timezone.localdate() + timedelta(days=3)
    response = client.post(
        reverse("meetings:schedule", kwargs={"slug": "ops"}),
        {
            "title": "Review\r\nBcc: x@example.org",
            "kind": "regular",
            "day": day.isoformat(),
            "start_time": "10:00",
            "end_time": "11:00",
            "timezone": "UTC",
            "location": "Room\n2",
            "hosts": [coordinator.pk],
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert (meeting.title, meeting.location) == ("Review Bcc: x@example.org", "Room 2")


def test_a_notification_whose_title_has_line_breaks_is_still_emailed():
    community = CommunityFactory()
    member = make_member(community)
    notification = service.notify(
        recipient=member,
        kind=NotificationKind.REPLY,
        title="Ben replied",
        url="/c/x/",
        community=community,
    )
    # A row written before titles were cleaned (or by a bulk update) keeps its breaks.
    Notification.objects.filter(pk=notification.pk).update(title=HOSTILE)
    mail.outbox.clear()
    assert service.deliver_notification_email(notification_id=notification.pk) is True
    [message] = mail.outbox
    assert "\n" not in message.subject and "\r" not in message.subject
    assert message.subject.startswith("[Copse] Rollbacks Bcc:")
    message.message()  # serialises without BadHeaderError
    assert EmailDelivery.objects.get(notification=notification).status == EmailStatus.SENT


def test_an_invitation_from_a_name_with_line_breaks_is_sent():

    community = CommunityFactory(name="Ops")
    coordinator = make_member(community, role="coordinator")
    type(coordinator).objects.filter(pk=coordinator.pk).update(display_name="Eve\r\nBcc: x@y.z")
    coordinator.refresh_from_db()
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        invite(community=community, by=coordinator, email="new@example.org")
    [message] = mail.outbox
    message.message()
    assert "\n" not in message.subject
