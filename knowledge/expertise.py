"""The expertise finder: "who has helped with X" in a community. Members ranked by what
they did on the topic, each act listed as evidence: accepted solutions and validated
practices weigh `STRONG` each, other answers and accepted agenda items (talks) they
brought on it weigh 1. Only active members who did not opt out
(`Membership.listed_as_helper`), only live items, never drafts: what every member of the
community may see. Read-only."""

from dataclasses import dataclass, field

from cop.enums import MembershipStatus
from cop.models import Community, Membership, Tag, User
from meetings.enums import AgendaItemStatus
from meetings.models import AgendaItem

from .enums import EntryStatus
from .models import PracticeEntry, Reply

STRONG = 3
EVIDENCE_SHOWN = 5


@dataclass
class Helper:
    user: User
    solutions: int = 0
    practices: int = 0
    answers: int = 0
    talks: int = 0
    evidence: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, title, url)

    @property
    def score(self) -> int:
        return STRONG * (self.solutions + self.practices) + self.answers + self.talks


def who_has_helped(community: Community, topic: Tag, *, limit: int = 20) -> list[Helper]:
    """Members of `community` who helped on `topic`, best first (ties: by name)."""

    listed = set(
        Membership.objects.filter(
            community=community, status=MembershipStatus.ACTIVE, listed_as_helper=True
        ).values_list("user_id", flat=True)
    )
    helpers: dict[int, Helper] = {}

    def helper(user: User) -> Helper:
        return helpers.setdefault(user.pk, Helper(user=user))

    replies = (
        Reply.objects.filter(
            problem__community=community,
            problem__tags=topic,
            problem__deleted_at__isnull=True,
            deleted_at__isnull=True,
            author__in=listed,
        )
        .select_related("author", "problem__community")
        .order_by("-created_at")
    )
    for reply in replies:
        h = helper(reply.author)
        if reply.is_solution:
            h.solutions += 1
            h.evidence.append(("solution", reply.problem.title, reply.get_absolute_url()))
        else:
            h.answers += 1
            h.evidence.append(("answer", reply.problem.title, reply.get_absolute_url()))
    entries = PracticeEntry.objects.filter(
        community=community,
        tags=topic,
        status=EntryStatus.VALIDATED,
        deleted_at__isnull=True,
        author__in=listed,
    ).select_related("author", "community")
    for entry in entries:
        h = helper(entry.author)
        h.practices += 1
        h.evidence.append(("practice", entry.title, entry.get_absolute_url()))
    talks = AgendaItem.objects.filter(
        meeting__community=community,
        status=AgendaItemStatus.ACCEPTED,
        problem__tags=topic,
        proposed_by__in=listed,
    ).select_related("proposed_by", "meeting__community")
    for item in talks:
        h = helper(item.proposed_by)
        h.talks += 1
        h.evidence.append(("talk", item.title, item.meeting.get_absolute_url()))
    order = {"solution": 0, "practice": 1, "talk": 2, "answer": 3}
    for h in helpers.values():
        h.evidence.sort(key=lambda e: order[e[0]])
        h.evidence = h.evidence[:EVIDENCE_SHOWN]
    ranked = sorted(helpers.values(), key=lambda h: (-h.score, h.user.name, h.user.pk))
    return ranked[:limit]
