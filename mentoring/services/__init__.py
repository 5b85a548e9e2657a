"""Writes of the mentoring app, and the mentor ranking they route requests with, by
sub-domain: offers, onboarding, ranking, requests, mentorships. The names are
re-exported here, so `from mentoring import services` and
`mentoring.services.<name>` keep working.

Every function raises `django.core.exceptions.ValidationError` with a message a
person can read when the action is not possible; views show it.
"""

from .mentorships import (
    complete_mentorship,
    due_checkin_ids,
    extend_mentorship,
    leave_feedback,
    log_checkin,
    pause_mentorship,
    remind_checkin,
    resume_mentorship,
    update_agreement,
)
from .offers import (
    pause_offer,
    resume_offer,
    save_offer,
    set_offer_paused,
)
from .onboarding import (
    add_onboarding_step,
    default_onboarding_steps,
    ensure_onboarding_steps,
    move_onboarding_step,
    profile_completed,
    remove_onboarding_step,
    sync_onboarding,
    tick_onboarding_step,
    update_onboarding_step,
)
from .ranking import (
    MAX_CAPACITY_POINTS,
    MAX_TRACK_RECORD_POINTS,
    POINTS_PER_ACT_IN_TOPICS,
    POINTS_PER_OTHER_ACT,
    POINTS_PER_TOPIC,
    REFERENCE_INSTANT,
    Candidate,
    Reason,
    rank_candidates,
    rank_mentors,
    timezone_distance_hours,
    timezone_points,
    utc_offset_hours,
)
from .requests import (
    accept_request,
    assign_mentor,
    decline_request,
    default_end_date,
    hand_off_request,
    hand_off_stale_requests,
    open_mentorship_count,
    request_mentor,
    withdraw_request,
)

__all__ = [
    "MAX_CAPACITY_POINTS",
    "MAX_TRACK_RECORD_POINTS",
    "POINTS_PER_ACT_IN_TOPICS",
    "POINTS_PER_OTHER_ACT",
    "POINTS_PER_TOPIC",
    "REFERENCE_INSTANT",
    "Candidate",
    "Reason",
    "accept_request",
    "add_onboarding_step",
    "assign_mentor",
    "complete_mentorship",
    "decline_request",
    "default_end_date",
    "default_onboarding_steps",
    "due_checkin_ids",
    "ensure_onboarding_steps",
    "extend_mentorship",
    "hand_off_request",
    "hand_off_stale_requests",
    "leave_feedback",
    "log_checkin",
    "move_onboarding_step",
    "open_mentorship_count",
    "pause_mentorship",
    "pause_offer",
    "profile_completed",
    "rank_candidates",
    "rank_mentors",
    "remind_checkin",
    "remove_onboarding_step",
    "request_mentor",
    "resume_mentorship",
    "resume_offer",
    "save_offer",
    "set_offer_paused",
    "sync_onboarding",
    "tick_onboarding_step",
    "timezone_distance_hours",
    "timezone_points",
    "update_agreement",
    "update_onboarding_step",
    "utc_offset_hours",
    "withdraw_request",
]
