"""Follow notifications survive a lost task: the notice row commits with the content and
the sweeper delivers what the task did not; practices' revisions and notes reach their
followers."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from care.models import FollowNotice
from care.services.follows import follow, sweep_follow_notices
from care.tasks import notify_followers_task
from cop.enums import NotificationKind
from cop.models import Notification
from knowledge.enums import EntryStatus, NoteKind
from knowledge.services import entries, problems
from tests.factories import TagFactory, make_member

pytestmark = pytest.mark.django_db


def _followed(user):
    return list(
        Notification.objects.filter(recipient=user, kind=NotificationKind.FOLLOWED)
        .order_by("pk")
        .values_list("url", flat=True)
    )


def _ask(community, author, title="Night handover"):
    """A problem, and no notice left of it (nobody followed anything yet)."""
    problem = problems.ask_problem(community=community, author=author, title=title, context="C")
    FollowNotice.objects.all().delete()
    return problem


def test_the_notice_commits_with_the_content_and_goes_once_told(
    community, author, member, django_capture_on_commit_callbacks
):
    problem = _ask(community, author)
    follow(user=member, obj=problem)
    with django_capture_on_commit_callbacks(execute=True):
        reply = problems.post_reply(problem=problem, author=author, body="Try a checklist")
    assert _followed(member) == [reply.get_absolute_url()]
    assert not FollowNotice.objects.exists()


def test_a_lost_task_is_finished_by_the_sweeper_once(
    community, author, member, django_capture_on_commit_callbacks
):
    problem = _ask(community, author)
    follow(user=member, obj=problem)
    with django_capture_on_commit_callbacks(execute=False):  # the broker lost the task
        reply = problems.post_reply(problem=problem, author=author, body="Try a checklist")
    [notice] = FollowNotice.objects.all()
    assert (notice.kind_key, notice.object_id) == ("reply", reply.pk)
    assert _followed(member) == []
    assert sweep_follow_notices() == 0  # too young: its task may still be on its way
    with time_machine.travel(timezone.now() + timedelta(minutes=3), tick=False):
        assert sweep_follow_notices() == 1
        assert sweep_follow_notices() == 0
    assert _followed(member) == [reply.get_absolute_url()]
    assert not FollowNotice.objects.exists()
    # The task arriving late finds nothing left to do, and tells nobody twice.
    assert notify_followers_task(notice_id=notice.pk) == 0
    assert _followed(member) == [reply.get_absolute_url()]


def test_a_task_of_the_earlier_form_still_delivers(community, author, member):
    problem = _ask(community, author)
    follow(user=member, obj=problem)
    reply = problems.post_reply(problem=problem, author=author, body="Try a checklist")
    Notification.objects.filter(recipient=member).delete()
    told = notify_followers_task(kind_key="reply", pk=reply.pk, targets=[["problem", problem.pk]])
    assert told == 1 and _followed(member) == [reply.get_absolute_url()]


def test_followers_of_a_practice_hear_of_its_revisions_and_notes(
    community, author, member, django_capture_on_commit_callbacks
):
    topic = TagFactory(community=community)
    entry = entries.write_entry(
        community=community, author=author, title="Handover checklist", body="Five lines.",
        tags=[topic], publish=True,
    )  # fmt: skip
    follow(user=member, obj=entry)
    with django_capture_on_commit_callbacks(execute=True):
        entries.edit_entry(
            entry=entry, by=author, title=entry.title, body="Six lines.", tags=[topic]
        )
    [revision_url] = _followed(member)
    assert revision_url.endswith("/history/#revision-2")
    with django_capture_on_commit_callbacks(execute=True):
        note = entries.add_note(
            entry=entry, author=make_member(community), body="We use five.", kind=NoteKind.DISSENT
        )
    assert _followed(member)[-1] == f"{entry.get_absolute_url()}#note-{note.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        entries.revert_entry(entry=entry, to_number=1, by=author)
    assert len(_followed(member)) == 3
    assert not _followed(author)  # never about one's own change


def test_a_draft_practice_tells_nobody_of_its_edits(
    community, author, member, django_capture_on_commit_callbacks
):
    entry = entries.write_entry(
        community=community, author=author, title="Draft", body="One.", publish=False
    )
    assert entry.status == EntryStatus.DRAFT
    follow(user=author, obj=entry)
    with django_capture_on_commit_callbacks(execute=True):
        entries.edit_entry(entry=entry, by=author, title="Draft", body="Two.")
    assert not FollowNotice.objects.exists() and not _followed(member)
