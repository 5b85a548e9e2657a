"""Problems and replies: ask, answer, accept one or more solutions."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cop.content import published
from cop.enums import AuditAction, NotificationKind, ParticipationKind
from cop.models import Community, Tag, User
from cop.rules import is_participant, membership_of
from cop.services.audit import record
from cop.services.notifications import notify
from cop.services.participation import record_participation, withdraw_participation
from knowledge.enums import ProblemStatus
from knowledge.models import Problem, Reply, Story
from knowledge.search import index_object, unindex_object
from meetings.models import AgendaItem  # the meetings app links to problems

from .common import (
    _bump_tags,
    _contributed,
    bump,
    changed,
    clean_tags,
    notify_mentioned,
    require_live,
    require_text,
    set_tags,
)


@transaction.atomic
def ask_problem(
    *,
    community: Community,
    author: User,
    title: str,
    context: str,
    tried: str = "",
    tags: list[Tag] | None = None,
) -> Problem:
    """Bring a problem (active members). Side effects: ASKED_PROBLEM participation,
    search index."""
    if not is_participant(author, community):
        raise ValidationError(_("Only members of this community can post problems here."))
    require_text(title=title, context=context)
    tags = clean_tags(community, tags)
    problem = Problem.objects.create(
        community=community, author=author, title=title.strip(), context=context, tried=tried
    )
    _contributed(
        problem,
        kind=ParticipationKind.ASKED_PROBLEM,
        author=author,
        tags=tags,
        summary=problem.title,
    )
    changed(problem)
    notify_mentioned(item=problem, author=author, text=f"{problem.context}\n\n{problem.tried}")
    membership = membership_of(author, community)
    published(
        problem,
        targets=[("topic", tag.pk) for tag in tags]
        + ([("member", membership.pk)] if membership is not None else []),
    )
    return problem


@transaction.atomic
def edit_problem(
    *,
    problem: Problem,
    by: User,
    title: str,
    context: str,
    tried: str = "",
    tags: list[Tag] | None = None,
) -> Problem:
    """Change a problem (its author). Side effects: search index of it and its replies."""
    require_live(problem)
    require_text(title=title, context=context)
    tags = clean_tags(problem.community, tags)
    previous_text = f"{problem.context}\n\n{problem.tried}"
    problem.title = title.strip()
    problem.context = context
    problem.tried = tried
    problem.updated_at = timezone.now()
    problem.save(update_fields=["title", "context", "tried", "updated_at"])
    set_tags(problem, tags)
    changed(problem)
    index_object(problem)
    for reply in problem.replies.filter(deleted_at__isnull=True):
        index_object(reply)  # replies carry the problem's title and tags
    notify_mentioned(
        item=problem, author=by, text=f"{context}\n\n{tried}", previous_text=previous_text
    )
    return problem


@transaction.atomic
def post_reply(*, problem: Problem, author: User, body: str) -> Reply:
    """Answer a problem (active members). Side effects: the problem's reply count and
    last activity, ANSWERED_PROBLEM participation (once per problem), a REPLY
    notification to the asker, search index."""
    require_live(problem)
    require_text(body=body)
    reply = Reply.objects.create(problem=problem, author=author, body=body)
    # One UPDATE keeps the count exact under concurrent replies (no read-modify-write).
    Problem.objects.filter(pk=problem.pk).update(
        reply_count=bump("reply_count", 1), updated_at=reply.created_at
    )
    problem.updated_at = reply.created_at
    changed(reply)
    if author.pk != problem.author_id:
        record_participation(
            kind=ParticipationKind.ANSWERED_PROBLEM,
            user=author,
            community=problem.community,
            subject=problem,
            summary=problem.title,
        )
        if problem.author is not None:
            notify(
                recipient=problem.author,
                kind=NotificationKind.REPLY,
                title=_("%(name)s replied to your problem “%(title)s”")
                % {"name": author.name, "title": problem.title},
                body=body[:500],
                url=reply.get_absolute_url(),
                community=problem.community,
                actor=author,
            )
    index_object(reply)
    notify_mentioned(item=reply, author=author, text=body)
    published(reply, targets=[("problem", problem.pk)])
    return reply


@transaction.atomic
def edit_reply(*, reply: Reply, by: User, body: str) -> Reply:
    """Change a reply (its author). Side effect: search index."""
    require_live(reply)
    require_text(body=body)
    previous_text = reply.body
    reply.body = body
    reply.updated_at = timezone.now()
    reply.save(update_fields=["body", "updated_at"])
    changed(reply)
    index_object(reply)
    notify_mentioned(item=reply, author=by, text=body, previous_text=previous_text)
    return reply


@transaction.atomic
def accept_solution(*, reply: Reply, by: User) -> Reply:
    """Accept a reply as a solution (the asker or a coordinator). Several replies may be
    accepted; the problem becomes solved with the first. Side effects: SOLUTION_ACCEPTED
    participation for the replier and a SOLUTION_ACCEPTED notification to them."""
    reply = Reply.objects.select_for_update().select_related("problem__community").get(pk=reply.pk)
    problem = reply.problem
    if reply.is_deleted or problem.is_deleted:
        raise ValidationError(_("This reply was deleted."))
    if reply.is_solution:
        return reply
    now = timezone.now()
    reply.is_solution = True
    reply.accepted_by = by
    reply.accepted_at = now
    reply.save(update_fields=["is_solution", "accepted_by", "accepted_at"])
    changed(problem)
    if problem.status != ProblemStatus.SOLVED:
        problem.status = ProblemStatus.SOLVED
        problem.solved_at = now
        problem.save(update_fields=["status", "solved_at"])
        index_object(problem)
    index_object(reply)
    if reply.author is not None and reply.author_id != by.pk:
        record_participation(
            kind=ParticipationKind.SOLUTION_ACCEPTED,
            user=reply.author,
            community=problem.community,
            subject=reply,
            summary=problem.title,
        )
        notify(
            recipient=reply.author,
            kind=NotificationKind.SOLUTION_ACCEPTED,
            title=_("Your answer to “%(title)s” was accepted as a solution")
            % {"title": problem.title},
            url=reply.get_absolute_url(),
            community=problem.community,
            actor=by,
        )
    return reply


@transaction.atomic
def unaccept_solution(*, reply: Reply, by: User) -> Reply:
    """Withdraw the acceptance of a solution (the asker or a coordinator). When no accepted
    solution remains the problem is open again. Side effect: the replier's
    SOLUTION_ACCEPTED participation is taken back."""
    reply = Reply.objects.select_for_update().select_related("problem__community").get(pk=reply.pk)
    if not reply.is_solution:
        return reply
    reply.is_solution = False
    reply.accepted_by = None
    reply.accepted_at = None
    reply.save(update_fields=["is_solution", "accepted_by", "accepted_at"])
    problem = reply.problem
    changed(problem)
    if reply.author is not None:
        # The acceptance is taken back, and so are the points it gave.
        withdraw_participation(
            kind=ParticipationKind.SOLUTION_ACCEPTED,
            user=reply.author,
            community=problem.community,
            subject=reply,
        )
    if not problem.replies.filter(is_solution=True, deleted_at__isnull=True).exists():
        problem.status = ProblemStatus.OPEN
        problem.solved_at = None
        problem.save(update_fields=["status", "solved_at"])
        index_object(problem)
    index_object(reply)
    return reply


@transaction.atomic
def merge_problem(*, duplicate: Problem, into: Problem, by: User) -> Problem:
    """Merge `duplicate` into `into`, two problems of one community (its coordinators).

    The duplicate's replies (solutions and endorsements with them, deleted ones too, so
    history stays) move to `into`; stories and agenda items that pointed at it point at
    `into`; the duplicate is soft-deleted with `merged_into` set, so it leaves lists and
    search and its address redirects to `into`. Participation already earned stays as it
    was. Side effects: both reply counts, `into` solved when a moved reply is an accepted
    solution, the topics' use counts, search index of `into` and the moved replies, an
    audit entry, and a notification to the duplicate's asker."""

    if duplicate.pk == into.pk:
        raise ValidationError(_("A problem cannot be merged into itself."))
    # Both rows locked in id order: two coordinators merging crosswise cannot deadlock
    # or leave a cycle.
    locked = {
        p.pk: p
        for p in Problem.objects.select_for_update(of=("self",))
        .select_related("community", "author")
        .filter(pk__in=[duplicate.pk, into.pk])
        .order_by("pk")
    }
    duplicate, into = locked.get(duplicate.pk), locked.get(into.pk)
    if duplicate is None or into is None:
        raise ValidationError(_("That problem does not exist."))
    if duplicate.community_id != into.community_id:
        raise ValidationError(_("Only problems of the same community can be merged."))
    if duplicate.is_deleted or into.is_deleted:
        raise ValidationError(_("A deleted or already merged problem cannot be merged."))
    replies = Reply.objects.filter(problem=duplicate)
    live_moved = replies.filter(deleted_at__isnull=True, hidden_at__isnull=True).count()
    solutions = list(
        replies.filter(is_solution=True, deleted_at__isnull=True).values_list(
            "accepted_at", flat=True
        )
    )
    moved_ids = list(replies.filter(deleted_at__isnull=True).values_list("pk", flat=True))
    replies.update(problem=into)
    changed(into)
    now = timezone.now()
    into_fields = {"reply_count": bump("reply_count", live_moved), "updated_at": now}
    if solutions and into.status != ProblemStatus.SOLVED:
        into_fields.update(status=ProblemStatus.SOLVED, solved_at=min(a or now for a in solutions))
    Problem.objects.filter(pk=into.pk).update(**into_fields)
    into.refresh_from_db()
    Story.objects.filter(problem=duplicate).update(problem=into)
    AgendaItem.objects.filter(problem=duplicate).update(problem=into)
    Problem.objects.filter(pk=duplicate.pk).update(
        merged_into=into, deleted_at=now, deleted_by=by, reply_count=0
    )
    duplicate.merged_into, duplicate.deleted_at, duplicate.deleted_by = into, now, by
    if duplicate.hidden_at is None:  # a hidden problem has left its topics' counts already
        _bump_tags(list(duplicate.tags.values_list("pk", flat=True)), -1)
    unindex_object(duplicate)
    index_object(into)
    for reply in Reply.objects.filter(pk__in=moved_ids).select_related("problem"):
        index_object(reply)
    record(
        community=into.community,
        actor=by,
        action=AuditAction.PROBLEM_MERGED,
        summary=_("“%(duplicate)s” merged into “%(into)s”")
        % {"duplicate": duplicate.title, "into": into.title},
        url=into.get_absolute_url(),
    )
    if duplicate.author is not None and duplicate.author_id != by.pk:
        notify(
            recipient=duplicate.author,
            kind=NotificationKind.REPLY,
            title=_("Your problem “%(duplicate)s” was merged into “%(into)s”")
            % {"duplicate": duplicate.title, "into": into.title},
            body=_("Its replies are there now, with the other answers."),
            url=into.get_absolute_url(),
            community=into.community,
            actor=by,
        )
    return into
