"""@mentions take a member's display name as written (with its space) and the pages
offer the community's members as one types."""

import pytest
from django.urls import reverse

from cop.enums import Visibility
from cop.services.notifications import mentioned_users
from tests.factories import CommunityFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


def test_display_name_with_a_space_names_that_member():
    community = CommunityFactory(visibility=Visibility.PRIVATE)
    author = make_member(community)
    nora = make_member(community, display_name="Nora Newbie", email="nn@example.org")
    other = make_member(community, display_name="Nora Smith", email="nora@example.org")
    found = mentioned_users(text="Thanks @Nora Newbie, well done", community=community,
                            author=author)  # fmt: skip
    assert found == [nora]
    assert mentioned_users(text="cc @NoraNewbie", community=community, author=author) == [nora]
    assert mentioned_users(text="cc @nora!", community=community, author=author) == [other]


def test_suggestions_for_members_only(client):
    community = CommunityFactory()
    member = make_member(community)
    make_member(community, display_name="Nora Newbie")
    make_member(community, display_name="Ben Carter")
    address = reverse("member_suggestions", args=[community.slug])
    client.force_login(member)
    body = client.get(address, {"q": "no"}).json()
    assert body == {"members": [{"name": "Nora Newbie", "handle": "NoraNewbie"}]}
    assert client.get(address, {"q": "ewbie"}).json()["members"] == []  # starts of words
    assert client.get(address, {"q": "Newbie"}).json()["members"][0]["handle"] == "NoraNewbie"
    client.force_login(UserFactory())
    assert client.get(address, {"q": "no"}).status_code == 403
