from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_home_for_visitor_explains_copse(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"A home for your community of practice" in response.content
    assert reverse("account_signup").encode() in response.content


def test_home_for_member_greets_them(client):
    user = UserFactory(display_name="Rosa Park")
    client.force_login(user)
    response = client.get("/")
    assert b"Welcome, Rosa Park" in response.content


def test_unknown_page_renders_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"We could not find that page" in response.content


def test_healthz_reports_database_ok(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


def test_healthz_503_when_database_down(client, settings):
    settings.REDIS_URL = ""
    # The database is the outside world here: make the driver fail to connect.
    with mock.patch.object(connection, "ensure_connection", side_effect=OperationalError("x")):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"].startswith("down")


def test_healthz_503_when_redis_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("down")
    assert response.json()["checks"]["database"] == "ok"


@pytest.mark.redis
def test_healthz_reports_real_redis_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == "ok"


def test_profile_settings_saves_name_and_timezone(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("profile_settings"),
        {"display_name": "New Name", "timezone": "America/Chicago", "bio": "Hello"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.timezone, user.bio) == ("New Name", "America/Chicago", "Hello")


def test_profile_settings_rejects_unknown_timezone_with_message(client):
    user = UserFactory(timezone="Europe/Berlin")
    client.force_login(user)
    response = client.post(
        reverse("profile_settings"), {"display_name": "X", "timezone": "Nowhere/Land"}
    )
    assert response.status_code == 200
    assert "timezone" in response.context["form"].errors
    user.refresh_from_db()
    assert user.timezone == "Europe/Berlin"


def test_pages_show_times_in_viewer_timezone(client):

    user = UserFactory(timezone="Asia/Tokyo")
    client.force_login(user)
    seen = {}

    def capture(sender, **kwargs):
        seen["tz"] = timezone.get_current_timezone_name()

    template_rendered.connect(capture)
    try:
        client.get("/")
    finally:
        template_rendered.disconnect(capture)
    assert seen["tz"] == "Asia/Tokyo"


def test_form_errors_render_beside_their_field(client):
    client.force_login(UserFactory())
    response = client.post(reverse("profile_settings"), {"display_name": "X", "timezone": "Nope"})
    content = response.content.decode()
    field_start = content.index('id="id_timezone"')
    error_at = content.index('id="id_timezone_error"')  # the errorlist's own id
    assert field_start < error_at < content.index('id="id_bio"')
    assert 'aria-describedby="id_timezone_helptext id_timezone_error"' in content
