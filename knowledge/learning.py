"""A learning path for newcomers: from the topics a member picks (or, until they pick,
the topics of their first problem), an ordered reading list of the community's
validated practices, stories and solved problems on those topics, the next meeting
that works on them and a suggested mentor. It ticks itself: opening an item through the
path records a `PathRead`.

Order: validated practices first (the community's shared repertoire; most endorsed
first), then stories (what happened to members; newest first), then solved problems
(newest first), `PER_KIND` of each. Only live, unhidden items of the community, which
the member may see as an active member; a draft or archived practice never appears.
The mentor comes from `cop.extensions.suggest_mentor` (the mentoring app registers it),
so this module never imports mentoring.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cop.enums import Level, MembershipStatus
from cop.extensions import MentorSuggestion, suggest_mentor
from cop.models import Community, Tag, User
from meetings.enums import MeetingStatus
from meetings.models import Meeting

from .enums import EntryStatus, ProblemStatus
from .models import LearningPath, PathRead, PracticeEntry, Problem, Story

MAX_TOPICS = 5
PER_KIND = 5
KINDS = ("practice", "story", "problem")
PATH_LEVELS = (Level.NEWCOMER, Level.PERIPHERAL)


@dataclass
class PathItem:
    kind: str
    pk: int
    title: str
    detail: str
    read: bool = False

    def open_url(self, community: Community) -> str:
        return reverse(
            "knowledge:learning_open",
            kwargs={"slug": community.slug, "kind": self.kind, "pk": self.pk},
        )


@dataclass
class LearningView:
    community: Community
    topics: list[Tag]
    from_first_problem: bool
    items: list[PathItem] = field(default_factory=list)
    next_meeting: Meeting | None = None
    meeting_on_topics: bool = False
    mentor: MentorSuggestion | None = None

    @property
    def read_count(self) -> int:
        return sum(1 for item in self.items if item.read)


def _live(queryset):
    return queryset.filter(deleted_at__isnull=True, hidden_at__isnull=True)


def _items(community: Community, topics: list[Tag]) -> list[PathItem]:
    """Three queries, one per kind."""
    entries = (
        _live(PracticeEntry.objects.filter(community=community, status=EntryStatus.VALIDATED))
        .filter(tags__in=topics)
        .distinct()
        .only("id", "title", "endorsement_count", "updated_at")
        .order_by("-endorsement_count", "-updated_at", "-id")[:PER_KIND]
    )
    stories = (
        _live(Story.objects.filter(community=community))
        .filter(tags__in=topics)
        .distinct()
        .only("id", "title", "created_at")
        .order_by("-created_at", "-id")[:PER_KIND]
    )
    problems = (
        _live(Problem.objects.filter(community=community, status=ProblemStatus.SOLVED))
        .filter(tags__in=topics)
        .distinct()
        .only("id", "title", "reply_count", "created_at")
        .order_by("-created_at", "-id")[:PER_KIND]
    )
    items = [PathItem("practice", e.pk, e.title, _("A validated practice")) for e in entries]
    items += [PathItem("story", s.pk, s.title, _("A member's story")) for s in stories]
    items += [PathItem("problem", p.pk, p.title, _("A solved problem")) for p in problems]
    return items


def path_topics(user: User, community: Community) -> tuple[LearningPath | None, list, bool]:
    """The member's path row, its topics and whether they come from the member's first
    problem (no topics picked yet). Two or three queries."""
    path = LearningPath.objects.filter(community=community, user=user).first()
    topics = list(path.topics.order_by("name")) if path else []
    if topics:
        return path, topics, False
    first = (
        Problem.objects.filter(community=community, author=user, deleted_at__isnull=True)
        .order_by("created_at", "id")
        .first()
    )
    topics = list(first.tags.order_by("name")) if first else []
    return path, topics, bool(topics)


def learning_path(user: User, community: Community, *, now=None) -> LearningView:
    """The member's path as the page shows it; a fixed number of queries (about ten)."""
    now = now or timezone.now()
    path, topics, from_first = path_topics(user, community)
    view = LearningView(community=community, topics=topics, from_first_problem=from_first)
    if not topics:
        return view
    view.items = _items(community, topics)
    if path is not None:
        read = set(path.reads.values_list("kind", "object_id"))
        for item in view.items:
            item.read = (item.kind, item.pk) in read
    upcoming = Meeting.objects.filter(
        community=community, status=MeetingStatus.SCHEDULED, starts_at__gt=now
    ).order_by("starts_at", "pk")
    view.next_meeting = upcoming.filter(agenda_items__problem__tags__in=topics).distinct().first()
    view.meeting_on_topics = view.next_meeting is not None
    if view.next_meeting is None:
        view.next_meeting = upcoming.first()
    view.mentor = suggest_mentor(user=user, community=community, topics=topics)
    return view


def offers_path(membership) -> bool:
    """Whether the community home offers the path: active newcomers and peripheral members."""
    return (
        membership is not None
        and membership.status == MembershipStatus.ACTIVE
        and membership.level in PATH_LEVELS
    )


def home_section(*, community: Community, user, membership) -> dict | None:
    """The community home's invitation to the path (no query)."""
    if not offers_path(membership):
        return None
    return {"community": community}


@transaction.atomic
def choose_path_topics(*, user: User, community: Community, topics) -> LearningPath:
    """Set the topics of the member's path (at most `MAX_TOPICS`, of this community)."""
    topics = list(topics)
    if len(topics) > MAX_TOPICS:
        raise ValidationError({"topics": _("Pick at most %(n)d topics.") % {"n": MAX_TOPICS}})
    if any(tag.community_id != community.pk for tag in topics):
        raise ValidationError({"topics": _("Pick topics of this community.")})
    path, _created = LearningPath.objects.get_or_create(community=community, user=user)
    path.topics.set(topics)
    path.updated_at = timezone.now()
    path.save(update_fields=["updated_at"])
    return path


def path_item(community: Community, kind: str, pk: int):
    """The item of a path (a validated practice, a story, a solved problem) of
    `community`, live and not hidden; 404 otherwise."""
    models = {
        "practice": PracticeEntry.objects.filter(status=EntryStatus.VALIDATED),
        "story": Story.objects.all(),
        "problem": Problem.objects.filter(status=ProblemStatus.SOLVED),
    }
    if kind not in models:
        raise Http404("No such item.")
    item = _live(models[kind].filter(community=community, pk=pk)).first()
    if item is None:
        raise Http404("No such item.")
    return item


def record_path_read(*, user: User, community: Community, kind: str, item) -> None:
    """Tick `item` on the member's path (once; the path row is made if needed)."""
    path, _created = LearningPath.objects.get_or_create(community=community, user=user)
    try:
        with transaction.atomic():
            PathRead.objects.get_or_create(path=path, kind=kind, object_id=item.pk)
    except IntegrityError:  # the same item opened twice at once
        pass
