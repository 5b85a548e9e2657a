"""Choices of the core domain."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public: anyone may read")
    PRIVATE = "private", _("Private: members only")


class JoinPolicy(models.TextChoices):
    OPEN = "open", _("Open: anyone may join")
    APPROVAL = "approval", _("Approval: a coordinator approves requests")
    INVITATION = "invitation", _("Invitation only")


class Stage(models.TextChoices):
    """Stages of development (Wenger, McDermott and Snyder 2002)."""

    POTENTIAL = "potential", _("Potential")
    COALESCING = "coalescing", _("Coalescing")
    ACTIVE = "active", _("Active")
    DISPERSED = "dispersed", _("Dispersed")
    MEMORABLE = "memorable", _("Memorable")


class License(models.TextChoices):
    CC_BY_SA_4 = "CC-BY-SA-4.0", _("Creative Commons Attribution-ShareAlike 4.0")
    CC_BY_4 = "CC-BY-4.0", _("Creative Commons Attribution 4.0")
    CC_BY_NC_SA_4 = (
        "CC-BY-NC-SA-4.0",
        _("Creative Commons Attribution-NonCommercial-ShareAlike 4.0"),
    )
    CC0 = "CC0-1.0", _("CC0 1.0: public domain dedication")
    ALL_RIGHTS = "all-rights-reserved", _("All rights reserved")


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    MEMBER = "member", _("Member")


class MembershipStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACTIVE = "active", _("Active")
    DECLINED = "declined", _("Declined")
    LEFT = "left", _("Left")
    REMOVED = "removed", _("Removed")


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REVOKED = "revoked", _("Revoked")


class Level(models.TextChoices):
    """Participation levels, from the periphery to the core (in this order)."""

    NEWCOMER = "newcomer", _("Newcomer")
    PERIPHERAL = "peripheral", _("Peripheral")
    ACTIVE = "active", _("Active")
    CORE = "core", _("Core")


class ParticipationKind(models.TextChoices):
    ATTENDED_MEETING = "attended_meeting", _("Attended a meeting")
    HOSTED_MEETING = "hosted_meeting", _("Hosted a meeting")
    TOLD_STORY = "told_story", _("Told a story")
    ASKED_PROBLEM = "asked_problem", _("Brought a problem")
    ANSWERED_PROBLEM = "answered_problem", _("Answered a problem")
    SOLUTION_ACCEPTED = "solution_accepted", _("Had a solution accepted")
    VALIDATED_ENTRY = "validated_entry", _("Validated a practice")
    WROTE_ENTRY = "wrote_entry", _("Documented a practice")
    MENTORED = "mentored", _("Mentored someone")
    WAS_MENTORED = "was_mentored", _("Was mentored")
    PROPOSED_AGENDA_ITEM = "proposed_agenda_item", _("Proposed an agenda item")
    INTRODUCED_SELF = "introduced_self", _("Introduced themselves")
    RSVPED = "rsvped", _("Said they would come to a meeting")
    COMMENTED = "commented", _("Commented")


# How much each kind of participation counts towards a member's level.
PARTICIPATION_WEIGHTS: dict[str, int] = {
    ParticipationKind.ATTENDED_MEETING: 2,
    ParticipationKind.HOSTED_MEETING: 4,
    ParticipationKind.TOLD_STORY: 3,
    ParticipationKind.ASKED_PROBLEM: 2,
    ParticipationKind.ANSWERED_PROBLEM: 3,
    ParticipationKind.SOLUTION_ACCEPTED: 5,
    ParticipationKind.VALIDATED_ENTRY: 2,
    ParticipationKind.WROTE_ENTRY: 4,
    ParticipationKind.MENTORED: 4,
    ParticipationKind.WAS_MENTORED: 1,
    ParticipationKind.PROPOSED_AGENDA_ITEM: 1,
    ParticipationKind.INTRODUCED_SELF: 1,
    # Saying you will come is a first step worth noticing (onboarding ticks on it), but
    # it is attending that counts towards a level.
    ParticipationKind.RSVPED: 0,
    # A comment on a story, practice, meeting or value story is peer support as much as
    # an answer to a problem is, so it weighs the same.
    ParticipationKind.COMMENTED: 3,
}


class NotificationKind(models.TextChoices):
    REPLY = "reply", _("A reply to my problem or story")
    SOLUTION_ACCEPTED = "solution_accepted", _("My answer was accepted as a solution")
    MENTION = "mention", _("Someone mentioned me")
    MEETING_REMINDER = "meeting_reminder", _("Meeting reminders")
    MEETING_CHANGED = "meeting_changed", _("A meeting changed or was cancelled")
    MEETING_INVITATION = "meeting_invitation", _("Invitations to a meeting")
    MEETING_FEEDBACK = "meeting_feedback", _("Feedback requests after a meeting")
    WAITLIST_PROMOTED = "waitlist_promoted", _("I was promoted from a waitlist")
    JOIN_REQUEST = "join_request", _("Someone asks to join my community")
    JOIN_ANSWER = "join_answer", _("The answer to my join request")
    INVITATION = "invitation", _("Invitations")
    MENTOR_REQUEST = "mentor_request", _("Mentor requests")
    MENTOR_ANSWER = "mentor_answer", _("Answers to my mentor requests")
    CHECKIN_DUE = "checkin_due", _("A mentorship check-in is due")
    ENTRY_VALIDATED = "entry_validated", _("My practice was validated")
    ENTRY_REVIEW_DUE = "entry_review_due", _("A practice I own is due for review")
    MEMBERSHIP = "membership", _("Changes to my membership")
    SERIES_CONFIRM = "series_confirm", _("A meeting series needs confirming")
    VALUE_FOLLOW_UP = "value_follow_up", _("Follow-ups on my value stories")
    GLOSSARY = "glossary", _("Glossary terms proposed, accepted or declined")
    COMMENT = "comment", _("A comment on something I wrote, or a reply to my comment")
    ANNOUNCEMENT = "announcement", _("Announcements from my communities' coordinators")
    FOLLOWED = "followed", _("Something new in what I follow")
    FLAG_RAISED = "flag_raised", _("Content flagged in a community I coordinate")
    MODERATION = "moderation", _("Moderation of my contributions")
    CONDUCT_CHANGED = "conduct_changed", _("The code of conduct changed")
    RELATION = "relation", _("Related communities: requests and answers")
    PERSONAL_NOTE = "personal_note", _("A personal note from a coordinator")
    THANKS = "thanks", _("Someone thanked me for something I wrote")
    PRACTICE_SHARED = "practice_shared", _("A practice shared into a community I coordinate")


class ValueCycle(models.TextChoices):
    """Cycles of value creation (Wenger, Trayner and de Laat 2011)."""

    IMMEDIATE = "immediate", _("Immediate value: what happened")
    POTENTIAL = "potential", _("Potential value: what it produced")
    APPLIED = "applied", _("Applied value: how it was used")
    REALIZED = "realized", _("Realized value: what difference it made")
    TRANSFORMATIVE = "transformative", _("Reframing value: what it changed")


class FollowUpOutcome(models.TextChoices):
    HAPPENED = "happened", _("Yes, it happened")
    PARTLY = "partly", _("Partly")
    NOT_YET = "not_yet", _("Not yet")
    NO = "no", _("No, it did not")


class AuditAction(models.TextChoices):
    """Consequential actions coordinators see in their community's audit log."""

    MEMBER_REMOVED = "member_removed", _("Removed a member")
    MEMBER_RESTORED = "member_restored", _("Undid a member's removal")
    ROLE_CHANGED = "role_changed", _("Changed a member's role")
    ITEM_DELETED = "item_deleted", _("Deleted")
    ITEM_RESTORED = "item_restored", _("Restored")
    PROBLEM_MERGED = "problem_merged", _("Merged a duplicate problem")
    ENTRY_ARCHIVED = "entry_archived", _("Archived a practice")
    MEETING_CANCELLED = "meeting_cancelled", _("Cancelled a meeting")
    SERIES_ENDED = "series_ended", _("Ended a series")
    COMMENT_HIDDEN = "comment_hidden", _("Hid a comment")
    COMMENT_RESTORED = "comment_restored", _("Restored a comment")
    ANNOUNCED = "announced", _("Posted an announcement")
    ITEM_HIDDEN = "item_hidden", _("Hid content")
    ITEM_AUTO_HIDDEN = "item_auto_hidden", _("Content hidden by members' flags")
    ITEM_UNHIDDEN = "item_unhidden", _("Restored hidden content")
    FLAGS_DISMISSED = "flags_dismissed", _("Dismissed flags")
    AUTHOR_WARNED = "author_warned", _("Warned an author")
    CONDUCT_CHANGED = "conduct_changed", _("Changed the code of conduct")
    RELATION_REQUESTED = "relation_requested", _("Asked to relate to a community")
    RELATION_ACCEPTED = "relation_accepted", _("Accepted a related community")
    RELATION_DECLINED = "relation_declined", _("Declined a related community")
    RELATION_ENDED = "relation_ended", _("Ended a relation with a community")
    PRACTICE_SHARED = "practice_shared", _("Shared a practice with a related community")
    PRACTICE_UNSHARED = "practice_unshared", _("Stopped sharing a practice")
    COHOSTS_CHANGED = "cohosts_changed", _("Changed a meeting's co-hosting communities")


class ReactionKind(models.TextChoices):
    """The few reactions a comment can get: each says something a peer wants to hear."""

    THANKS = "thanks", _("Thanks")
    HELPED = "helped", _("This helped")
    PLUS_ONE = "plus_one", _("+1")


class AnnouncementStatus(models.TextChoices):
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")


class RelationStatus(models.TextChoices):
    """A relation between two communities: requested by a coordinator of one side,
    effective (`active`) once a coordinator of the other side accepts."""

    REQUESTED = "requested", _("Requested")
    ACTIVE = "active", _("Related")
    DECLINED = "declined", _("Declined")
    ENDED = "ended", _("Ended")
