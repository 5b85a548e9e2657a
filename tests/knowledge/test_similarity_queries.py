"""The trigram fallback of similar problems costs the same queries whether its scan
finishes or runs out of time, and leaves no statement timeout behind it."""

import pytest
from django.db import connection
from django.db.models import IntegerField
from django.db.models.expressions import RawSQL

from knowledge import similarity
from knowledge.services import problems
from tests.factories import CommunityFactory, make_member

# Outside any transaction, as a request runs: the block is then the outermost one.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def _statement_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


@pytest.fixture
def documents():
    community = CommunityFactory()
    problems.ask_problem(
        community=community,
        author=make_member(community),
        title="Kubernetes ingress certificate renewal",
        context="Context.",
    )
    return similarity.suggestable_documents(None)


def test_spelt_alike_finished_costs_the_same_queries_as_timed_out(
    documents, django_assert_num_queries
):
    before = _statement_timeout()
    with django_assert_num_queries(4):  # BEGIN, SET LOCAL, the scan, ROLLBACK
        found = similarity._spelt_alike("kubernets ingres certifcate renewal", documents)
    assert [d.title for d in found] == ["Kubernetes ingress certificate renewal"]
    assert _statement_timeout() == before

    # A scan slower than TRIGRAM_TIMEOUT_MS (every row sleeps) is cancelled: no
    # suggestion, the same four statements.
    slow = documents.alias(
        slow=RawSQL("(SELECT 1 FROM pg_sleep(0.2))", [], output_field=IntegerField())
    ).filter(slow=1)
    with django_assert_num_queries(4):
        assert similarity._spelt_alike("kubernets ingres certifcate renewal", slow) == []
    assert _statement_timeout() == before
