"""Idempotency keys: an API write sent twice with the same key is done once."""

from datetime import timedelta

import pytest
import time_machine
from django.db import OperationalError, connection
from django.utils import timezone
from rest_framework.test import APIClient

from cop.models import IdempotentRequest
from cop.ops import idempotency
from knowledge.models import Reply
from knowledge.services import problems
from tests.concurrency import all_at_once
from tests.factories import CommunityFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def problem():
    community = CommunityFactory()
    return problems.ask_problem(
        community=community, author=make_member(community), title="Flaky deploys", context="…"
    )


def _client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _reply(client, problem, key, body="Pin the base image"):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(
        f"/api/v1/problems/{problem.pk}/replies/", {"body": body}, format="json", headers=headers
    )


def test_the_same_write_sent_twice_with_a_key_is_done_once_and_answered_the_same(problem):
    member = make_member(problem.community)
    client = _client(member)

    first = _reply(client, problem, "7f6c2b1e-retry-me")
    again = _reply(client, problem, "7f6c2b1e-retry-me")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Reply.objects.filter(problem=problem).count() == 1
    problem.refresh_from_db()
    assert problem.reply_count == 1


def test_without_a_key_each_write_is_its_own(problem):
    client = _client(make_member(problem.community))
    assert _reply(client, problem, None).status_code == 201
    assert _reply(client, problem, None).status_code == 201
    assert Reply.objects.filter(problem=problem).count() == 2
    assert not IdempotentRequest.objects.exists()


def test_a_key_used_again_for_another_request_is_refused(problem):
    client = _client(make_member(problem.community))
    assert _reply(client, problem, "key-1", body="First").status_code == 201

    response = _reply(client, problem, "key-1", body="Something else")

    assert response.status_code == 422
    assert "different request" in response.json()["detail"]
    assert Reply.objects.filter(problem=problem).count() == 1


def test_keys_belong_to_whoever_sent_them(problem):
    one, other = (_client(make_member(problem.community)) for _ in range(2))
    assert _reply(one, problem, "shared-key").status_code == 201
    response = _reply(other, problem, "shared-key")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Reply.objects.filter(problem=problem).count() == 2


def test_a_refused_write_is_not_recorded_so_the_corrected_retry_is_done(problem):
    client = _client(make_member(problem.community))
    refused = _reply(client, problem, "key-2", body="")
    assert refused.status_code == 400
    assert not IdempotentRequest.objects.exists()

    assert _reply(client, problem, "key-2").status_code == 201
    assert Reply.objects.filter(problem=problem).count() == 1


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "tab\there", "é"])
def test_a_malformed_key_is_a_400_with_a_reason(problem, key):
    client = _client(make_member(problem.community))
    response = client.post(
        f"/api/v1/problems/{problem.pk}/replies/",
        {"body": "Hello"},
        format="json",
        headers={"Idempotency-Key": key.encode("utf-8").decode("latin-1")},
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]
    assert not Reply.objects.exists()


def test_reads_and_anonymous_requests_ignore_the_header(problem):
    anonymous = APIClient()
    response = anonymous.get(
        f"/api/v1/problems/{problem.pk}/replies/", headers={"Idempotency-Key": "k"}
    )
    assert response.status_code in (200, 401, 403, 404)
    assert not IdempotentRequest.objects.exists()


def test_answers_are_forgotten_after_a_day(problem):
    client = _client(make_member(problem.community))
    _reply(client, problem, "old-key")
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        assert idempotency.prune() == 1
    assert not IdempotentRequest.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_key_sent_at_the_same_moment_writes_once(problem):
    member = make_member(problem.community)
    clients = [_client(member) for _ in range(4)]

    responses = all_at_once(
        [lambda client=client: _reply(client, problem, "concurrent-key") for client in clients]
    )

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] * 4, [r.content for r in responses]
    assert len({response.json()["id"] for response in responses}) == 1
    assert sum(1 for r in responses if r.get("Idempotent-Replayed") == "true") == 3
    assert Reply.objects.filter(problem=problem).count() == 1


# Outside a test transaction: a connection is only reopened when no transaction holds it.
@pytest.mark.django_db(transaction=True)
def test_a_keyed_write_cut_by_a_dropped_connection_is_done_once_on_a_fresh_one(problem):
    client = _client(make_member(problem.community))
    cuts = []

    def drop_first_reply_insert(execute, sql, params, many, context):
        if sql.startswith('INSERT INTO "knowledge_reply"') and not cuts:
            cuts.append(sql)
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(drop_first_reply_insert):
        response = _reply(client, problem, "failover-key")

    assert cuts  # the first attempt met the dropped connection
    assert response.status_code == 201, response.content
    assert Reply.objects.filter(problem=problem).count() == 1
    assert IdempotentRequest.objects.get().status_code == 201


@pytest.mark.django_db(transaction=True)
def test_an_unkeyed_write_cut_by_a_dropped_connection_is_a_clean_503(problem):
    client = _client(make_member(problem.community))

    def drop_reply_inserts(execute, sql, params, many, context):
        if sql.startswith('INSERT INTO "knowledge_reply"'):
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(drop_reply_inserts):
        response = _reply(client, problem, None)

    assert response.status_code == 503
    assert not Reply.objects.filter(problem=problem).exists()
