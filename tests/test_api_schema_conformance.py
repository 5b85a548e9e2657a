"""Responses that broke their own schema: a series without an online link, an unanswered
value-story follow-up, a series' local start time. Each is fetched and checked by
schemathesis' response_schema_conformance, as the full run does."""

from datetime import date, time

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from schemathesis.specs.openapi.checks import response_schema_conformance

from cop.enums import Role
from cop.models import ValueFollowUp
from cop.services.tokens import create_token
from cop.services.value import tell_value_story
from meetings import services as meeting_services
from tests.factories import CommunityFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world():
    user = UserFactory()
    community = CommunityFactory(slug="sre", coordinator=user)
    series = meeting_services.create_series(
        community=community,
        by=user,
        title="Weekly",
        rrule="FREQ=WEEKLY;BYDAY=TU",
        starts_on=date.today(),
        start_time=time(17, 0),
        duration_minutes=60,
        timezone_name="Europe/Berlin",
        hosts=[user],
    )
    narrator = make_member(community, role=Role.MEMBER)
    story = tell_value_story(
        community=community, narrator=narrator, title="T", immediate="It helped."
    )
    ValueFollowUp.objects.create(story=story, after_days=30)
    _token, secret = create_token(user=user, name="conformance")
    return {
        "headers": {"Authorization": f"Bearer {secret}"},
        "series": series,
        "story": story,
    }


def _check(world, label, **path_parameters):

    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    operation = next(
        result.ok() for result in schema.get_all_operations() if result.ok().label == label
    )
    case = operation.Case(path_parameters=path_parameters)
    response = case.call(headers=world["headers"])
    assert response.status_code == 200
    case.validate_response(response, checks=[response_schema_conformance])
    return response.json()


def test_series_without_online_link_keeps_to_its_schema(world):
    body = _check(world, "GET /api/v1/series/{id}/", id=world["series"].pk)
    assert body["online_url"] is None
    assert body["start_time"] == "17:00:00"


def test_unanswered_follow_up_keeps_to_its_schema(world):
    body = _check(world, "GET /api/v1/value-stories/{id}/", id=world["story"].pk)
    assert body["follow_ups"][0]["outcome"] is None
