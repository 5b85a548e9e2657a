"""The knowledge services that lock rows, called as a view calls them: in autocommit on
PostgreSQL, where `select_for_update` outside `transaction.atomic` raises. Posting and
editing go through `set_tags`, which locks the item and relies on its caller's atomic."""

import pytest
from django.db import transaction

from knowledge.enums import EntryStatus, ProblemStatus
from knowledge.models import Endorsement, ExpertValidation, PracticeEntry, Problem, Reply
from knowledge.services import entries, problems, stories, validation
from knowledge.services.common import restore, set_hidden, set_tags, soft_delete
from knowledge.services.counters import counters_agree
from tests.concurrency import all_at_once
from tests.factories import CommunityFactory, TagFactory, UserFactory, make_member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def coordinator():
    return UserFactory()


@pytest.fixture
def community(coordinator):
    return CommunityFactory(coordinator=coordinator, validation_threshold=2)


@pytest.fixture
def author(community):
    return make_member(community)


@pytest.fixture
def tag(community):
    return TagFactory(community=community, name="ci")


def _tags(item):
    return list(type(item).objects.get(pk=item.pk).tags.values_list("name", flat=True))


def _story(community, author, tags):
    return stories.tell_story(
        community=community,
        author=author,
        title="The long night",
        situation="The pager rang.",
        action="We rolled back.",
        outcome="Quiet again.",
        tags=tags,
    )


def _problem(community, author, tags):
    return problems.ask_problem(
        community=community, author=author, title="Slow builds", context="An hour.", tags=tags
    )


def _entry(community, author, tags):
    return entries.write_entry(
        community=community, author=author, title="Cache", body="Cache it.", tags=tags, publish=True
    )


def _edit_story(item, by, tags):
    stories.edit_story(
        story=item, by=by, title="Night", situation="Pager.", action="Undo.", outcome="", tags=tags
    )


def _edit_problem(item, by, tags):
    problems.edit_problem(problem=item, by=by, title="Slow CI", context="Still.", tags=tags)


def _edit_entry(item, by, tags):
    entries.edit_entry(entry=item, by=by, title="Cache more", body="Cache all.", tags=tags)


@pytest.mark.parametrize(
    ("post", "edit"),
    [(_story, _edit_story), (_problem, _edit_problem), (_entry, _edit_entry)],
    ids=["tell_story+edit_story", "ask_problem+edit_problem", "write_entry+edit_entry"],
)
def test_posting_and_editing_sets_the_tags_under_a_lock(community, author, tag, post, edit):
    item = post(community, author, [tag])
    assert _tags(item) == ["ci"]
    edit(item, author, [])
    assert _tags(item) == []


def test_set_tags_inside_its_callers_transaction(community, author, tag):

    item = _story(community, author, [])
    with transaction.atomic():
        set_tags(item, [tag])
    assert _tags(item) == ["ci"]


@pytest.fixture
def solved(community, author):
    problem = _problem(community, author, [])
    reply = problems.post_reply(problem=problem, author=make_member(community), body="Cache.")
    problems.accept_solution(reply=reply, by=author)
    return problem, reply


def test_accept_and_unaccept_solution(solved, author):
    problem, reply = solved
    assert Reply.objects.get(pk=reply.pk).is_solution
    assert Problem.objects.get(pk=problem.pk).status == ProblemStatus.SOLVED
    problems.unaccept_solution(reply=reply, by=author)
    assert not Reply.objects.get(pk=reply.pk).is_solution
    assert Problem.objects.get(pk=problem.pk).status == ProblemStatus.OPEN


def test_promote_problem_makes_a_practice_from_it(solved, author):
    problem, _ = solved
    entry = entries.promote_problem(problem=problem, by=author)
    assert PracticeEntry.objects.get(pk=entry.pk).source_problem_id == problem.pk


def test_revert_entry_brings_an_old_version_back(community, author):
    entry = _entry(community, author, [])
    _edit_entry(entry, author, [])
    entries.revert_entry(entry=entry, to_number=1, by=author)
    assert PracticeEntry.objects.values_list("title", "body").get(pk=entry.pk) == (
        "Cache",
        "Cache it.",
    )


def test_change_status_archives_a_practice(community, author):
    entry = _entry(community, author, [])
    entries.change_status(entry=entry, to=EntryStatus.ARCHIVED, by=author)
    assert PracticeEntry.objects.get(pk=entry.pk).status == EntryStatus.ARCHIVED


def test_endorse_entry_and_validate_as_expert(community, author, coordinator):
    entry = _entry(community, author, [])
    endorser = make_member(community)
    validation.endorse_entry(entry=entry, user=endorser)
    assert Endorsement.objects.filter(entry=entry, user=endorser).exists()
    validation.validate_as_expert(entry=entry, by=coordinator, comment="Works for us.")
    assert ExpertValidation.objects.filter(entry=entry, validator=coordinator).exists()
    assert PracticeEntry.objects.get(pk=entry.pk).status == EntryStatus.VALIDATED


def test_delete_restore_and_hide_in_autocommit_count_a_reply_out_once(community, coordinator):
    """Deleting and hiding the same reply at the same moment take it out of its problem's
    count once: both decide under the row's lock."""
    problem = _problem(community, make_member(community), [])
    reply = problems.post_reply(problem=problem, author=make_member(community), body="Cache it.")
    all_at_once(
        [
            lambda: soft_delete(item=Reply.objects.get(pk=reply.pk), by=coordinator),
            lambda: set_hidden(Reply.objects.get(pk=reply.pk), True),
        ]
    )
    assert Problem.objects.get(pk=problem.pk).reply_count == 0
    restore(item=Reply.objects.get(pk=reply.pk), by=coordinator)  # still hidden
    assert Problem.objects.get(pk=problem.pk).reply_count == 0
    set_hidden(Reply.objects.get(pk=reply.pk), False)
    assert Problem.objects.get(pk=problem.pk).reply_count == 1
    assert counters_agree(community)
