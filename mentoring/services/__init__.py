"""Writes of the mentoring app, and the mentor ranking they route requests with, by
sub-domain: offers, onboarding, ranking, requests, mentorships. The names are
re-exported here, so `from mentoring import services` and
`mentoring.services.<name>` keep working.

Every function raises `django.core.exceptions.ValidationError` with a message a
person can read when the action is not possible; views show it.
"""

from .mentorships import (
    _lock_mentorship as _lock_mentorship,
)

# The private helpers too: modules beside this package imported them from the old module.
from .mentorships import (
    _next_checkin as _next_checkin,
)
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
    _check_topics as _check_topics,
)
from .offers import (
    _require_active_member as _require_active_member,
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
from .ranking import (
    _act_phrase as _act_phrase,
)
from .ranking import (
    _acts_text as _acts_text,
)
from .ranking import (
    _by_type as _by_type,
)
from .ranking import (
    _candidate as _candidate,
)
from .ranking import (
    _deleted_subjects as _deleted_subjects,
)
from .ranking import (
    _subjects_tagged_with as _subjects_tagged_with,
)
from .ranking import (
    _tag_fields as _tag_fields,
)
from .ranking import (
    _tagged_parent as _tagged_parent,
)
from .requests import (
    _close_pending_offer as _close_pending_offer,
)
from .requests import (
    _coordinators as _coordinators,
)
from .requests import (
    _lock_request as _lock_request,
)
from .requests import (
    _offer_to as _offer_to,
)
from .requests import (
    _pass_on as _pass_on,
)
from .requests import (
    _request_url as _request_url,
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
