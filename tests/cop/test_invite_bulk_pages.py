"""The bulk invitation page: paste or upload, preview with reasons, confirm, result."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cop.models import Invitation
from tests.factories import CommunityFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(client):
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    client.force_login(coordinator)
    return community, reverse("bulk_invite", kwargs={"slug": community.slug})


def _lines(n: int, bad: int = 0) -> str:
    rows = [f"p{i}@example.net,P {i}" for i in range(n)] + [f"bad{i}" for i in range(bad)]
    return "\n".join(rows)


@pytest.mark.parametrize("rows", [1, 40])
def test_preview_query_count_is_fixed(setup, client, django_assert_num_queries, rows):
    _, url = setup
    with django_assert_num_queries(11):
        response = client.post(url, {"step": "preview", "rows": _lines(rows, bad=1)})
    page = response.content.decode()
    assert "not an email address" in page
    assert page.count("will be invited") == rows
    assert not Invitation.objects.exists()


def test_confirm_invites_and_shows_result(setup, client):
    community, url = setup
    response = client.post(url, {"step": "confirm", "rows": _lines(3, bad=2), "message": "Hi"})
    page = response.content.decode()
    assert "3 people were invited" in page
    assert "2 lines were left out" in page
    assert Invitation.objects.filter(community=community).count() == 3
    client.post(url, {"step": "confirm", "rows": _lines(3)})
    assert Invitation.objects.filter(community=community).count() == 3


def test_csv_upload_preview(setup, client):
    _, url = setup
    upload = SimpleUploadedFile("list.csv", b"email,name\r\nada@example.net,Ada\r\n", "text/csv")
    page = client.post(url, {"step": "preview", "upload": upload}).content.decode()
    assert "ada@example.net" in page and "Ada" in page


def test_bad_uploads_are_form_errors(setup, client):
    _, url = setup
    upload = SimpleUploadedFile("list.csv", b"\xff\xfe\x00bad", "text/csv")
    response = client.post(url, {"step": "preview", "upload": upload})
    assert response.status_code == 200
    assert "UTF-8" in response.content.decode()
    response = client.post(url, {"step": "preview", "rows": _lines(1001)})
    assert "At most 1000" in response.content.decode()


def test_members_are_refused(setup, client):
    community, url = setup
    client.force_login(make_member(community))
    assert client.get(url).status_code == 403
