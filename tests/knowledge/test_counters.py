"""Counters kept by the services: problems' reply counts, practices' endorsement counts
and topics' use counts, always equal to a fresh count of the rows."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from care.enums import FlagReason, ModerationAction
from care.services.moderation import flag_content, moderate
from cop.enums import Role
from cop.models import Tag
from cop.services.comments import post_comment
from knowledge.models import PracticeEntry, Problem, Reply, Story
from knowledge.services import entries, problems, stories, validation
from knowledge.services.common import restore, soft_delete
from knowledge.services.counters import counters_agree, recount
from tests.concurrency import all_at_once
from tests.factories import CommunityFactory, TagFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    community = CommunityFactory()
    coordinator = make_member(community, role=Role.COORDINATOR)
    asker = make_member(community)
    tags = [TagFactory(community=community), TagFactory(community=community)]
    return community, coordinator, asker, tags


def _ask(community, author, tags):
    return problems.ask_problem(
        community=community, author=author, title="Flaky deploys", context="One in ten.", tags=tags
    )


def test_reply_count_follows_replies_deletes_and_restores(world):
    community, coordinator, asker, tags = world
    problem = _ask(community, asker, tags)
    helpers = [make_member(community) for _ in range(3)]
    replies = [
        problems.post_reply(problem=problem, author=h, body="Pin the image.") for h in helpers
    ]
    problem.refresh_from_db()
    assert problem.reply_count == 3
    soft_delete(item=replies[0], by=coordinator)
    soft_delete(item=replies[0], by=coordinator)  # already gone: nothing counted twice
    problem.refresh_from_db()
    assert problem.reply_count == 2
    restore(item=replies[0], by=coordinator)
    restore(item=replies[0], by=coordinator)
    problem.refresh_from_db()
    assert problem.reply_count == 3
    assert counters_agree(community)


def test_topic_use_count_follows_tagging_editing_deleting_and_restoring(world):
    community, coordinator, asker, (ops, infra) = world
    problem = _ask(community, asker, [ops])
    story = stories.tell_story(
        community=community,
        author=asker,
        title="The pager",
        situation="3am.",
        action="Rotated logs.",
        outcome="Back up.",
        tags=[ops, infra],
    )
    entry = entries.write_entry(
        community=community, author=asker, title="Roll back", body="Redeploy.", tags=[infra]
    )
    ops.refresh_from_db(), infra.refresh_from_db()
    assert (ops.use_count, infra.use_count) == (2, 2)
    problems.edit_problem(problem=problem, by=asker, title="Flaky", context="x", tags=[infra])
    ops.refresh_from_db(), infra.refresh_from_db()
    assert (ops.use_count, infra.use_count) == (1, 3)
    soft_delete(item=story, by=coordinator)
    ops.refresh_from_db(), infra.refresh_from_db()
    assert (ops.use_count, infra.use_count) == (0, 2)
    restore(item=story, by=coordinator)
    soft_delete(item=entry, by=asker)
    ops.refresh_from_db(), infra.refresh_from_db()
    assert (ops.use_count, infra.use_count) == (1, 2)
    assert counters_agree(community)


def test_endorsement_count_follows_endorse_and_withdraw(world):
    community, _coordinator, asker, _tags = world
    community.validation_threshold = 5
    community.save(update_fields=["validation_threshold"])
    entry = entries.write_entry(
        community=community, author=asker, title="Roll back", body="Redeploy.", publish=True
    )
    people = [make_member(community) for _ in range(3)]
    for person in people:
        validation.endorse_entry(entry=entry, user=person)
    validation.endorse_entry(entry=entry, user=people[0])  # again: counted once
    entry.refresh_from_db()
    assert entry.endorsement_count == 3
    validation.withdraw_endorsement(user=people[1], entry=entry)
    validation.withdraw_endorsement(user=people[1], entry=entry)
    entry.refresh_from_db()
    assert entry.endorsement_count == 2
    assert counters_agree(community)


def test_recount_repairs_counters_written_outside_the_services(world):
    community, coordinator, asker, tags = world
    problem = _ask(community, asker, tags)
    problems.post_reply(problem=problem, author=coordinator, body="Try this.")
    Problem.objects.update(reply_count=7)
    Tag.objects.update(use_count=0)
    PracticeEntry.objects.update(endorsement_count=3)
    assert not counters_agree(community)
    recount(community)
    assert counters_agree(community)
    problem.refresh_from_db()
    assert problem.reply_count == 1


def _quietly(fn):
    """Run `fn`; a refusal (the item was deleted meanwhile) is a normal outcome here."""
    try:
        return fn()
    except ValidationError:
        return None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_counters_stay_exact_under_concurrent_replies_deletes_and_restores(world):
    community, coordinator, asker, tags = world
    problem = _ask(community, asker, tags)
    helpers = [make_member(community) for _ in range(12)]
    replies = all_at_once(
        [
            (lambda h=h: problems.post_reply(problem=problem, author=h, body="Pin it."))
            for h in helpers
        ]
    )
    problem.refresh_from_db()
    assert problem.reply_count == 12
    # Everyone deletes the same four replies at once, and a coordinator restores two
    # of them twice over: each change counts once.
    doomed = replies[:4]
    all_at_once(
        [
            (
                lambda r=r: _quietly(
                    lambda: soft_delete(item=Reply.objects.get(pk=r.pk), by=coordinator)
                )
            )
            for r in doomed
            for _ in range(3)
        ]
    )
    problem.refresh_from_db()
    assert problem.reply_count == 8
    all_at_once(
        [
            (lambda r=r: restore(item=Reply.objects.get(pk=r.pk), by=coordinator))
            for r in doomed[:2] * 3
        ]
    )
    problem.refresh_from_db()
    assert problem.reply_count == 10
    # Concurrent edits of the tags and deletes of tagged items leave exact topic counts.
    extra = TagFactory(community=community)
    story = stories.tell_story(
        community=community, author=asker, title="t", situation="s", action="a", outcome="o",
        tags=tags,
    )  # fmt: skip
    all_at_once(
        [
            lambda: problems.edit_problem(
                problem=problem, by=asker, title="x", context="y", tags=[extra]
            ),
            lambda: problems.edit_problem(
                problem=problem, by=asker, title="x", context="y", tags=[extra, tags[0]]
            ),
            lambda: _quietly(
                lambda: soft_delete(item=Story.objects.get(pk=story.pk), by=coordinator)
            ),
            lambda: _quietly(lambda: soft_delete(item=Story.objects.get(pk=story.pk), by=asker)),
        ]
    )
    assert counters_agree(community)


def _hide(item, by, hidden=True):
    """Moderation hides (or shows) an item, through the care queue as coordinators do."""
    case = flag_content(user=make_member(item_community(item)), obj=item, reason=FlagReason.SPAM)
    moderate(
        case=case.case,
        by=by,
        action=ModerationAction.HIDE if hidden else ModerationAction.RESTORE,
    )


def item_community(item):
    return item.problem.community if isinstance(item, Reply) else item.community


def test_hidden_replies_and_items_leave_the_counts_once(world):
    community, coordinator, asker, (ops, _infra) = world
    problem = _ask(community, asker, [ops])
    reply = problems.post_reply(problem=problem, author=make_member(community), body="Pin it.")
    _hide(reply, coordinator)
    problem.refresh_from_db()
    assert problem.reply_count == 0 and counters_agree(community)
    soft_delete(item=reply, by=coordinator)  # already out of the count: not twice
    restore(item=reply, by=coordinator)  # back from deletion, still hidden
    problem.refresh_from_db()
    assert problem.reply_count == 0 and counters_agree(community)
    _hide(reply, coordinator, hidden=False)
    problem.refresh_from_db()
    assert problem.reply_count == 1 and counters_agree(community)

    story = stories.tell_story(
        community=community, author=asker, title="T", situation="S", action="A", outcome="O",
        tags=[ops],
    )  # fmt: skip
    ops.refresh_from_db()
    assert ops.use_count == 2
    _hide(story, coordinator)
    ops.refresh_from_db()
    assert ops.use_count == 1 and counters_agree(community)


def test_recount_command_repairs_every_registered_counter(world):
    community, coordinator, asker, tags = world
    problem = _ask(community, asker, tags)
    problems.post_reply(problem=problem, author=coordinator, body="One.")
    story = stories.tell_story(
        community=community, author=asker, title="T", situation="S", action="A", outcome="O"
    )
    post_comment(target=story, author=coordinator, body="Thanks for this.")
    Problem.objects.update(reply_count=9)
    Story.objects.update(comment_count=7)
    out = io.StringIO()
    call_command("recount", "--community", community.slug, stdout=out)
    assert "Recounted comments." in out.getvalue()
    problem.refresh_from_db()
    story.refresh_from_db()
    assert (problem.reply_count, story.comment_count) == (1, 1)
    assert counters_agree(community)
    with pytest.raises(CommandError, match="No community"):
        call_command("recount", "--community", "nowhere")
