"""Demo data of the mentoring app for `manage.py seed_demo`.

Idempotent: every row is fetched by a natural key (offer: community and mentor;
request: community, requester and goals) before it is created, and communities that
are missing are skipped.
"""

from datetime import timedelta

from django.utils import timezone

from cop.enums import MembershipStatus, ParticipationKind
from cop.models import Community, Membership, User
from cop.services.participation import record_participation

from .enums import Cadence, MentorshipStatus, OfferOutcome, RequestStatus
from .models import CheckIn, MentorOffer, MentorRequest, Mentorship, RequestOffer
from .services import ensure_onboarding_steps

# community slug -> mentor key -> (topic names, capacity, availability, languages, paused)
OFFERS = {
    "sre-guild": {
        "chen": (
            ["PostgreSQL", "capacity planning"],
            3,
            "Wednesday mornings (SGT)",
            "English, Mandarin",
            False,
        ),
        "ben": (
            ["incident response", "on-call"],
            2,
            "Tuesday evenings, 45 minutes",
            "English",
            False,
        ),
        "ivan": (
            ["observability", "on-call"],
            1,
            "Fridays after lunch",
            "English, Bulgarian",
            False,
        ),
        "ada": (["incident response"], 1, "Ask me first", "English, German", True),
    },
    "bedside-teaching": {
        "hana": (
            ["feedback", "case teaching"],
            2,
            "After the morning ward round",
            "English, Japanese",
            False,
        ),
    },
}

# (requester, goals, topics, cadence, story); the story decides status and history.
REQUESTS = {
    "sre-guild": [
        (
            "eli",
            "Get confident running the **incident channel** during my first on-call week.",
            ["incident response", "on-call"],
            Cadence.WEEKLY,
            "active",
        ),
        (
            "june",
            "Understand how our PostgreSQL replicas fail over, and what to watch.",
            ["PostgreSQL"],
            Cadence.FORTNIGHTLY,
            "open",
        ),
        (
            "hana",
            "Learn enough observability to instrument the frontend properly.",
            ["observability"],
            Cadence.FORTNIGHTLY,
            "stalled",
        ),
        (
            "gus",
            "Find a way from reading along to answering a problem now and then.",
            [],
            Cadence.MONTHLY,
            "unmatched",
        ),
        (
            "fatima",
            "Plan database capacity for the new audit log.",
            ["capacity planning", "PostgreSQL"],
            Cadence.FORTNIGHTLY,
            "completed",
        ),
    ],
}

NOTES = {
    "active": [
        (
            35,
            "Walked through last month's incident timeline together.",
            "Shadow the on-call shift on Thursday.",
        ),
        (
            28,
            "Shadowed the Thursday page; talked about when to escalate.",
            "Write the first draft of a status update.",
        ),
        (
            21,
            "Reviewed the status-update draft: shorter, say what users see.",
            "Lead the next incident review.",
        ),
    ],
    "completed": [
        (
            30,
            "Sized the audit log: rows per day, retention, index cost.",
            "Measure write amplification on staging.",
        ),
        (
            16,
            "Partitioning by month keeps vacuum cheap; drafted the plan.",
            "Get the plan reviewed at Thursday's meeting.",
        ),
    ],
}

# story -> the mentors it was offered to, in order, with each offer's outcome.
STORIES = {
    "active": [("ben", OfferOutcome.ACCEPTED)],
    "open": [("chen", OfferOutcome.PENDING)],
    "stalled": [("ivan", OfferOutcome.PENDING)],
    "unmatched": [("ada", OfferOutcome.DECLINED), ("ivan", OfferOutcome.EXPIRED)],
    "completed": [("chen", OfferOutcome.ACCEPTED)],
}


def _active_member(community: Community, user: User | None) -> bool:
    return (
        user is not None
        and Membership.objects.filter(
            community=community, user=user, status=MembershipStatus.ACTIVE
        ).exists()
    )


def _seed_offers(community: Community, users: dict[str, User]) -> int:
    created = 0
    tags = {tag.name: tag for tag in community.tags.all()}
    for key, (topics, capacity, availability, languages, paused) in OFFERS.get(
        community.slug, {}
    ).items():
        mentor = users.get(key)
        if not _active_member(community, mentor):
            continue
        offer, new = MentorOffer.objects.get_or_create(
            community=community,
            mentor=mentor,
            defaults={
                "capacity": capacity,
                "availability": availability,
                "languages": languages,
                "timezone": mentor.timezone,
                "paused": paused,
            },
        )
        if new:
            offer.topics.set([tags[name] for name in topics if name in tags])
            created += 1
    return created


def _seed_request(community, users, requester_key, goals, topics, cadence, story) -> bool:
    requester = users.get(requester_key)
    mentors = [(users.get(key), outcome) for key, outcome in STORIES[story]]
    if not _active_member(community, requester) or not all(
        _active_member(community, mentor) for mentor, _ in mentors
    ):
        return False
    if MentorRequest.objects.filter(community=community, requester=requester, goals=goals).exists():
        return False
    now = timezone.now()
    timeout = timedelta(days=community.mentor_request_timeout_days)
    # Stalled and unmatched requests are older; the others are recent.
    asked = now - timedelta(
        days={"stalled": 5, "unmatched": 9, "completed": 120, "active": 40}.get(story, 1)
    )
    request = MentorRequest.objects.create(
        community=community,
        requester=requester,
        goals=goals,
        cadence=cadence,
        timezone=requester.timezone,
        created_at=asked,
    )
    tags = {tag.name: tag for tag in community.tags.all()}
    request.topics.set([tags[name] for name in topics if name in tags])
    offered_at = asked
    for mentor, outcome in mentors:
        answered = None if outcome == OfferOutcome.PENDING else offered_at + timedelta(days=1)
        RequestOffer.objects.create(
            request=request,
            mentor=mentor,
            offered_at=offered_at,
            deadline=offered_at + timeout,
            outcome=outcome,
            answered_at=answered,
            message="I'm away most of this month, sorry!"
            if outcome == OfferOutcome.DECLINED
            else "",
        )
        if outcome == OfferOutcome.PENDING:
            request.status = RequestStatus.OFFERED
            request.current_mentor = mentor
            request.offered_at = offered_at
            request.deadline = offered_at + timeout
        offered_at = offered_at + timedelta(days=2)
    if story == "unmatched":
        request.status = RequestStatus.UNMATCHED
    if story in ("active", "completed"):
        request.status = RequestStatus.ACCEPTED
        request.closed_at = asked + timedelta(days=1)
    request.save()
    if story in ("active", "completed"):
        _seed_mentorship(request, mentors[0][0], story)
    return True


def _seed_mentorship(request: MentorRequest, mentor: User, story: str) -> None:
    started = request.created_at + timedelta(days=1)
    today = timezone.localdate()
    mentorship = Mentorship.objects.create(
        community=request.community,
        request=request,
        mentor=mentor,
        mentee=request.requester,
        goals=request.goals,
        cadence=request.cadence,
        started_at=started,
        end_date=(started + timedelta(days=90)).date(),
        share_checkins_with_coordinators=story == "active",
    )
    notes = NOTES[story]
    for days_ago, text, next_steps in notes:
        CheckIn.objects.create(
            mentorship=mentorship,
            date=today - timedelta(days=days_ago if story == "active" else days_ago + 80),
            notes=text,
            next_steps=next_steps,
            author=mentor,
        )
    if story == "active":
        mentorship.next_checkin_on = today - timedelta(days=14)
        mentorship.save(update_fields=["next_checkin_on"])
    else:
        mentorship.status = MentorshipStatus.COMPLETED
        mentorship.completed_at = started + timedelta(days=70)
        mentorship.completed_by = request.requester
        mentorship.reflection = "We finished early: the capacity plan is written and reviewed."
        mentorship.mentee_feedback = "Patient, precise, and always had a query ready."
        mentorship.mentor_feedback = "Asked the right questions from day one."
        mentorship.save()
    for user, kind in (
        (mentor, ParticipationKind.MENTORED),
        (request.requester, ParticipationKind.WAS_MENTORED),
    ):
        record_participation(
            kind=kind,
            user=user,
            community=request.community,
            subject=mentorship,
            occurred_at=started,
        )


def seed_mentoring(users: dict[str, User], communities: dict[str, Community]) -> list[str]:
    """Mentor offers, requests in every state, an active mentorship with check-ins and a
    completed one, and the default onboarding checklists."""
    lines = []
    for slug in sorted(set(OFFERS) | set(REQUESTS)):
        community = communities.get(slug)
        if community is None:
            continue
        ensure_onboarding_steps(community=community)
        offers = _seed_offers(community, users)
        requests = sum(_seed_request(community, users, *spec) for spec in REQUESTS.get(slug, []))
        lines.append(
            f"Mentoring in {community.name}: mentor offers added: {offers}, "
            f"requests added: {requests}."
        )
    return lines
