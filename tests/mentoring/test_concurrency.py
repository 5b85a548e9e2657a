"""Capacity holds when several requests are accepted at the same moment (PostgreSQL)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from mentoring import services
from mentoring.models import MentorRequest, Mentorship
from tests.factories import CommunityFactory, make_member, make_mentor

ACCEPTS = 6
CAPACITY = 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_accepting_more_requests_at_once_than_the_capacity_keeps_the_capacity():
    community = CommunityFactory()
    mentor = make_mentor(community, capacity=CAPACITY)
    request_ids = [
        services.request_mentor(
            community=community,
            requester=make_member(community),
            goals="Learn",
            topics=[],
            cadence="weekly",
            timezone_name="UTC",
            mentor=mentor,
        ).pk
        for _ in range(ACCEPTS)
    ]
    start = threading.Barrier(ACCEPTS)

    def accept(request_id: int) -> str:
        try:
            request = MentorRequest.objects.get(pk=request_id)
            start.wait(timeout=30)
            services.accept_request(request=request, mentor=mentor)
            return "accepted"
        except ValidationError:
            return "full"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=ACCEPTS) as pool:
        outcomes = list(pool.map(accept, request_ids))

    assert sorted(outcomes) == ["accepted"] * CAPACITY + ["full"] * (ACCEPTS - CAPACITY)
    assert Mentorship.objects.filter(mentor=mentor).count() == CAPACITY
    assert MentorRequest.objects.filter(status="accepted").count() == CAPACITY
    assert MentorRequest.objects.filter(status="offered").count() == ACCEPTS - CAPACITY
