"""Reads of the knowledge app. Each owns its joins and its visibility filter: nothing of a
private community reaches someone who is not an active member of it (404 on pages,
absent from lists and search), and soft-deleted items appear nowhere but to
coordinators who may restore them."""

import difflib
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cop.enums import MembershipStatus, Role
from cop.models import Community, Membership, Tag
from cop.permissions import allowed
from cop.rules import can_view_community, is_coordinator
from cop.selectors.communities import visible_communities
from cop.services.notifications import digest_communities
from meetings.enums import MeetingStatus
from meetings.models import Meeting
from meetings.selectors import linkable_meetings

from . import rules as perms
from .enums import EntryKind, EntryStatus, NoteKind, ProblemStatus, TermStatus
from .models import (
    Endorsement,
    GlossaryTerm,
    Note,
    PracticeEntry,
    Problem,
    Reply,
    Revision,
    Story,
)
from .rendering import TermLink, term_links

_TAGS = Prefetch("tags", queryset=Tag.objects.order_by("name"))


def _live(queryset: QuerySet) -> QuerySet:
    """Not deleted and not hidden by moderation: what lists show everyone. (The partial
    indexes are on `deleted_at IS NULL`; hidden rows are rare and filtered on the way.)"""
    return queryset.filter(deleted_at__isnull=True, hidden_at__isnull=True)


# --- lists -------------------------------------------------------------------------------


def visible_entries(queryset: QuerySet, user) -> QuerySet:
    """Practice entries `user` may see among `queryset`: published ones, and drafts only
    for their author and the coordinators of their community. The queryset form of
    `knowledge.rules.can_view` (pages, API, search, export and feeds all use it)."""
    shown = ~Q(status=EntryStatus.DRAFT)
    if user is not None and user.is_authenticated:
        coordinated = Membership.objects.filter(
            user=user, role=Role.COORDINATOR, status=MembershipStatus.ACTIVE
        ).values("community_id")
        shown |= Q(author=user) | Q(community__in=coordinated)
    return queryset.filter(shown)


def live_in_visible(model, user) -> QuerySet:
    """Live (not deleted) stories, problems or practices of every community `user` may
    see: the one visibility filter for lists that span communities."""
    items = _live(model.objects.filter(community__in=visible_communities(user)))
    if model is PracticeEntry:
        items = visible_entries(items, user)
    return items.select_related("community", "author")


def _tagged(queryset: QuerySet, tag: str) -> QuerySet:
    """Items carrying the topic `tag` (a slug); no filter without one. A tag with a NUL
    byte matches nothing rather than reaching PostgreSQL, which refuses NUL in text."""
    if "\x00" in tag:
        return queryset.none()
    return queryset.filter(tags__slug=tag) if tag else queryset


# The columns a list shows: the long texts and the author's other fields (password hash
# included) stay in the database.
_AUTHOR = ("author__id", "author__display_name", "author__email")
STORY_COLUMNS = ("id", "community_id", "title", "created_at", "author", *_AUTHOR)
PROBLEM_COLUMNS = (
    "id", "community_id", "title", "status", "reply_count", "created_at", "author", *_AUTHOR
)  # fmt: skip


def story_list(community: Community, *, tag: str = "") -> QuerySet[Story]:
    """Live stories of `community`, newest first (the `story_live_recent` index)."""
    stories = _tagged(_live(Story.objects.filter(community=community)), tag)
    return (
        stories.select_related("author")
        .only(*STORY_COLUMNS)
        .annotate(lesson_excerpt=Substr("lesson", 1, 200))
        .prefetch_related(_TAGS)
        .order_by("-created_at", "-id")
    )


def problem_list(community: Community, *, status: str = "", tag: str = "") -> QuerySet[Problem]:
    """Live problems of `community`, newest first, by status ("unanswered": open with no
    live reply) and topic. Reply counts are the stored counter: nothing is aggregated
    per request, and each filter has a partial index in its order."""
    problems = _live(Problem.objects.filter(community=community))
    if status in ProblemStatus.values:
        problems = problems.filter(status=status)
    if status == "unanswered":
        problems = problems.filter(status=ProblemStatus.OPEN, reply_count=0)
    problems = _tagged(problems, tag)
    return (
        problems.select_related("author")
        .only(*PROBLEM_COLUMNS)
        .prefetch_related(_TAGS)
        .order_by("-created_at", "-id")
    )


def entry_list(
    community: Community,
    *,
    status: str = "",
    kind: str = "",
    tag: str = "",
    user=None,
    review_due: bool = False,
) -> QuerySet[PracticeEntry]:
    """Live practices of the community; drafts only those `user` may see (none without a
    user); with `review_due`, only published ones past their review date."""
    entries = visible_entries(_live(PracticeEntry.objects.filter(community=community)), user)
    if review_due:
        entries = entries.filter(
            status__in=[EntryStatus.NOT_VALIDATED, EntryStatus.VALIDATED],
            review_date__lt=timezone.now().date(),
        )
    if status in EntryStatus.values:
        entries = entries.filter(status=status)
    else:
        entries = entries.exclude(status=EntryStatus.ARCHIVED)
    if kind in EntryKind.values:
        entries = entries.filter(kind=kind)
    entries = _tagged(entries, tag)
    return (
        entries.select_related("author", "owner")
        .defer("body", "author__password", "owner__password", "author__bio", "owner__bio")
        .prefetch_related(_TAGS)
        .order_by("-updated_at", "-id")
    )


def knowledge_home(community: Community, *, limit: int = 5) -> dict:
    """The knowledge home: recent stories, unanswered problems, validated practices, tags
    with how much is filed under each (their stored use counts)."""
    tags = Tag.objects.filter(community=community).order_by("name")
    return {
        "stories": list(story_list(community)[:limit]),
        "unanswered": list(problem_list(community, status="unanswered")[:limit]),
        "open_problems": list(problem_list(community, status=ProblemStatus.OPEN)[:limit]),
        "validated": list(entry_list(community, status=EntryStatus.VALIDATED)[:limit]),
        "tags": list(tags),
    }


def home_section(*, community: Community, user, membership) -> dict:
    """The community home's section: recent stories and open problems (2 queries + tags)."""
    return {
        "stories": list(
            _live(Story.objects.filter(community=community))
            .select_related("author")
            .only(*STORY_COLUMNS)
            .order_by("-created_at", "-id")[:3]
        ),
        "open_problems": list(
            _live(Problem.objects.filter(community=community, status=ProblemStatus.OPEN))
            .only("id", "community_id", "title", "reply_count", "created_at")
            .order_by("-created_at", "-id")[:5]
        ),
    }


def glossary(community: Community, *, include_proposed: bool = True) -> QuerySet[GlossaryTerm]:
    terms = (
        GlossaryTerm.objects.filter(community=community)
        .exclude(status=TermStatus.DECLINED)
        .select_related("proposed_by")
    )
    if not include_proposed:
        terms = terms.filter(status=TermStatus.ACCEPTED)
    return terms.order_by("term")


def glossary_links(community: Community) -> list[TermLink]:
    """Accepted terms as links for `knowledge.rendering.link_glossary` (one query)."""
    url = reverse("knowledge:glossary", kwargs={"slug": community.slug})
    return term_links(glossary(community, include_proposed=False), url)


# --- fetch and authorise -----------------------------------------------------------------


def _access(queryset: QuerySet, user, pk: int, *, include_deleted: bool = False):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404("Not found.")
    community = obj.problem.community if isinstance(obj, Reply) else obj.community
    if not allowed(user, "knowledge.view", obj):
        raise Http404("Not found.")
    if obj.deleted_at is not None and not include_deleted:
        raise Http404("Deleted.")
    if obj.hidden_at is not None and not (
        perms.is_author(user, obj) or is_coordinator(user, community)
    ):
        # Hidden pending review: its author and the coordinators only.
        raise Http404("Not found.")
    return obj


def access_story(user, community: Community, pk: int) -> Story:
    return _access(
        Story.objects.filter(community=community)
        .select_related("community", "author", "problem", "entry", "meeting")
        .prefetch_related(_TAGS),
        user,
        pk,
    )


def access_problem(user, community: Community, pk: int) -> Problem:
    return _access(
        Problem.objects.filter(community=community)
        .select_related("community", "author", "promoted_entry")
        .prefetch_related(_TAGS),
        user,
        pk,
    )


def merged_target(user, community: Community, pk: int) -> Problem | None:
    """The live problem that problem `pk` of `community` was merged into, when the viewer
    may see it: its old address redirects there."""
    problem = (
        Problem.objects.filter(community=community, pk=pk, merged_into__isnull=False)
        .select_related("merged_into__community")
        .first()
    )
    target = problem.merged_into if problem is not None else None
    if target is None or target.deleted_at is not None or not perms.can_view(user, target):
        return None
    return target


def access_reply(user, community: Community, pk: int) -> Reply:
    reply = _access(
        Reply.objects.filter(problem__community=community).select_related(
            "problem__community", "problem__author", "author"
        ),
        user,
        pk,
    )
    if reply.problem.deleted_at is not None:
        raise Http404("Deleted.")
    return reply


def access_entry(user, community: Community, pk: int) -> PracticeEntry:
    return _access(
        PracticeEntry.objects.filter(community=community)
        .select_related("community", "author", "owner", "source_problem")
        .prefetch_related(_TAGS),
        user,
        pk,
    )


def access_term(user, community: Community, pk: int) -> GlossaryTerm:
    term = GlossaryTerm.objects.filter(community=community, pk=pk).select_related("community")
    term = term.first()
    if term is None or not can_view_community(user, community):
        raise Http404("Not found.")
    return term


# --- detail pages ------------------------------------------------------------------------


def problem_replies(problem: Problem, user) -> list[Reply]:
    """Live replies, solutions first, with endorsement counts and whether the viewer
    endorsed each."""
    replies = problem.replies.filter(deleted_at__isnull=True)
    if not is_coordinator(user, problem.community):
        # A reply hidden by moderation stays on the page for its author only (marked).
        shown = Q(hidden_at__isnull=True)
        if user.is_authenticated:
            shown |= Q(author=user)
        replies = replies.filter(shown)
    replies = (
        replies.select_related("author", "accepted_by")
        .annotate(endorsement_count=Count("endorsements"))
        .order_by("-is_solution", "created_at")
    )
    if user.is_authenticated:
        replies = replies.annotate(
            endorsed_by_me=Count("endorsements", filter=Q(endorsements__user=user))
        )
    replies = list(replies)
    for reply in replies:
        reply.problem = problem  # the page's own row: rules read its community, no query
    return replies


@dataclass
class EntryValidation:
    endorsements: int
    endorsed_by_me: bool
    experts: list
    notes: list[Note]
    reset_note: Note | None = None  # the last time a rewrite sent it back to validation


def entry_validation(entry: PracticeEntry, user) -> EntryValidation:
    endorsements = list(Endorsement.objects.filter(entry=entry).values_list("user_id", flat=True))
    experts = list(entry.expert_validations.select_related("validator").order_by("created_at"))
    notes = list(entry.notes.select_related("author").order_by("created_at"))
    resets = [note for note in notes if note.kind == NoteKind.REVALIDATION]
    return EntryValidation(
        endorsements=len(endorsements),
        endorsed_by_me=user.is_authenticated and user.pk in endorsements,
        experts=experts,
        notes=notes,
        reset_note=resets[-1] if resets else None,
    )


@dataclass
class RevisionDiff:
    revision: Revision
    title_changed: bool
    previous_title: str
    lines: list[tuple[str, str]]  # (css class, text)


def revision_history(entry: PracticeEntry) -> list[RevisionDiff]:
    """Every revision, newest first, each with a line diff against the one before."""
    revisions = list(entry.revisions.select_related("author").order_by("number"))
    diffs = []
    previous = None
    for revision in revisions:
        old_lines = previous.body.splitlines() if previous else []
        lines = []
        for line in difflib.unified_diff(old_lines, revision.body.splitlines(), lineterm="", n=2):
            if line.startswith(("---", "+++")):
                continue
            css = {"+": "added", "-": "removed", "@": "hunk"}.get(line[:1], "context")
            lines.append((css, line))
        diffs.append(
            RevisionDiff(
                revision=revision,
                title_changed=previous is not None and previous.title != revision.title,
                previous_title=previous.title if previous else "",
                lines=lines,
            )
        )
        previous = revision
    return list(reversed(diffs))


def problem_choices(community: Community) -> QuerySet[Problem]:
    return _live(Problem.objects.filter(community=community)).only("pk", "title").order_by("-pk")


def entry_choices(community: Community) -> QuerySet[PracticeEntry]:
    """Practices a story can point to: published ones (a draft is private to its author)."""
    return (
        _live(PracticeEntry.objects.filter(community=community))
        .exclude(status=EntryStatus.DRAFT)
        .only("pk", "title")
        .order_by("title")
    )


def export_items(community: Community) -> dict:
    """Everything a coordinator exports: live stories, problems with their replies,
    non-draft practices, accepted glossary terms and the notes of meetings."""
    return {
        "stories": list(
            _live(Story.objects.filter(community=community))
            .select_related("author")
            .prefetch_related(_TAGS)
            .order_by("-created_at", "-id")
        ),
        "problems": list(
            _live(Problem.objects.filter(community=community))
            .select_related("author")
            .order_by("-created_at", "-id")
            .prefetch_related(
                _TAGS,
                Prefetch(
                    "replies",
                    queryset=_live(Reply.objects.select_related("author")).order_by("created_at"),
                ),
            )
        ),
        "entries": list(
            _live(PracticeEntry.objects.filter(community=community))
            .exclude(status=EntryStatus.DRAFT)
            .select_related("author", "owner")
            .prefetch_related(_TAGS)
            .order_by("title")
        ),
        "terms": list(glossary(community, include_proposed=False)),
        "notes": list(
            Meeting.objects.filter(community=community)
            .exclude(notes="")
            .exclude(status=MeetingStatus.CANCELLED)
            .only("title", "notes", "starts_at", "timezone", "community_id")
            .order_by("-starts_at", "-id")
        ),
    }


def _news(model, communities, since, *, count: int, field: str = "created_at", **filters):
    """The `count` live items of `model` in `communities` newest by `field` after `since`."""
    return (
        _live(model.objects.filter(community__in=communities, **{f"{field}__gt": since}, **filters))
        .select_related("community")
        .order_by(f"-{field}")[:count]
    )


def digest_section(*, user, since) -> dict | None:
    """What is new in the member's communities since `since`: stories, problems and
    practices that became validated (three queries, at most ten items)."""

    communities = digest_communities(user)
    news = [
        (_("Story: %(title)s"), _news(Story, communities, since, count=4)),
        (
            _("Problem: %(title)s"),
            _news(Problem, communities, since, count=4, status=ProblemStatus.OPEN),
        ),
        (
            _("Validated practice: %(title)s"),
            _news(
                PracticeEntry,
                communities,
                since,
                count=2,
                field="validated_at",
                status=EntryStatus.VALIDATED,
            ),
        ),
    ]
    items = [
        {
            "title": label % {"title": item.title},
            "url": item.get_absolute_url(),
            "detail": item.community.name,
        }
        for label, found in news
        for item in found
    ]
    if not items:
        return None
    return {"title": _("New in your communities' knowledge"), "items": items}


def deleted_items(community: Community, *, limit: int = 50) -> dict:
    """Soft-deleted stories, problems, replies and practices, newest first, for the
    coordinators' restore page (four queries)."""

    def deleted(queryset):
        return list(
            queryset.filter(deleted_at__isnull=False)
            .select_related("deleted_by")
            .order_by("-deleted_at")[:limit]
        )

    return {
        "stories": deleted(Story.objects.filter(community=community)),
        "problems": deleted(Problem.objects.filter(community=community)),
        "replies": deleted(
            Reply.objects.filter(problem__community=community).select_related("problem")
        ),
        "entries": deleted(PracticeEntry.objects.filter(community=community)),
    }


def access_deleted(user, community: Community, kind: str, pk: int):
    """A deleted item of the community for a coordinator to restore; 404 otherwise."""
    querysets = {
        "story": Story.objects.filter(community=community),
        "problem": Problem.objects.filter(community=community),
        "reply": Reply.objects.filter(problem__community=community).select_related(
            "problem__community"
        ),
        "entry": PracticeEntry.objects.filter(community=community),
    }
    return _access(querysets[kind], user, pk, include_deleted=True)


def meeting_choices(community: Community):
    """Meetings a story can come from (the meetings app's rule, shared with value stories)."""
    return linkable_meetings(community)


def value_entry_choices(community: Community) -> QuerySet[PracticeEntry]:
    """Practices a value story can come from: the community's live ones, by title."""
    return PracticeEntry.objects.filter(community=community, deleted_at__isnull=True).order_by(
        "title"
    )


def digest_unanswered_in_expertise(*, user, since) -> dict | None:
    """Open problems nobody has answered yet, in topics the member named as their
    expertise in each community (two queries, at most five problems)."""

    expertise = list(
        Membership.objects.filter(
            user=user, community__in=digest_communities(user), expertise__isnull=False
        ).values_list("expertise", flat=True)
    )
    if not expertise:
        return None
    problems = list(
        _live(Problem.objects.filter(status=ProblemStatus.OPEN, tags__in=expertise, reply_count=0))
        .exclude(author=user)
        .select_related("community")
        .distinct()
        .order_by("created_at")[:5]
    )
    if not problems:
        return None
    return {
        "title": _("Unanswered problems in your expertise"),
        "items": [
            {
                "title": problem.title,
                "url": problem.get_absolute_url(),
                "detail": problem.community.name,
            }
            for problem in problems
        ],
    }
