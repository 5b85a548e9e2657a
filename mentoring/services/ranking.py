"""The mentor ranking requests are routed with: shared topics, track record,
time zones and load, each with the reason a person reads.
Refusals raise ValidationError (see the package docstring).
"""

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cop.enums import MembershipStatus, ParticipationKind
from cop.models import Community, Membership, ParticipationEvent, Tag, User

from ..enums import OPEN_MENTORSHIP_STATUSES, TRACK_RECORD_KINDS
from ..models import MentorOffer, MentorRequest, Mentorship

# Time-zone distance is measured at one fixed instant so a ranking does not change
# when daylight saving time starts somewhere.
REFERENCE_INSTANT = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)

POINTS_PER_TOPIC = 3
POINTS_PER_ACT_IN_TOPICS = 2
POINTS_PER_OTHER_ACT = 1
MAX_TRACK_RECORD_POINTS = 10
MAX_CAPACITY_POINTS = 3


def utc_offset_hours(name: str) -> float:
    try:
        zone = zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return REFERENCE_INSTANT.astimezone(zone).utcoffset().total_seconds() / 3600


def timezone_distance_hours(a: str, b: str) -> float:
    """Hours between two zones' clocks at the reference instant, the short way round the
    globe (UTC+9 and UTC-8 are 7 hours apart, not 17)."""
    distance = abs(utc_offset_hours(a) - utc_offset_hours(b)) % 24
    return min(distance, 24 - distance)


def timezone_points(hours: float) -> int:
    if hours <= 2:
        return 3
    if hours <= 4:
        return 2
    if hours <= 7:
        return 1
    return 0


def _act_phrase(kind: str, n: int) -> str:
    phrases = {
        ParticipationKind.SOLUTION_ACCEPTED: ngettext(
            "%(n)d answer accepted", "%(n)d answers accepted", n
        ),
        ParticipationKind.ANSWERED_PROBLEM: ngettext(
            "%(n)d problem answered", "%(n)d problems answered", n
        ),
        ParticipationKind.VALIDATED_ENTRY: ngettext(
            "%(n)d practice validated", "%(n)d practices validated", n
        ),
        ParticipationKind.WROTE_ENTRY: ngettext(
            "%(n)d practice documented", "%(n)d practices documented", n
        ),
        ParticipationKind.HOSTED_MEETING: ngettext(
            "%(n)d meeting hosted", "%(n)d meetings hosted", n
        ),
        ParticipationKind.TOLD_STORY: ngettext("%(n)d story told", "%(n)d stories told", n),
        ParticipationKind.MENTORED: ngettext("%(n)d person mentored", "%(n)d people mentored", n),
    }
    return phrases[kind] % {"n": n}


def _acts_text(counts: dict[str, int]) -> str:
    return ", ".join(_act_phrase(kind, counts[kind]) for kind in TRACK_RECORD_KINDS if counts[kind])


@dataclass
class Reason:
    text: str
    points: int


@dataclass
class Candidate:
    """One possible mentor for a request, with the reasons for their place."""

    offer: MentorOffer
    score: int
    common_topics: list[Tag]
    free_places: int
    timezone_hours: float
    in_topics: dict[str, int]
    overall: dict[str, int]
    reasons: list[Reason] = field(default_factory=list)

    @property
    def mentor(self) -> User:
        return self.offer.mentor

    def sort_key(self) -> tuple:
        return (
            -self.score,
            self.timezone_hours,
            -self.free_places,
            self.offer.mentor.name.casefold(),
            self.offer.mentor_id,
        )


def _tag_fields(model) -> list[models.ManyToManyField]:
    """The subject model's many-to-many fields to the community vocabulary (`tags` on
    stories, problems and practices; `topics` here), whatever they are called."""
    if model is None:
        return []
    return [
        f
        for f in model._meta.get_fields()
        if isinstance(f, models.ManyToManyField) and f.related_model is Tag
    ]


def _by_type(subjects: set[tuple[int, int]]) -> dict[int, set[int]]:
    by_type: dict[int, set[int]] = defaultdict(set)
    for type_id, object_id in subjects:
        by_type[type_id].add(object_id)
    return by_type


def _deleted_subjects(subjects: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which subjects were deleted since (soft-deleted: a `deleted_at`, or gone): a
    deleted story or answer no longer counts. One query per subject model."""
    deleted = set()
    for type_id, object_ids in sorted(_by_type(subjects).items()):
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model is None:
            continue
        live = model._default_manager.filter(pk__in=object_ids)
        if any(f.name == "deleted_at" for f in model._meta.get_fields()):
            live = live.filter(deleted_at__isnull=True)
        live_ids = set(live.values_list("pk", flat=True))
        deleted.update((type_id, object_id) for object_id in object_ids - live_ids)
    return deleted


def _tagged_parent(model):
    """The (foreign key, parent model) through which a subject without topics of its own
    takes them from what it belongs to (an answer from its problem), or None."""
    for f in model._meta.get_fields():
        if (
            isinstance(f, models.ForeignKey)
            and not f.null
            and f.related_model is not None
            and _tag_fields(f.related_model)
        ):
            return f
    return None


def _subjects_tagged_with(
    subjects: set[tuple[int, int]], topic_ids: set[int]
) -> set[tuple[int, int]]:
    """Which (content type id, object id) subjects carry one of the topics. Works for any
    subject model with a many-to-many to Tag (one query per such field); a subject
    without one (an answer) carries the topics of the object it belongs to (its problem:
    one more query)."""
    tagged = set()
    for type_id, object_ids in sorted(_by_type(subjects).items()):
        model = ContentType.objects.get_for_id(type_id).model_class()
        parent_of = {object_id: object_id for object_id in object_ids}
        fields = _tag_fields(model)
        if model is not None and not fields:
            parent = _tagged_parent(model)
            if parent is None:
                continue
            parent_of = dict(
                model._default_manager.filter(pk__in=object_ids).values_list("pk", parent.attname)
            )
            fields = _tag_fields(parent.related_model)
        for tags in fields:
            through = tags.remote_field.through
            source = tags.m2m_field_name()
            target = tags.m2m_reverse_field_name()
            rows = set(
                through.objects.filter(
                    **{f"{source}__in": set(parent_of.values()), f"{target}__in": topic_ids}
                ).values_list(f"{source}_id", flat=True)
            )
            tagged.update(
                (type_id, object_id) for object_id, owner in parent_of.items() if owner in rows
            )
    return tagged


def open_mentorships(community: Community) -> Coalesce:
    """An offer's open mentorships in `community` (active or paused), as a subquery
    expression to annotate offers with."""
    return Coalesce(
        Subquery(
            Mentorship.objects.filter(
                community=community, mentor=OuterRef("mentor"), status__in=OPEN_MENTORSHIP_STATUSES
            )
            .order_by()
            .values("mentor")
            .annotate(n=Count("pk"))
            .values("n")
        ),
        0,
        output_field=IntegerField(),
    )


def rank_candidates(
    *,
    community: Community,
    requester: User | None,
    topic_ids: set[int],
    timezone_name: str,
    exclude_mentor_ids: set[int] = frozenset(),
) -> list[Candidate]:
    """The mentors who could take a request now, best first, each with its reasons.

    Candidates: active members with an unpaused offer and a free place, never the
    requester or an excluded mentor. Points: 3 per topic in common; 2 per thing the
    mentor did whose subject carries one of the topics and 1 per other thing (at most
    10); 1 per free place (at most 3); 3, 2, 1 or 0 for a time-zone distance of at
    most 2, 4, 7 or more hours. Ties go to the nearer time zone, then more free
    places, then the mentor's name and id, so the order is deterministic.
    A fixed number of queries (plus one per tagged subject model).
    """
    offers = (
        MentorOffer.objects.filter(community=community, paused=False)
        .filter(
            Exists(
                Membership.objects.filter(
                    community=community, user=OuterRef("mentor"), status=MembershipStatus.ACTIVE
                )
            )
        )
        .exclude(mentor_id__in=exclude_mentor_ids)
        .annotate(open_mentorships=open_mentorships(community))
        .select_related("mentor")
        .prefetch_related("topics")
    )
    if requester is not None:
        offers = offers.exclude(mentor=requester).exclude(
            Exists(
                Mentorship.objects.filter(
                    community=community,
                    mentor=OuterRef("mentor"),
                    mentee=requester,
                    status__in=OPEN_MENTORSHIP_STATUSES,
                )
            )
        )
    offers = [offer for offer in offers if offer.open_mentorships < offer.capacity]
    if not offers:
        return []

    events = list(
        ParticipationEvent.objects.filter(
            membership__community=community,
            membership__user_id__in=[offer.mentor_id for offer in offers],
            kind__in=TRACK_RECORD_KINDS,
        ).values_list("membership__user_id", "kind", "subject_type_id", "subject_id")
    )
    subjects = {(t, s) for _u, _k, t, s in events if t is not None and s is not None}
    deleted = _deleted_subjects(subjects) if subjects else set()
    events = [event for event in events if (event[2], event[3]) not in deleted]
    tagged: set[tuple[int, int]] = set()
    if topic_ids:
        subjects -= deleted
        tagged = _subjects_tagged_with(subjects, topic_ids) if subjects else set()
    in_topics: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(TRACK_RECORD_KINDS, 0))
    overall: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(TRACK_RECORD_KINDS, 0))
    for user_id, kind, type_id, subject_id in events:
        overall[user_id][kind] += 1
        if (type_id, subject_id) in tagged:
            in_topics[user_id][kind] += 1

    candidates = []
    for offer in offers:
        candidates.append(
            _candidate(
                offer,
                topic_ids=topic_ids,
                timezone_name=timezone_name,
                in_topics=in_topics[offer.mentor_id],
                overall=overall[offer.mentor_id],
            )
        )
    return sorted(candidates, key=Candidate.sort_key)


def _candidate(
    offer: MentorOffer,
    *,
    topic_ids: set[int],
    timezone_name: str,
    in_topics: dict[str, int],
    overall: dict[str, int],
) -> Candidate:
    reasons = []
    common = sorted(
        (tag for tag in offer.topics.all() if tag.pk in topic_ids), key=lambda t: t.name.lower()
    )
    if topic_ids:
        if common:
            reasons.append(
                Reason(
                    ngettext(
                        "%(n)d topic in common: %(names)s",
                        "%(n)d topics in common: %(names)s",
                        len(common),
                    )
                    % {"n": len(common), "names": ", ".join(t.name for t in common)},
                    POINTS_PER_TOPIC * len(common),
                )
            )
        else:
            reasons.append(Reason(_("No topics in common"), 0))

    acts_in_topics = sum(in_topics.values())
    other_acts = sum(overall.values()) - acts_in_topics
    # Each line carries its own points; the cap is taken from the acts elsewhere first,
    # so the lines still add up to the score.
    topic_points = min(POINTS_PER_ACT_IN_TOPICS * acts_in_topics, MAX_TRACK_RECORD_POINTS)
    other_points = min(POINTS_PER_OTHER_ACT * other_acts, MAX_TRACK_RECORD_POINTS - topic_points)
    if acts_in_topics:
        reasons.append(
            Reason(_("In your topics: %(acts)s") % {"acts": _acts_text(in_topics)}, topic_points)
        )
    if other_acts:
        others = {kind: overall[kind] - in_topics[kind] for kind in TRACK_RECORD_KINDS}
        label = _("Elsewhere in the community: %(acts)s") if topic_ids else _("Did: %(acts)s")
        reasons.append(Reason(label % {"acts": _acts_text(others)}, other_points))
    if not acts_in_topics and not other_acts:
        reasons.append(Reason(_("No answers, practices or meetings recorded here yet"), 0))

    free = offer.capacity - offer.open_mentorships
    capacity_points = min(free, MAX_CAPACITY_POINTS)
    reasons.append(
        Reason(
            ngettext(
                "%(free)d of %(capacity)d place free",
                "%(free)d of %(capacity)d places free",
                offer.capacity,
            )
            % {"free": free, "capacity": offer.capacity},
            capacity_points,
        )
    )

    hours = timezone_distance_hours(timezone_name, offer.timezone)
    if hours == 0:
        text = _("Same time of day as you (%(zone)s)") % {"zone": offer.timezone}
    else:
        text = ngettext(
            "%(hours)s hour apart (%(zone)s)", "%(hours)s hours apart (%(zone)s)", int(hours)
        ) % {"hours": f"{hours:g}", "zone": offer.timezone}
    reasons.append(Reason(text, timezone_points(hours)))

    return Candidate(
        offer=offer,
        score=sum(r.points for r in reasons),
        common_topics=common,
        free_places=free,
        timezone_hours=hours,
        in_topics=in_topics,
        overall=overall,
        reasons=reasons,
    )


def rank_mentors(request: MentorRequest, *, include_tried: bool = False) -> list[Candidate]:
    """The ranked candidates for a saved request; mentors it was already offered to are
    left out unless `include_tried`."""
    tried = set() if include_tried else set(request.offers.values_list("mentor_id", flat=True))
    return rank_candidates(
        community=request.community,
        requester=request.requester,
        topic_ids={tag.pk for tag in request.topics.all()},
        timezone_name=request.timezone,
        exclude_mentor_ids=tried,
    )
