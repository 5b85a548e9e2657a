"""Object permissions of the mentoring app, as `rules` predicates.

Community predicates take (user, community); the others take (user, request) or
(user, mentorship) and look the community up through the object.
"""

import rules

from cop.rules import is_active_member, is_coordinator, is_participant

from .enums import LIVE_REQUEST_STATUSES, RequestStatus


def _member_of_its_community(user, obj) -> bool:
    return is_active_member(user, obj.community)


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

rules.add_perm("mentoring.offer_mentoring", can_offer_mentoring)
rules.add_perm("mentoring.request_mentor", can_request_mentor)
rules.add_perm("mentoring.view_overview", can_view_mentoring_overview)
rules.add_perm("mentoring.edit_onboarding", can_edit_onboarding)
rules.add_perm("mentoring.answer_request", can_answer_request)
rules.add_perm("mentoring.withdraw_request", can_withdraw_request)
rules.add_perm("mentoring.assign_mentor", can_assign_mentor)
rules.add_perm("mentoring.view_request", can_view_request)
rules.add_perm("mentoring.view_mentorship", can_view_mentorship)
rules.add_perm("mentoring.view_checkins", can_view_checkins)
rules.add_perm("mentoring.change_mentorship", can_change_mentorship)
