"""Object permissions of the mentoring app, as `rules` predicates.

Community predicates take (user, community); the others take (user, request) or
(user, mentorship) and look the community up through the object.
"""

import rules
from django.utils.translation import gettext_lazy as _

from cop.permissions import declare
from cop.rules import is_active_member, is_coordinator, is_participant

from .enums import LIVE_REQUEST_STATUSES, RequestStatus


def _member_of_its_community(user, obj) -> bool:
    return is_active_member(user, obj.community)


@rules.predicate
def is_participant_of_its_community(user, obj) -> bool:
    return is_participant(user, obj.community)


@rules.predicate
def is_offered_mentor(user, request) -> bool:
    return (
        user.is_authenticated
        and request.status == RequestStatus.OFFERED
        and request.current_mentor_id == user.pk
        and _member_of_its_community(user, request)
    )


@rules.predicate
def is_requester(user, request) -> bool:
    return (
        user.is_authenticated
        and request.requester_id == user.pk
        and _member_of_its_community(user, request)
    )


@rules.predicate
def request_is_live(user, request) -> bool:
    return request.status in LIVE_REQUEST_STATUSES


@rules.predicate
def coordinates_its_community(user, obj) -> bool:
    return is_coordinator(user, obj.community)


@rules.predicate
def was_offered_it(user, request) -> bool:
    """A mentor the request was offered to at some point (they keep read access)."""
    return (
        user.is_authenticated
        and _member_of_its_community(user, request)
        and any(offer.mentor_id == user.pk for offer in request.offers.all())
    )


@rules.predicate
def is_party(user, mentorship) -> bool:
    return (
        user.is_authenticated
        and user.pk in (mentorship.mentor_id, mentorship.mentee_id)
        and _member_of_its_community(user, mentorship)
    )


@rules.predicate
def shares_checkins(user, mentorship) -> bool:
    return mentorship.share_checkins_with_coordinators


can_offer_mentoring = is_participant
can_request_mentor = is_participant
can_view_mentoring_overview = is_coordinator
can_edit_onboarding = is_coordinator
can_answer_request = is_offered_mentor
can_withdraw_request = is_requester & request_is_live
can_assign_mentor = coordinates_its_community & request_is_live
can_view_request = is_requester | was_offered_it | coordinates_its_community
can_view_mentorship = is_party | coordinates_its_community
# Coordinators see a mentorship's summary; its check-in notes only when the pair shares them.
can_view_checkins = is_party | (coordinates_its_community & shares_checkins)
can_change_mentorship = is_party


@rules.predicate
def is_its_mentor(user, offer) -> bool:
    return user.is_authenticated and offer.mentor_id == user.pk


can_change_offer = is_its_mentor & is_participant_of_its_community

# Declared permissions: one per action, read by pages and the API with `authorize`
# (selectors read `view_request`/`view_mentorship` to answer 404 for the invisible).
declare(
    "mentoring.request_mentor",
    can_request_mentor,
    _("Only members of this community can ask for a mentor. Join the community first."),
)
declare(
    "mentoring.offer_mentoring",
    can_offer_mentoring,
    _("Only active members of this community can offer mentoring."),
)
declare(
    "mentoring.change_offer",
    can_change_offer,
    _(
        "Only the mentor can pause or resume their offer, and only while among the "
        "community's active members."
    ),
)
declare(
    "mentoring.use_mentoring",
    is_active_member,
    _("Only members of this community can do this. Join the community first."),
)
declare(
    "mentoring.view_overview",
    can_view_mentoring_overview,
    _("Only coordinators see the mentoring overview."),
)
declare(
    "mentoring.edit_onboarding",
    can_edit_onboarding,
    _("Only coordinators can edit the onboarding checklist."),
)
declare(
    "mentoring.answer_request",
    can_answer_request,
    _("Only the mentor this request is offered to can answer it, while it waits."),
)
declare(
    "mentoring.withdraw_request",
    can_withdraw_request,
    _("Only the person who asked can withdraw a waiting request."),
)
declare(
    "mentoring.assign_mentor",
    can_assign_mentor,
    _("Only coordinators can assign a mentor to a waiting request."),
)
declare("mentoring.view_request", can_view_request, _("This request is not visible to you."))
declare(
    "mentoring.view_mentorship", can_view_mentorship, _("This mentorship is not visible to you.")
)
declare(
    "mentoring.view_checkins",
    can_view_checkins,
    _("Only the pair see their check-in notes (and coordinators, when the pair shares them)."),
)
declare(
    "mentoring.change_mentorship",
    can_change_mentorship,
    _("Only the mentor and the mentee can change a mentorship or log its check-ins."),
)
