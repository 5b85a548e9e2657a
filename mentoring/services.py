"""Writes of the mentoring app, and the mentor ranking they route requests with.

Every function raises `django.core.exceptions.ValidationError` with a message a
person can read when the action is not possible; views show it.
"""

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cop.enums import MembershipStatus, NotificationKind, ParticipationKind, Role
from cop.models import Community, Membership, ParticipationEvent, Tag, User
from cop.services.notifications import notify
from cop.services.participation import record_participation

from .enums import (
    AUTO_KIND_EVENTS,
    CADENCE_DAYS,
    LIVE_REQUEST_STATUSES,
    OPEN_MENTORSHIP_STATUSES,
    TRACK_RECORD_KINDS,
    MentorshipStatus,
    OfferOutcome,
    OnboardingSpecial,
    ProgressHow,
    RequestStatus,
)
from .models import (
    CheckIn,
    MentorOffer,
    MentorRequest,
    Mentorship,
    OnboardingProgress,
    OnboardingStep,
    RequestOffer,
)

# --- Offers ---------------------------------------------------------------------------------


def _require_active_member(user: User, community: Community) -> Membership:
    membership = Membership.objects.filter(
        user=user, community=community, status=MembershipStatus.ACTIVE
    ).first()
    if membership is None:
        raise ValidationError(_("Only active members of %(c)s can do this.") % {"c": community})
    return membership


def _check_topics(community: Community, topics) -> list[Tag]:
    topics = list(topics)
    if any(tag.community_id != community.pk for tag in topics):
        raise ValidationError(_("Topics must come from this community's vocabulary."))
    return topics


@transaction.atomic
def save_offer(
    *,
    community: Community,
    mentor: User,
    topics: list[Tag],
    capacity: int,
    availability: str = "",
    timezone_name: str = "",
    languages: str = "",
) -> MentorOffer:
    """Offer to mentor in a community, or change the offer. Side effects: the offer row
    and its topics. Lowering the capacity never ends a running mentorship."""
    _require_active_member(mentor, community)
    topics = _check_topics(community, topics)
    offer = MentorOffer.objects.filter(community=community, mentor=mentor).first()
    if offer is None:
        offer = MentorOffer(community=community, mentor=mentor)
    offer.capacity = capacity
    offer.availability = availability
    offer.timezone = timezone_name or mentor.timezone
    offer.languages = languages
    offer.full_clean(exclude=["community", "mentor"])
    offer.save()
    offer.topics.set(topics)
    return offer


def set_offer_paused(*, offer: MentorOffer, paused: bool) -> MentorOffer:
    """Pause (no new requests) or resume a mentor offer. Running mentorships go on."""
    if offer.paused != paused:
        offer.paused = paused
        offer.save(update_fields=["paused", "updated_at"])
    return offer


def pause_offer(*, offer: MentorOffer) -> MentorOffer:
    return set_offer_paused(offer=offer, paused=True)


def resume_offer(*, offer: MentorOffer) -> MentorOffer:
    return set_offer_paused(offer=offer, paused=False)


# --- Onboarding -----------------------------------------------------------------------------


def default_onboarding_steps() -> list[dict]:
    return [
        {
            "title": _("Complete your profile"),
            "description": _("Add a display name and a short bio so people know who you are."),
            "auto_kind": OnboardingSpecial.PROFILE_COMPLETED,
        },
        {
            "title": _("Introduce yourself"),
            "description": _("Say hello: what you work on and what brought you here."),
            "auto_kind": ParticipationKind.INTRODUCED_SELF,
        },
        {
            "title": _("RSVP to a meeting"),
            "description": _(
                "Pick a meeting and come along; listening is a fine way to start. "
                "Ticks itself once you say you will come."
            ),
            "auto_kind": ParticipationKind.RSVPED,
        },
        {
            "title": _("Read the starter practices"),
            "description": _("The validated practices are what this community has learned."),
            "auto_kind": "",
        },
        {
            "title": _("Ask or answer a problem"),
            "description": _("Bring something you are stuck on, or help with someone else's."),
            "auto_kind": OnboardingSpecial.ASKED_OR_ANSWERED,
        },
    ]


def ensure_onboarding_steps(*, community: Community) -> list[OnboardingStep]:
    """The community's current checklist; on first use, the default steps are created.

    A community whose coordinators removed every step keeps an empty checklist:
    removed steps are archived, so "first use" means "no step ever existed".
    """
    steps = list(OnboardingStep.objects.filter(community=community).order_by("position", "pk"))
    if not steps:
        with transaction.atomic():
            # The community row is the lock that keeps two first uses from both seeding.
            Community.objects.select_for_update().filter(pk=community.pk).first()
            if not OnboardingStep.objects.filter(community=community).exists():
                OnboardingStep.objects.bulk_create(
                    OnboardingStep(community=community, position=index, **fields)
                    for index, fields in enumerate(default_onboarding_steps(), start=1)
                )
        steps = list(OnboardingStep.objects.filter(community=community).order_by("position", "pk"))
    return [step for step in steps if not step.archived]


def add_onboarding_step(
    *, community: Community, title: str, description: str = "", auto_kind: str = ""
) -> OnboardingStep:
    """Add a step at the end of the checklist (coordinators; the caller checks)."""
    steps = ensure_onboarding_steps(community=community)
    step = OnboardingStep(
        community=community,
        title=title,
        description=description,
        auto_kind=auto_kind,
        position=max((s.position for s in steps), default=0) + 1,
    )
    step.full_clean()
    step.save()
    return step


def update_onboarding_step(
    *, step: OnboardingStep, title: str, description: str, auto_kind: str
) -> OnboardingStep:
    """Change a step's text or how it ticks (coordinators; the caller checks)."""
    step.title = title
    step.description = description
    step.auto_kind = auto_kind
    step.full_clean()
    step.save(update_fields=["title", "description", "auto_kind"])
    return step


def remove_onboarding_step(*, step: OnboardingStep) -> OnboardingStep:
    """Take a step off the checklist. It is archived, not deleted, so members' progress
    and the fact that the checklist was edited are kept."""
    step.archived = True
    step.save(update_fields=["archived"])
    return step


@transaction.atomic
def move_onboarding_step(*, step: OnboardingStep, up: bool) -> OnboardingStep:
    """Swap a step with its neighbour above (up) or below, renumbering the checklist."""
    steps = list(
        OnboardingStep.objects.select_for_update()
        .filter(community=step.community_id, archived=False)
        .order_by("position", "pk")
    )
    index = next((i for i, s in enumerate(steps) if s.pk == step.pk), None)
    if index is None:
        raise ValidationError(_("This step is no longer on the checklist."))
    other = index - 1 if up else index + 1
    if 0 <= other < len(steps):
        steps[index], steps[other] = steps[other], steps[index]
    for position, item in enumerate(steps, start=1):
        item.position = position
    OnboardingStep.objects.bulk_update(steps, ["position"])
    return next(s for s in steps if s.pk == step.pk)


def profile_completed(user: User) -> bool:
    return bool(user.display_name.strip() and user.bio.strip())


def sync_onboarding(*, membership: Membership, steps: list[OnboardingStep] | None = None):
    """Tick the steps whose `auto_kind` the member has done; return their progress by step id.

    Called when a page renders the checklist (at most four queries, whatever the number
    of steps): the steps, the member's progress, one lookup of the participation kinds
    the open automatic steps need, and one insert when something new ticked.
    Side effects: OnboardingProgress rows with how=auto.
    """
    if steps is None:
        steps = ensure_onboarding_steps(community=membership.community)
    done = {p.step_id: p for p in OnboardingProgress.objects.filter(membership=membership)}
    open_auto = [s for s in steps if s.auto_kind and s.pk not in done]
    if not open_auto:
        return done
    wanted = {kind for s in open_auto for kind in AUTO_KIND_EVENTS.get(s.auto_kind, ())}
    kinds_done: set[str] = set()
    if wanted:
        kinds_done = set(
            ParticipationEvent.objects.filter(membership=membership, kind__in=wanted)
            .values_list("kind", flat=True)
            .distinct()
        )
    new = []
    for step in open_auto:
        if step.auto_kind == OnboardingSpecial.PROFILE_COMPLETED:
            ticked = profile_completed(membership.user)
        else:
            ticked = bool(kinds_done.intersection(AUTO_KIND_EVENTS.get(step.auto_kind, ())))
        if ticked:
            new.append(OnboardingProgress(membership=membership, step=step, how=ProgressHow.AUTO))
    if new:
        OnboardingProgress.objects.bulk_create(new, ignore_conflicts=True)
        done.update({p.step_id: p for p in new})
    return done


def tick_onboarding_step(
    *, membership: Membership, step: OnboardingStep, done: bool = True
) -> OnboardingProgress | None:
    """Tick (or untick) a step by hand. Steps ticked from participation cannot be unticked."""
    if step.community_id != membership.community_id or step.archived:
        raise ValidationError(_("This step is not on your checklist."))
    if not membership.is_active:
        raise ValidationError(_("Only active members have an onboarding checklist."))
    if done:
        progress, _created = OnboardingProgress.objects.get_or_create(
            membership=membership, step=step, defaults={"how": ProgressHow.MANUAL}
        )
        return progress
    OnboardingProgress.objects.filter(
        membership=membership, step=step, how=ProgressHow.MANUAL
    ).delete()
    return None


# --- Ranking --------------------------------------------------------------------------------

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
    open_count = (
        Mentorship.objects.filter(
            community=community, mentor=OuterRef("mentor"), status__in=OPEN_MENTORSHIP_STATUSES
        )
        .order_by()
        .values("mentor")
        .annotate(n=Count("pk"))
        .values("n")
    )
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
        .annotate(open_mentorships=Coalesce(Subquery(open_count), 0, output_field=IntegerField()))
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


# --- Requests -------------------------------------------------------------------------------


def _request_url(request: MentorRequest) -> str:
    return reverse("mentoring_request", kwargs={"slug": request.community.slug, "pk": request.pk})


def _coordinators(community: Community):
    return User.objects.filter(
        memberships__community=community,
        memberships__role=Role.COORDINATOR,
        memberships__status=MembershipStatus.ACTIVE,
    ).order_by("pk")


def _offer_to(request: MentorRequest, mentor: User, *, now: datetime, by: User | None = None):
    """Offer the request to `mentor` until the community's deadline and tell them."""
    deadline = now + timedelta(days=request.community.mentor_request_timeout_days)
    RequestOffer.objects.create(
        request=request, mentor=mentor, offered_at=now, deadline=deadline, assigned_by=by
    )
    request.status = RequestStatus.OFFERED
    request.current_mentor = mentor
    request.offered_at = now
    request.deadline = deadline
    request.save(update_fields=["status", "current_mentor", "offered_at", "deadline"])
    notify(
        recipient=mentor,
        kind=NotificationKind.MENTOR_REQUEST,
        title=_("%(name)s asks you to be their mentor in %(community)s")
        % {"name": request.requester.name, "community": request.community.name},
        body=request.goals,
        url=_request_url(request),
        community=request.community,
        actor=request.requester,
    )


def _pass_on(request: MentorRequest, *, now: datetime) -> User | None:
    """Offer the request to the best mentor not yet tried; returns them, or None when
    nobody is left (the request is then unmatched and the coordinators are told)."""
    candidates = rank_mentors(request)
    if candidates:
        mentor = candidates[0].mentor
        _offer_to(request, mentor, now=now)
        return mentor
    request.status = RequestStatus.UNMATCHED
    request.current_mentor = None
    request.deadline = None
    request.save(update_fields=["status", "current_mentor", "deadline"])
    for coordinator in _coordinators(request.community):
        notify(
            recipient=coordinator,
            kind=NotificationKind.MENTOR_REQUEST,
            title=_("No mentor is free for %(name)s's request in %(community)s")
            % {"name": request.requester.name, "community": request.community.name},
            body=request.goals,
            url=_request_url(request),
            community=request.community,
            actor=request.requester,
        )
    return None


def _close_pending_offer(request: MentorRequest, *, outcome: str, now: datetime, message=""):
    return RequestOffer.objects.filter(request=request, outcome=OfferOutcome.PENDING).update(
        outcome=outcome, answered_at=now, message=message[:1000]
    )


@transaction.atomic
def request_mentor(
    *,
    community: Community,
    requester: User,
    goals: str,
    topics: list[Tag],
    cadence: str,
    timezone_name: str,
    mentor: User | None = None,
) -> MentorRequest:
    """Ask for a mentor. The request goes to `mentor` if given (they must be free), else
    to the top-ranked mentor; with nobody free it stays open for the coordinators.

    Side effects: the request, a RequestOffer and a MENTOR_REQUEST notification to the
    mentor (or to the coordinators when nobody is free).
    """
    _require_active_member(requester, community)
    topics = _check_topics(community, topics)
    if not goals.strip():
        raise ValidationError({"goals": _("Say what you would like to work on.")})
    if MentorRequest.objects.filter(
        community=community, requester=requester, status__in=LIVE_REQUEST_STATUSES
    ).exists():
        raise ValidationError(
            _("You already have a mentor request waiting here. Withdraw it to ask again.")
        )
    request = MentorRequest(
        community=community,
        requester=requester,
        goals=goals,
        cadence=cadence,
        timezone=timezone_name or requester.timezone,
    )
    request.full_clean()
    request.save()
    request.topics.set(topics)
    now = timezone.now()
    candidates = rank_mentors(request)
    if mentor is not None:
        if not any(c.mentor.pk == mentor.pk for c in candidates):
            raise ValidationError(
                _("%(name)s cannot take a new mentee right now. Choose another mentor.")
                % {"name": mentor.name}
            )
        _offer_to(request, mentor, now=now)
    elif candidates:
        _offer_to(request, candidates[0].mentor, now=now)
    else:
        request.status = RequestStatus.OPEN
        request.save(update_fields=["status"])
        for coordinator in _coordinators(community):
            notify(
                recipient=coordinator,
                kind=NotificationKind.MENTOR_REQUEST,
                title=_("%(name)s asks for a mentor in %(community)s, and nobody is free")
                % {"name": requester.name, "community": community.name},
                body=goals,
                url=_request_url(request),
                community=community,
                actor=requester,
            )
    return request


def _lock_request(request: MentorRequest) -> MentorRequest:
    return (
        MentorRequest.objects.select_for_update(of=("self",))
        .select_related("community", "requester")
        .get(pk=request.pk)
    )


def open_mentorship_count(*, community: Community, mentor: User) -> int:
    return Mentorship.objects.filter(
        community=community, mentor=mentor, status__in=OPEN_MENTORSHIP_STATUSES
    ).count()


def default_end_date(start: date) -> date:
    return start + timedelta(days=90)


@transaction.atomic
def accept_request(*, request: MentorRequest, mentor: User, message: str = "") -> Mentorship:
    """The offered mentor accepts: a mentorship starts with the request's goals and cadence
    and an end date three months ahead.

    Capacity holds under concurrency: the mentor's offer row is locked before their
    open mentorships are counted, so two acceptances at once are serialised.
    A second open mentorship of the same pair is refused. The mentor's `message` is kept
    on the request's history and shown to the mentee.
    Side effects: the mentorship, MENTORED and WAS_MENTORED participation, a
    MENTOR_ANSWER notification to the mentee.
    """
    request = _lock_request(request)
    if request.status != RequestStatus.OFFERED or request.current_mentor_id != mentor.pk:
        raise ValidationError(_("This request is no longer waiting for your answer."))
    community = request.community
    offer = (
        MentorOffer.objects.select_for_update().filter(community=community, mentor=mentor).first()
    )
    if offer is None:
        raise ValidationError(_("You have no mentor offer in this community."))
    if Mentorship.objects.filter(
        community=community,
        mentor=mentor,
        mentee=request.requester,
        status__in=OPEN_MENTORSHIP_STATUSES,
    ).exists():
        raise ValidationError(
            _(
                "You already mentor %(name)s here: carry on in that mentorship, or decline "
                "so the request can pass on."
            )
            % {"name": request.requester.name}
        )
    if open_mentorship_count(community=community, mentor=mentor) >= offer.capacity:
        raise ValidationError(
            _(
                "You already have %(n)d mentees, your capacity. Complete a mentorship or "
                "raise your capacity first, or decline so the request can pass on."
            )
            % {"n": offer.capacity}
        )
    now = timezone.now()
    mentorship = Mentorship.objects.create(
        community=community,
        request=request,
        mentor=mentor,
        mentee=request.requester,
        goals=request.goals,
        cadence=request.cadence,
        end_date=default_end_date(timezone.localdate(now)),
        started_at=now,
        next_checkin_on=_next_checkin(request.cadence, timezone.localdate(now)),
    )
    _close_pending_offer(request, outcome=OfferOutcome.ACCEPTED, now=now, message=message)
    request.status = RequestStatus.ACCEPTED
    request.closed_at = now
    request.deadline = None
    request.save(update_fields=["status", "closed_at", "deadline"])
    record_participation(
        kind=ParticipationKind.MENTORED, user=mentor, community=community, subject=mentorship
    )
    record_participation(
        kind=ParticipationKind.WAS_MENTORED,
        user=request.requester,
        community=community,
        subject=mentorship,
    )
    notify(
        recipient=request.requester,
        kind=NotificationKind.MENTOR_ANSWER,
        title=_("%(name)s accepted to be your mentor in %(community)s")
        % {"name": mentor.name, "community": community.name},
        url=mentorship.get_absolute_url(),
        body=message[:1000],
        community=community,
        actor=mentor,
    )
    return mentorship


@transaction.atomic
def decline_request(*, request: MentorRequest, mentor: User, message: str = "") -> MentorRequest:
    """The offered mentor declines, with an optional message for the requester. The
    request passes to the next-ranked mentor. Side effects: the offer's outcome, a
    MENTOR_ANSWER notification to the requester, and those of passing it on."""
    request = _lock_request(request)
    if request.status != RequestStatus.OFFERED or request.current_mentor_id != mentor.pk:
        raise ValidationError(_("This request is no longer waiting for your answer."))
    now = timezone.now()
    _close_pending_offer(request, outcome=OfferOutcome.DECLINED, now=now, message=message)
    next_mentor = _pass_on(request, now=now)
    if next_mentor:
        title = _("%(name)s can't mentor you right now; your request went to %(next)s") % {
            "name": mentor.name,
            "next": next_mentor.name,
        }
    else:
        title = _(
            "%(name)s can't mentor you right now; the coordinators will help find someone"
        ) % {"name": mentor.name}
    notify(
        recipient=request.requester,
        kind=NotificationKind.MENTOR_ANSWER,
        title=title,
        body=message,
        url=_request_url(request),
        community=request.community,
        actor=mentor,
    )
    return request


@transaction.atomic
def withdraw_request(*, request: MentorRequest, by: User) -> MentorRequest:
    """The requester takes the request back; a mentor it was waiting on is told."""
    request = _lock_request(request)
    if request.requester_id != by.pk:
        raise ValidationError(_("Only the person who asked can withdraw a request."))
    if request.status not in LIVE_REQUEST_STATUSES:
        raise ValidationError(_("This request is already closed."))
    now = timezone.now()
    _close_pending_offer(request, outcome=OfferOutcome.WITHDRAWN, now=now)
    mentor = request.current_mentor if request.status == RequestStatus.OFFERED else None
    request.status = RequestStatus.WITHDRAWN
    request.current_mentor = None
    request.deadline = None
    request.closed_at = now
    request.save(update_fields=["status", "current_mentor", "deadline", "closed_at"])
    if mentor is not None:
        notify(
            recipient=mentor,
            kind=NotificationKind.MENTOR_REQUEST,
            title=_("%(name)s withdrew their mentor request") % {"name": by.name},
            url=_request_url(request),
            community=request.community,
            actor=by,
        )
    return request


def hand_off_request(*, request: MentorRequest, now: datetime | None = None) -> bool:
    """Pass one request on if its mentor let the deadline go by. Safe to run twice:
    the request is re-read under a lock and left alone unless still overdue.

    Side effects: the offer expires; the old mentor (MENTOR_REQUEST) and the requester
    (MENTOR_ANSWER) are told; the next mentor gets it (or the coordinators are told).
    """
    now = now or timezone.now()
    with transaction.atomic():
        request = _lock_request(request)
        if (
            request.status != RequestStatus.OFFERED
            or request.deadline is None
            or request.deadline > now
        ):
            return False
        old_mentor = request.current_mentor
        _close_pending_offer(request, outcome=OfferOutcome.EXPIRED, now=now)
        next_mentor = _pass_on(request, now=now)
        community = request.community
        # The mentor's account may be gone (the foreign key is then null).
        old_name = old_mentor.name if old_mentor else _("Your mentor")
        if old_mentor is not None:
            notify(
                recipient=old_mentor,
                kind=NotificationKind.MENTOR_REQUEST,
                title=_("%(name)s's mentor request passed on after %(days)d days without an answer")
                % {"name": request.requester.name, "days": community.mentor_request_timeout_days},
                url=_request_url(request),
                community=community,
            )
        if next_mentor:
            title = _("%(old)s didn't answer in time, so your mentor request went to %(next)s") % {
                "old": old_name,
                "next": next_mentor.name,
            }
        else:
            title = _("%(old)s didn't answer in time; the coordinators will help find a mentor") % {
                "old": old_name
            }
        notify(
            recipient=request.requester,
            kind=NotificationKind.MENTOR_ANSWER,
            title=title,
            url=_request_url(request),
            community=community,
        )
        return True


def hand_off_stale_requests(*, now: datetime | None = None) -> int:
    """Pass on every request whose deadline has passed; returns how many moved."""
    now = now or timezone.now()
    stale = MentorRequest.objects.filter(status=RequestStatus.OFFERED, deadline__lte=now).order_by(
        "deadline", "pk"
    )
    return sum(hand_off_request(request=request, now=now) for request in stale)


@transaction.atomic
def assign_mentor(*, request: MentorRequest, mentor: User, by: User) -> MentorRequest:
    """A coordinator offers the request to a mentor of their choosing (who has an offer in
    the community, paused or not); the mentor still accepts. Side effects: a pending
    offer is marked reassigned; the mentor (MENTOR_REQUEST) and the requester
    (MENTOR_ANSWER) are notified."""
    request = _lock_request(request)
    if request.status not in LIVE_REQUEST_STATUSES:
        raise ValidationError(_("This request is already closed."))
    if mentor.pk == request.requester_id:
        raise ValidationError(_("Nobody can mentor themselves."))
    if request.status == RequestStatus.OFFERED and request.current_mentor_id == mentor.pk:
        raise ValidationError(_("The request is already waiting for %(name)s.") % {"name": mentor})
    if not MentorOffer.objects.filter(community=request.community, mentor=mentor).exists():
        raise ValidationError(_("%(name)s has not offered to mentor here.") % {"name": mentor})
    _require_active_member(mentor, request.community)
    now = timezone.now()
    _close_pending_offer(request, outcome=OfferOutcome.REASSIGNED, now=now)
    _offer_to(request, mentor, now=now, by=by)
    notify(
        recipient=request.requester,
        kind=NotificationKind.MENTOR_ANSWER,
        title=_("A coordinator asked %(name)s to be your mentor") % {"name": mentor.name},
        url=_request_url(request),
        community=request.community,
        actor=by,
    )
    return request


# --- Mentorships ----------------------------------------------------------------------------


def _next_checkin(cadence: str, after: date) -> date | None:
    days = CADENCE_DAYS.get(cadence)
    return after + timedelta(days=days) if days else None


def _lock_mentorship(mentorship: Mentorship) -> Mentorship:
    return (
        Mentorship.objects.select_for_update(of=("self",))
        .select_related("community", "mentor", "mentee")
        .get(pk=mentorship.pk)
    )


def _require_party(mentorship: Mentorship, user: User) -> None:
    if user.pk not in (mentorship.mentor_id, mentorship.mentee_id):
        raise ValidationError(_("Only the mentor and the mentee can do this."))


@transaction.atomic
def pause_mentorship(*, mentorship: Mentorship, by: User) -> Mentorship:
    """Pause a mentorship (no check-in reminders meanwhile); the mentor keeps the place."""
    mentorship = _lock_mentorship(mentorship)
    _require_party(mentorship, by)
    if mentorship.status != MentorshipStatus.ACTIVE:
        raise ValidationError(_("Only an active mentorship can be paused."))
    mentorship.status = MentorshipStatus.PAUSED
    mentorship.paused_at = timezone.now()
    mentorship.save(update_fields=["status", "paused_at"])
    return mentorship


@transaction.atomic
def resume_mentorship(*, mentorship: Mentorship, by: User) -> Mentorship:
    """Resume a paused mentorship; the next check-in is due one cadence from today."""
    mentorship = _lock_mentorship(mentorship)
    _require_party(mentorship, by)
    if mentorship.status != MentorshipStatus.PAUSED:
        raise ValidationError(_("Only a paused mentorship can be resumed."))
    mentorship.status = MentorshipStatus.ACTIVE
    mentorship.paused_at = None
    mentorship.next_checkin_on = _next_checkin(mentorship.cadence, timezone.localdate())
    mentorship.save(update_fields=["status", "paused_at", "next_checkin_on"])
    return mentorship


@transaction.atomic
def extend_mentorship(*, mentorship: Mentorship, by: User, end_date: date) -> Mentorship:
    """Move the end date later."""
    mentorship = _lock_mentorship(mentorship)
    _require_party(mentorship, by)
    if mentorship.status == MentorshipStatus.COMPLETED:
        raise ValidationError(_("A completed mentorship cannot be extended."))
    if end_date <= mentorship.end_date:
        raise ValidationError(
            {
                "end_date": _("Choose a date after the current end date, %(d)s.")
                % {"d": mentorship.end_date.isoformat()}
            }
        )
    mentorship.end_date = end_date
    mentorship.save(update_fields=["end_date"])
    return mentorship


@transaction.atomic
def update_agreement(
    *, mentorship: Mentorship, by: User, goals: str, cadence: str, share_checkins: bool
) -> Mentorship:
    """Change the agreement's goals and cadence, and whether coordinators may read the
    check-in notes."""
    mentorship = _lock_mentorship(mentorship)
    _require_party(mentorship, by)
    if mentorship.status == MentorshipStatus.COMPLETED:
        raise ValidationError(_("A completed mentorship cannot be changed."))
    if not goals.strip():
        raise ValidationError({"goals": _("The goals cannot be empty.")})
    if cadence != mentorship.cadence:
        mentorship.next_checkin_on = _next_checkin(cadence, timezone.localdate())
    mentorship.goals = goals
    mentorship.cadence = cadence
    mentorship.share_checkins_with_coordinators = share_checkins
    mentorship.save(
        update_fields=["goals", "cadence", "share_checkins_with_coordinators", "next_checkin_on"]
    )
    return mentorship


@transaction.atomic
def complete_mentorship(
    *, mentorship: Mentorship, by: User, reflection: str = "", feedback: str = ""
) -> Mentorship:
    """Complete a mentorship, early or on time: a completion, not a failure. The place
    frees up for the mentor. Side effects: MENTORED/WAS_MENTORED participation (once
    per mentorship) and a notification to the other side."""
    mentorship = _lock_mentorship(mentorship)
    _require_party(mentorship, by)
    if mentorship.status == MentorshipStatus.COMPLETED:
        raise ValidationError(_("This mentorship is already completed."))
    now = timezone.now()
    mentorship.status = MentorshipStatus.COMPLETED
    mentorship.completed_at = now
    mentorship.completed_by = by
    mentorship.reflection = reflection
    mentorship.next_checkin_on = None
    fields = ["status", "completed_at", "completed_by", "reflection", "next_checkin_on"]
    if feedback:
        side = "mentor_feedback" if by.pk == mentorship.mentor_id else "mentee_feedback"
        setattr(mentorship, side, feedback)
        fields.append(side)
    mentorship.save(update_fields=fields)
    community = mentorship.community
    record_participation(
        kind=ParticipationKind.MENTORED,
        user=mentorship.mentor,
        community=community,
        subject=mentorship,
    )
    record_participation(
        kind=ParticipationKind.WAS_MENTORED,
        user=mentorship.mentee,
        community=community,
        subject=mentorship,
    )
    other = mentorship.other_party(by)
    notify(
        recipient=other,
        kind=(
            NotificationKind.MENTOR_REQUEST
            if other.pk == mentorship.mentor_id
            else NotificationKind.MENTOR_ANSWER
        ),
        title=_("%(name)s completed your mentorship; add your feedback if you like")
        % {"name": by.name},
        body=reflection,
        url=mentorship.get_absolute_url(),
        community=community,
        actor=by,
    )
    return mentorship


@transaction.atomic
def leave_feedback(*, mentorship: Mentorship, by: User, feedback: str) -> Mentorship:
    """Short feedback from one side at the end of a completed mentorship."""
    mentorship = _lock_mentorship(mentorship)
    _require_party(mentorship, by)
    if mentorship.status != MentorshipStatus.COMPLETED:
        raise ValidationError(_("Feedback is given once the mentorship is completed."))
    side = "mentor_feedback" if by.pk == mentorship.mentor_id else "mentee_feedback"
    setattr(mentorship, side, feedback)
    mentorship.save(update_fields=[side])
    return mentorship


@transaction.atomic
def log_checkin(
    *, mentorship: Mentorship, author: User, on: date, notes: str, next_steps: str = ""
) -> CheckIn:
    """Log a check-in; the next one is due one cadence after it (its reminder is new)."""
    mentorship = _lock_mentorship(mentorship)
    _require_party(mentorship, author)
    if mentorship.status == MentorshipStatus.COMPLETED:
        raise ValidationError(_("This mentorship is completed."))
    if on > timezone.localdate() + timedelta(days=1):
        raise ValidationError({"date": _("A check-in is logged after it happened.")})
    if not notes.strip():
        raise ValidationError({"notes": _("Write a few words about the conversation.")})
    checkin = CheckIn.objects.create(
        mentorship=mentorship, date=on, notes=notes, next_steps=next_steps, author=author
    )
    upcoming = _next_checkin(mentorship.cadence, on)
    if upcoming and (mentorship.next_checkin_on is None or upcoming > mentorship.next_checkin_on):
        mentorship.next_checkin_on = upcoming
        mentorship.save(update_fields=["next_checkin_on"])
    return checkin


def remind_checkin(*, mentorship_id: int, today: date | None = None) -> bool:
    """Remind both sides that a check-in is due; once per due date, even when two workers
    run: the claim is a conditional update. Returns whether reminders went out."""
    today = today or timezone.localdate()
    with transaction.atomic():
        mentorship = (
            Mentorship.objects.select_related("community", "mentor", "mentee")
            .filter(pk=mentorship_id, status=MentorshipStatus.ACTIVE)
            .first()
        )
        if mentorship is None or mentorship.next_checkin_on is None:
            return False
        due = mentorship.next_checkin_on
        if due > today:
            return False
        claimed = (
            Mentorship.objects.filter(pk=mentorship.pk, next_checkin_on=due)
            .exclude(checkin_reminded_for=due)
            .update(checkin_reminded_for=due)
        )
        if not claimed:
            return False
        for person, other in (
            (mentorship.mentor, mentorship.mentee),
            (mentorship.mentee, mentorship.mentor),
        ):
            notify(
                recipient=person,
                kind=NotificationKind.CHECKIN_DUE,
                title=_("A check-in with %(name)s is due (%(date)s)")
                % {"name": other.name, "date": due.isoformat()},
                url=mentorship.get_absolute_url(),
                community=mentorship.community,
            )
    return True


def due_checkin_ids(*, today: date | None = None) -> list[int]:
    """Active mentorships whose check-in is due and not yet reminded for that date."""
    today = today or timezone.localdate()
    return list(
        Mentorship.objects.filter(status=MentorshipStatus.ACTIVE, next_checkin_on__lte=today)
        .exclude(checkin_reminded_for=models.F("next_checkin_on"))
        .values_list("pk", flat=True)
        .order_by("pk")
    )
