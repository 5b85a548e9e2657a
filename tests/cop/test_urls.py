import pytest

from tests.factories import CommunityFactory, UserFactory

pytestmark = pytest.mark.django_db

HUGE = "9" * 25


@pytest.mark.parametrize(
    "path",
    [
        "/c/{slug}/members/{huge}/",
        "/c/{slug}/memberships/{huge}/approve/",
        "/c/{slug}/meetings/{huge}/",
        "/c/{slug}/knowledge/problems/{huge}/",
        "/c/{slug}/value/{huge}/",
        "/notifications/{huge}/open/",
    ],
)
def test_oversized_ids_in_page_urls_are_404_not_500(client, path):
    community = CommunityFactory(coordinator=UserFactory())
    client.force_login(UserFactory())
    response = client.get(path.format(slug=community.slug, huge=HUGE))
    assert response.status_code == 404
    assert b"We could not find that page" in response.content
