"""Requests for a mentor: asked, offered to mentors in turn, accepted, declined,
withdrawn, handed off when stale, assigned by a coordinator.
Refusals raise ValidationError (see the package docstring).
"""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cop.enums import MembershipStatus, NotificationKind, ParticipationKind, Role
from cop.models import Community, Tag, User
from cop.services.notifications import notify
from cop.services.participation import record_participation

from ..enums import LIVE_REQUEST_STATUSES, OPEN_MENTORSHIP_STATUSES, OfferOutcome, RequestStatus
from ..models import MentorOffer, MentorRequest, Mentorship, RequestOffer
from .mentorships import _next_checkin
from .offers import _check_topics, _require_active_member
from .ranking import rank_mentors


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
    _tell_about(request, mentor, _("%(name)s asks you to be their mentor in %(community)s"))


def _tell_about(request: MentorRequest, recipient: User, title: str) -> None:
    """A MENTOR_REQUEST notification about `request`; `title` names the requester
    %(name)s and the community %(community)s."""
    notify(
        recipient=recipient,
        kind=NotificationKind.MENTOR_REQUEST,
        title=title % {"name": request.requester.name, "community": request.community.name},
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
        _tell_about(
            request,
            coordinator,
            _("No mentor is free for %(name)s's request in %(community)s"),
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
