"""Object permissions of the core domain, as `rules` predicates.

Predicates take (user, community). Membership lookups are cached per request on
the user object so a page asks the database once per community.
"""

import rules
from allauth.account.models import EmailAddress
from django.utils.translation import gettext_lazy as _

from cop.enums import JoinPolicy, MembershipStatus, RelationStatus, Role, Visibility
from cop.extensions import comment_target_for_model
from cop.models import Community, Membership
from cop.permissions import declare


def membership_of(user, community: Community) -> Membership | None:
    """The user's membership row in a community (any status), cached on the user."""
    if user is None or not user.is_authenticated or community is None:
        return None
    cache = user.__dict__.setdefault("_copse_memberships", {})
    if community.pk not in cache:
        membership = Membership.objects.filter(user=user, community=community).first()
        if membership is not None:
            membership.community = community  # the caller's row: no second query
        cache[community.pk] = membership
    return cache[community.pk]


def forget_memberships(user) -> None:
    """Drop the cached memberships after a write that changed them."""
    user.__dict__.pop("_copse_memberships", None)


@rules.predicate
def is_active_member(user, community) -> bool:
    membership = membership_of(user, community)
    return membership is not None and membership.status == MembershipStatus.ACTIVE


@rules.predicate
def has_accepted_conduct(user, community) -> bool:
    """The member accepted the community's code of conduct in force. Read from the
    cached membership and the community row: it costs no query."""
    membership = membership_of(user, community)
    return (
        membership is not None
        and community is not None
        and membership.conduct_version_accepted >= community.conduct_version
    )


# Taking part (posting, replying, RSVP, voting, flagging ...) needs an active membership
# and the code of conduct in force accepted. Reading does not.
is_participant = is_active_member & has_accepted_conduct


def conduct_pending(user) -> Community | None:
    """A community this request looked at where `user` is an active member who has not
    accepted the code of conduct in force: the reason a refusal gives (with a link to
    accept) instead of the action's own. Reads only the per-request membership cache."""
    if user is None or not user.is_authenticated:
        return None
    for membership in user.__dict__.get("_copse_memberships", {}).values():
        if (
            membership is not None
            and membership.status == MembershipStatus.ACTIVE
            and membership.conduct_version_accepted < membership.community.conduct_version
        ):
            return membership.community
    return None


@rules.predicate
def is_coordinator(user, community) -> bool:
    membership = membership_of(user, community)
    return (
        membership is not None
        and membership.status == MembershipStatus.ACTIVE
        and membership.role == Role.COORDINATOR
    )


@rules.predicate
def is_public(user, community) -> bool:
    return community is not None and community.visibility == Visibility.PUBLIC


@rules.predicate
def is_pending(user, community) -> bool:
    membership = membership_of(user, community)
    return membership is not None and membership.status == MembershipStatus.PENDING


@rules.predicate
def was_removed(user, community) -> bool:
    membership = membership_of(user, community)
    return membership is not None and membership.status == MembershipStatus.REMOVED


@rules.predicate
def has_verified_email(user) -> bool:
    if not user.is_authenticated:
        return False
    return EmailAddress.objects.filter(user=user, verified=True).exists()


@rules.predicate
def join_policy_open(user, community) -> bool:
    return community is not None and community.join_policy == JoinPolicy.OPEN


@rules.predicate
def join_policy_approval(user, community) -> bool:
    return community is not None and community.join_policy == JoinPolicy.APPROVAL


can_view_community = is_public | is_active_member
can_join_community = (
    rules.is_authenticated
    & can_view_community
    & join_policy_open
    & ~is_active_member
    & ~was_removed
)
can_request_to_join = (
    rules.is_authenticated
    & can_view_community
    & join_policy_approval
    & ~is_active_member
    & ~is_pending
    & ~was_removed
)
can_edit_community = is_coordinator
can_manage_members = is_coordinator
can_leave_community = is_active_member | is_pending

can_start_community = rules.is_authenticated & has_verified_email


@rules.predicate
def is_narrator(user, story) -> bool:
    return story is not None and user.is_authenticated and story.narrator_id == user.pk


def _declare_communities() -> None:
    """Who may do what with a community and its members (read by pages and the API)."""
    declare("cop.signed_in", rules.is_authenticated, _("Sign in first."))
    declare(
        "cop.add_community",
        can_start_community,
        _("Verify your email address before starting a community."),
    )
    declare("cop.view_community", can_view_community, _("This community is not visible to you."))
    declare("cop.join_community", can_join_community, _("This community is by invitation only."))
    declare(
        "cop.request_to_join_community",
        can_request_to_join,
        _("You cannot ask to join this community."),
    )
    declare(
        "cop.change_community",
        can_edit_community,
        _("Only the community's coordinators can change it."),
    )
    declare(
        "cop.manage_members",
        can_manage_members,
        _("Only the community's coordinators can do this."),
    )
    declare("cop.leave_community", can_leave_community, _("You are not a member of it."))
    declare(
        "cop.look_up_members",
        is_active_member,
        _("Only members can look up other members."),
    )
    declare(
        "cop.view_coordination",
        is_coordinator,
        _("Only the community's coordinators see this."),
    )
    declare(
        "cop.tell_value_story",
        is_active_member,
        _("Join the community to tell its value stories."),
    )
    declare(
        "cop.answer_follow_up",
        is_narrator,
        _("Only the narrator answers the follow-up questions."),
    )


# --- Conversation: comments and announcements ---------------------------------------------
# Target predicates take (user, target) where the target is any registered comment target
# (cop.extensions.register_comment_target); comment predicates take (user, comment), a
# comment fetched through cop.selectors.conversation.access_comment (its target visible).


@rules.predicate
def can_view_target(user, target) -> bool:

    spec = comment_target_for_model(type(target)) if target is not None else None
    return spec is not None and bool(spec.can_view(user, target))


@rules.predicate
def is_member_of_target_community(user, target) -> bool:
    return target is not None and is_active_member(user, target.community)


@rules.predicate
def comment_is_live(user, comment) -> bool:
    return comment is not None and comment.deleted_at is None


@rules.predicate
def comment_is_shown(user, comment) -> bool:
    return comment is not None and comment.hidden_at is None


@rules.predicate
def is_comment_author(user, comment) -> bool:
    return (
        comment is not None
        and user.is_authenticated
        and comment.author_id is not None
        and comment.author_id == user.pk
    )


@rules.predicate
def is_member_of_comment_community(user, comment) -> bool:
    return comment is not None and is_active_member(user, comment.community)


@rules.predicate
def is_coordinator_of_comment_community(user, comment) -> bool:
    return comment is not None and is_coordinator(user, comment.community)


can_comment_on = can_view_target & is_member_of_target_community
can_see_comment = comment_is_live & (
    comment_is_shown | is_comment_author | is_coordinator_of_comment_community
)
can_edit_comment = comment_is_live & is_comment_author & is_member_of_comment_community
can_delete_comment = comment_is_live & (
    (is_comment_author & is_member_of_comment_community) | is_coordinator_of_comment_community
)
can_react_to_comment = (
    comment_is_live & comment_is_shown & is_member_of_comment_community & ~is_comment_author
)
can_moderate_comment = is_coordinator_of_comment_community


def _declare_conversation() -> None:

    declare("cop.view_comments", can_view_target, _("You cannot see this."))
    declare(
        "cop.comment_on",
        can_comment_on,
        _("Only active members of this community can comment."),
    )
    declare("cop.view_comment", can_see_comment, _("You cannot see this comment."))
    declare(
        "cop.edit_comment",
        can_edit_comment,
        _("Only the author can edit a comment, while it is not deleted."),
    )
    declare(
        "cop.delete_comment",
        can_delete_comment,
        _("Only the author or a coordinator can delete a comment."),
    )
    declare(
        "cop.react_to_comment",
        can_react_to_comment,
        _("Only members can react, to a visible comment that is not their own."),
    )
    declare(
        "cop.moderate_comment",
        can_moderate_comment,
        _("Only a coordinator can hide or restore a comment."),
    )
    declare(
        "cop.view_announcements",
        can_view_community,
        _("You cannot see this community's announcements."),
    )
    declare(
        "cop.post_announcement",
        is_coordinator,
        _("Only a coordinator can post an announcement."),
    )
    declare(
        "cop.view_announcement_progress",
        is_coordinator,
        _("Only a coordinator can see how far an announcement has been sent."),
    )


_declare_communities()
_declare_conversation()


# --- Constellations and the network page ---------------------------------------------------
# Relation predicates take (user, relation), a CommunityRelation with both communities.


@rules.predicate
def coordinates_asked_side(user, relation) -> bool:
    return relation is not None and is_coordinator(user, relation.to_community)


@rules.predicate
def coordinates_either_side(user, relation) -> bool:
    return relation is not None and (
        is_coordinator(user, relation.from_community) or is_coordinator(user, relation.to_community)
    )


@rules.predicate
def relation_is_requested(user, relation) -> bool:
    return relation is not None and relation.status == RelationStatus.REQUESTED


@rules.predicate
def relation_is_live(user, relation) -> bool:
    return relation is not None and relation.status in (
        RelationStatus.REQUESTED,
        RelationStatus.ACTIVE,
    )


@rules.predicate
def may_browse_network(user) -> bool:
    """Staff, and whoever the site admin marked as a network viewer (`User.network_viewer`,
    a box in the user's admin page). Read from the user row: no query."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_staff or user.network_viewer)
    )


def _declare_constellations() -> None:
    declare(
        "cop.view_relations",
        can_view_community,
        _("You cannot see this community's related communities."),
    )
    declare(
        "cop.request_relation",
        is_coordinator,
        _("Only a coordinator can ask another community to become related."),
    )
    declare(
        "cop.answer_relation",
        coordinates_asked_side & relation_is_requested,
        _("Only a coordinator of the asked community can answer, while the request waits."),
    )
    declare(
        "cop.end_relation",
        coordinates_either_side & relation_is_live,
        _("Only a coordinator of either community can end a relation that is in force."),
    )
    declare(
        "cop.view_network",
        may_browse_network,
        _("The network page is open to staff and to people the site admin allows."),
    )


_declare_constellations()


def _declare_coordinator_tools() -> None:
    """Coordinator tools (outreach, bulk invitations, sponsor report) and thanks; the
    object is the community."""
    declare(
        "cop.invite_members",
        is_coordinator,
        _("Only the community's coordinators can invite people."),
    )
    declare(
        "cop.view_outreach",
        is_coordinator,
        _("Only the community's coordinators can see who has been quiet."),
    )
    declare(
        "cop.send_personal_note",
        is_coordinator,
        _("Only the community's coordinators can send a personal note."),
    )
    declare(
        "cop.view_sponsor_report",
        is_coordinator | rules.is_staff,
        _("Only the community's coordinators and staff can see its sponsor report."),
    )
    declare("cop.thank", is_active_member, _("Only members of this community can say thanks."))


_declare_coordinator_tools()
