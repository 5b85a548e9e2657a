"""What a real member tripped over on the pages: raw Markdown in notifications, wording,
the header, the unverified founder, contrast, the glossary queue."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from cop.enums import NotificationKind
from cop.models import Notification
from tests.factories import CommunityFactory, UserFactory

pytestmark = pytest.mark.django_db

MARKDOWN = "Please use the **handover checklist** & [the form](https://example.org/f).\n\n- one"


def test_notifications_show_plain_text_not_markdown(client):
    user = UserFactory()
    notification = Notification.objects.create(
        recipient=user, kind=NotificationKind.REPLY, title="A reply", body=MARKDOWN
    )
    client.force_login(user)
    html = client.get(reverse("notification_list")).content.decode()
    assert "Please use the handover checklist &amp; the form." in html
    assert "**" not in html and "](" not in html
    context = {"notification": notification, "user": user, "link": "https://x/"}
    text = render_to_string("cop/email/notification.txt", context)
    assert "Please use the handover checklist & the form.\none" in text
    assert "**" not in render_to_string("cop/email/notification.html", context)
