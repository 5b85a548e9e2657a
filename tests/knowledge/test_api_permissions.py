"""Every knowledge endpoint, as every kind of caller, on a public and a private
community, against a table of expected status codes kept here
(tests/api_permissions.py says how the tables work)."""

import pytest

from knowledge.models import Problem, Reply
from knowledge.services import problems as problem_services
from knowledge.services.common import soft_delete
from tests.api_permissions import (
    COORDINATOR_ONLY,
    COORDINATOR_READS,
    EVERYONE,
    MEMBERS_ACT,
    MEMBERS_CREATE,
    READ,
    cases,
    check,
    row,
    worlds_fixture,
)
from tests.factories import GlossaryTermFactory, ReplyFactory, StoryFactory

pytestmark = pytest.mark.django_db

# Another member wrote it: nobody here may change it.
AUTHOR_ONLY = {"public": row(401, 403, 403, 403, 403), "private": row(401, 404, 403, 403, 404)}
SEEN_OWN = {"public": row(401, 200, 200, 200, 200), "private": row(401, 404, 200, 200, 404)}

ENDPOINTS = [
    ("get", "/api/v1/problems/", None, EVERYONE),
    ("get", "/api/v1/problems/{problem}/", None, READ),
    (
        "post",
        "/api/v1/problems/",
        {"community": "{slug}", "title": "Stuck", "context": "On this"},
        MEMBERS_CREATE,
    ),
    ("get", "/api/v1/problems/{problem}/replies/", None, READ),
    ("post", "/api/v1/problems/{problem}/replies/", {"body": "Try this"}, MEMBERS_CREATE),
    # The member asked the problem: they and the coordinator accept.
    ("post", "/api/v1/problems/{problem}/accept/", {"reply": "{reply}"}, MEMBERS_ACT),
    ("get", "/api/v1/stories/", None, EVERYONE),
    ("get", "/api/v1/stories/{story}/", None, READ),
    ("get", "/api/v1/practices/", None, EVERYONE),
    ("get", "/api/v1/practices/{entry}/", None, READ),
    ("get", "/api/v1/practices/{entry}/revisions/", None, READ),
    # Another member wrote it: the member and the coordinator may say it worked for them.
    ("post", "/api/v1/practices/{entry}/validate/", {}, MEMBERS_ACT),
    ("get", "/api/v1/glossary/{term}/", None, READ),
    ("post", "/api/v1/glossary/{term}/accept/", None, COORDINATOR_ONLY),
    # Another member wrote these: only the coordinator (or the author) may.
    (
        "delete",
        "/api/v1/stories/{story}/",
        None,
        {"public": row(401, 403, 403, 204, 403), "private": row(401, 404, 403, 204, 404)},
    ),
    ("post", "/api/v1/practices/{entry}/status/", {"status": "archived"}, COORDINATOR_ONLY),
    # Only the author edits: the member, the coordinator and staff did not write it.
    (
        "patch",
        "/api/v1/stories/{story}/",
        {"title": "Mine now"},
        {"public": row(401, 403, 403, 403, 403), "private": row(401, 404, 403, 403, 404)},
    ),
    (
        "post",
        "/api/v1/glossary/",
        {"community": "{slug}", "term": "Toil", "definition": "Manual work"},
        MEMBERS_CREATE,
    ),
    ("get", "/api/v1/search/?q=stuck", None, EVERYONE),
    # The member asked: they and the coordinator may take a solution back.
    ("post", "/api/v1/problems/{problem}/unaccept/", {"reply": "{reply}"}, MEMBERS_ACT),
    # The problem is solved (see _curation): the asker or the coordinator promotes it.
    ("post", "/api/v1/problems/{problem}/promote/", {}, MEMBERS_CREATE),
    ("get", "/api/v1/replies/{reply}/", None, READ),
    ("patch", "/api/v1/replies/{reply}/", {"body": "Mine now"}, AUTHOR_ONLY),
    ("delete", "/api/v1/replies/{reply}/", None, {
        "public": row(401, 403, 403, 204, 403), "private": row(401, 404, 403, 204, 404)}),
    ("post", "/api/v1/replies/{solution}/endorse/", None, MEMBERS_ACT),
    # Taking back one's own "this worked for me" needs no membership: it is one's own.
    ("delete", "/api/v1/replies/{solution}/endorse/", None, SEEN_OWN),
    ("delete", "/api/v1/practices/{entry}/validate/", None, SEEN_OWN),
    ("get", "/api/v1/practices/{entry}/notes/", None, READ),
    ("post", "/api/v1/practices/{entry}/notes/", {"body": "Another way"}, MEMBERS_CREATE),
    ("post", "/api/v1/practices/{entry}/revert/", {"revision": 1}, AUTHOR_ONLY),
    ("get", "/api/v1/communities/{slug}/deleted/", None, COORDINATOR_READS),
    # the health dashboard's groupthink signals: whoever may read the dashboard
    ("get", "/api/v1/communities/{slug}/signals/", None, COORDINATOR_READS),
    ("get", "/api/v1/communities/{slug}/export/", None, COORDINATOR_READS),
    ("post", "/api/v1/stories/{deleted_story}/restore/", None, COORDINATOR_ONLY),
    ("post", "/api/v1/replies/{deleted_reply}/restore/", None, COORDINATOR_ONLY),
    ("post", "/api/v1/glossary/{proposed_term}/decline/", {}, COORDINATOR_ONLY),
]  # fmt: skip


def _curation(names, users) -> dict:
    """An accepted solution, and a story and a reply someone deleted."""
    problem = Problem.objects.get(pk=names["problem"])
    solution = Reply.objects.create(problem=problem, author=users["author"], body="This.")
    problem_services.accept_solution(reply=solution, by=users["coordinator"])
    story = StoryFactory(community=names["community"], author=users["author"])
    reply = ReplyFactory(problem=problem, author=users["author"])
    soft_delete(item=story, by=users["author"])
    soft_delete(item=reply, by=users["author"])
    proposed = GlossaryTermFactory(community=names["community"], status="proposed")
    return {"solution": solution.pk, "deleted_story": story.pk, "deleted_reply": reply.pk,
            "proposed_term": proposed.pk}  # fmt: skip


worlds = worlds_fixture(extra=_curation)


@pytest.mark.parametrize(
    ("method", "path", "body", "visibility", "caller", "expected"), cases(ENDPOINTS)
)
def test_endpoint_permissions(worlds, method, path, body, visibility, caller, expected):
    check(worlds, method, path, body, visibility, caller, expected)
