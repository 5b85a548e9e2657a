"""A dropped database connection is answered with a retry or a clean 503, never a 500.

On PostgreSQL the connection is really terminated, with pg_terminate_backend from a
second connection, just before a chosen statement of the request runs.
"""

import contextlib

import psycopg
import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from knowledge.models import Reply
from knowledge.services import problems
from tests.factories import CommunityFactory, make_member


@pytest.fixture
def problem():
    community = CommunityFactory()
    asker = make_member(community)
    return problems.ask_problem(community=community, author=asker, title="Pager", context="C")


@pytest.fixture
def member_client(problem):
    client = Client(raise_request_exception=False)
    client.force_login(make_member(problem.community))
    # Last-seen is noted on the first page view (a write): done before the faults.
    assert client.get(reverse("home")).status_code == 200
    return client


def _reply_url(problem) -> str:
    return reverse(
        "knowledge:problem_reply", kwargs={"slug": problem.community.slug, "pk": problem.pk}
    )


def _terminate(pid: int) -> None:
    """End backend `pid` from a second connection, as a server restart or failover would."""
    conf = connection.settings_dict
    with psycopg.connect(
        dbname=conf["NAME"],
        user=conf["USER"] or None,
        password=conf["PASSWORD"] or None,
        host=conf["HOST"] or None,
        port=conf["PORT"] or None,
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@contextlib.contextmanager
def _drop_before(fragment: str, *, how):
    """Break the connection once, just before the first statement containing `fragment`."""
    dropped = []

    def fault(execute, sql, params, many, context):
        if not dropped and fragment in sql:
            dropped.append(sql)
            how()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fault):
        yield dropped


def _terminate_own_backend():
    _terminate(connection.connection.info.backend_pid)


def _raise_operational_error():
    raise OperationalError("server closed the connection unexpectedly")


# --- PostgreSQL: the connection really terminated -------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_terminated_connections_are_retried_or_answered_503_never_500(problem, member_client):
    detail = problem.get_absolute_url()
    api_detail = f"/api/v1/problems/{problem.pk}/"
    statuses = []

    # A page read: retried on a fresh connection.
    pid = connection.connection.info.backend_pid
    with _drop_before('FROM "knowledge_problem"', how=_terminate_own_backend) as dropped:
        page = member_client.get(detail)
    assert dropped and page.status_code == 200
    assert "Pager" in page.text
    assert connection.connection.info.backend_pid != pid
    statuses.append(page.status_code)

    # An API read: the same.
    with _drop_before('FROM "knowledge_problem"', how=_terminate_own_backend) as dropped:
        read = member_client.get(api_detail)
    assert dropped and read.status_code == 200
    assert read.json()["title"] == "Pager"
    statuses.append(read.status_code)

    # Dropped while idle between two requests: the next one still works.
    _terminate_own_backend()
    page = member_client.get(detail)
    assert page.status_code == 200
    statuses.append(page.status_code)

    # A form post that meets a dropped connection is not retried: a clean 503, nothing
    # half-saved; posting again saves the reply once.
    with _drop_before('INSERT INTO "knowledge_reply"', how=_terminate_own_backend) as dropped:
        posted = member_client.post(_reply_url(problem), {"body": "Route it to the owning team"})
    assert dropped and posted.status_code == 503
    assert posted["Retry-After"] == "5"
    assert "briefly unavailable" in posted.text
    assert Reply.objects.filter(problem=problem).count() == 0
    statuses.append(posted.status_code)
    posted = member_client.post(_reply_url(problem), {"body": "Route it to the owning team"})
    assert posted.status_code == 302
    statuses.append(posted.status_code)

    # An API write: a 503 in JSON.
    with _drop_before('INSERT INTO "knowledge_reply"', how=_terminate_own_backend) as dropped:
        created = member_client.post(
            f"{api_detail}replies/", {"body": "And a runbook"}, content_type="application/json"
        )
    assert dropped and created.status_code == 503
    assert created.json() == {"detail": "The service is briefly unavailable. Please try again."}
    statuses.append(created.status_code)

    assert 500 not in statuses
    assert list(Reply.objects.filter(problem=problem).values_list("body", flat=True)) == [
        "Route it to the owning team"
    ]


def test_connections_are_persistent_and_health_checked_on_postgres(settings):
    conf = settings.DATABASES["default"]
    assert conf["CONN_HEALTH_CHECKS"] is True
    if settings.USING_POSTGRES:
        assert conf["CONN_MAX_AGE"] > 0


# --- Any database: the middleware's decisions ----------------------------------------------


@pytest.mark.django_db(transaction=True)  # a retry needs a connection it may close
def test_a_read_that_meets_a_connection_error_is_retried_once(problem, member_client):
    with _drop_before('FROM "knowledge_problem"', how=_raise_operational_error) as dropped:
        page = member_client.get(problem.get_absolute_url())
    assert dropped
    assert page.status_code == 200 and "Pager" in page.text


@pytest.mark.django_db(transaction=True)
def test_a_read_that_keeps_failing_gets_a_503_page(problem, member_client):
    calls = []

    def always(execute, sql, params, many, context):
        if 'FROM "knowledge_problem"' in sql:
            calls.append(sql)
            raise OperationalError("the database system is shutting down")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(always):
        page = member_client.get(problem.get_absolute_url())
    assert page.status_code == 503
    assert "briefly unavailable" in page.text
    assert len(calls) == 2  # tried, retried once, then 503


@pytest.mark.django_db
def test_a_post_that_meets_a_connection_error_gets_a_503_not_a_retry(problem, member_client):
    with _drop_before('INSERT INTO "knowledge_reply"', how=_raise_operational_error):
        posted = member_client.post(_reply_url(problem), {"body": "Route it"})
    assert posted.status_code == 503
    assert Reply.objects.filter(problem=problem).count() == 0
