import pytest

from cop.demo import seed_communities, seed_users
from knowledge.demo import seed_knowledge
from knowledge.enums import EntryStatus, ProblemStatus, TermStatus
from knowledge.models import GlossaryTerm, PracticeEntry, Problem, Reply, Story

pytestmark = pytest.mark.django_db


def _counts():
    return [m.objects.count() for m in (Story, Problem, Reply, PracticeEntry, GlossaryTerm)]


def test_seed_knowledge_is_idempotent_and_covers_every_state():
    users = seed_users()
    communities = seed_communities(users)
    report = seed_knowledge(users=users, communities=communities)
    assert report and "stories" in report[0]
    first = _counts()
    seed_knowledge(users=users, communities=communities)
    assert _counts() == first

    sre = communities["sre-guild"]
    statuses = set(PracticeEntry.objects.filter(community=sre).values_list("status", flat=True))
    assert statuses == set(EntryStatus.values)
    problem_statuses = set(Problem.objects.filter(community=sre).values_list("status", flat=True))
    assert problem_statuses == set(ProblemStatus.values)
    assert Reply.objects.filter(problem__community=sre, is_solution=True).count() >= 2
    assert set(GlossaryTerm.objects.filter(community=sre).values_list("status", flat=True)) == {
        TermStatus.ACCEPTED,
        TermStatus.PROPOSED,
    }
    assert PracticeEntry.objects.filter(source_problem__isnull=False).exists()


def test_missing_community_is_skipped():
    users = seed_users()
    communities = {k: v for k, v in seed_communities(users).items() if k == "bedside-teaching"}
    seed_knowledge(users=users, communities=communities)
    assert set(Story.objects.values_list("community__slug", flat=True)) == {"bedside-teaching"}
