"""Object permissions of the knowledge app, as `rules` predicates.

Community-level predicates take (user, community); item-level ones take (user, item)
where the item is a Story, Problem, Reply, PracticeEntry or GlossaryTerm. Membership
lookups go through `cop.rules.membership_of`, cached per request.
"""

import rules
from django.utils.translation import gettext_lazy as _

from cop.permissions import declare
from cop.rules import (
    can_view_community,
    is_coordinator,
    is_participant,
    membership_of,
)
from cop.services.audit import within_undo_window

from .enums import EntryStatus
from .models import PracticeEntry, Reply


def _community(item):
    if item is None:
        return None
    if hasattr(item, "problem_id") and not hasattr(item, "community_id"):
        return item.problem.community  # a Reply
    return item.community


@rules.predicate
def can_view_item(user, item) -> bool:
    return item is not None and can_view_community(user, _community(item))


@rules.predicate
def is_member_of_item_community(user, item) -> bool:
    """An active member who accepted the code of conduct in force: taking part."""
    return item is not None and is_participant(user, _community(item))


@rules.predicate
def is_coordinator_of_item_community(user, item) -> bool:
    return item is not None and is_coordinator(user, _community(item))


@rules.predicate
def is_author(user, item) -> bool:
    if item is None or not user.is_authenticated:
        return False
    author_id = getattr(item, "author_id", None) or getattr(item, "proposed_by_id", None)
    return author_id is not None and author_id == user.pk


@rules.predicate
def is_owner(user, item) -> bool:
    return (
        item is not None
        and user.is_authenticated
        and getattr(item, "owner_id", None) is not None
        and item.owner_id == user.pk
    )


@rules.predicate
def is_asker(user, reply) -> bool:
    return reply is not None and user.is_authenticated and reply.problem.author_id == user.pk


def earned_expertise(user, community, tag_ids) -> bool:
    """Whether the user earned expertise in one of `tag_ids` in the community: a reply of
    theirs accepted as a solution to a problem on the topic, or a practice of theirs on
    the topic that others validated."""

    if not tag_ids:
        return False
    return (
        Reply.objects.filter(
            author=user,
            is_solution=True,
            deleted_at__isnull=True,
            problem__community=community,
            problem__deleted_at__isnull=True,
            problem__tags__in=tag_ids,
        ).exists()
        or PracticeEntry.objects.filter(
            author=user,
            community=community,
            status=EntryStatus.VALIDATED,
            deleted_at__isnull=True,
            tags__in=tag_ids,
        ).exists()
    )


@rules.predicate
def is_expert_for_entry(user, entry) -> bool:
    """The user is an expert in one of the entry's topics: recognised by the community's
    coordinators, or earned (see `earned_expertise`). Expertise one declares on one's own
    profile is not enough to validate alone."""
    membership = membership_of(user, entry.community) if entry is not None else None
    if membership is None or not membership.is_active:
        return False
    tag_ids = {tag.pk for tag in entry.tags.all()}
    if not tag_ids:
        return False
    if membership.recognised_expertise.filter(pk__in=tag_ids).exists():
        return True
    return earned_expertise(user, entry.community, tag_ids)


@rules.predicate
def is_live(user, item) -> bool:
    return item is not None and getattr(item, "deleted_at", None) is None


@rules.predicate
def is_draft(user, item) -> bool:
    """A practice entry still in draft: private to its author and the coordinators."""
    return (
        item is not None
        and item._meta.model_name == "practiceentry"
        and item.status == EntryStatus.DRAFT
    )


@rules.predicate
def entry_is_open_for_validation(user, entry) -> bool:
    return entry is not None and entry.status in (EntryStatus.NOT_VALIDATED, EntryStatus.VALIDATED)


# Community level
can_view_knowledge = can_view_community
can_post = is_participant
can_export = is_coordinator
can_accept_term = is_coordinator

# Item level. A draft is seen by its author and the community's coordinators only; the
# queryset form of this rule is `knowledge.selectors.visible_entries`.
can_view = can_view_item & (~is_draft | is_author | is_coordinator_of_item_community)
can_edit = is_live & is_member_of_item_community & is_author
can_edit_entry = is_live & is_member_of_item_community & (is_author | is_owner)
can_delete = is_live & (
    (is_member_of_item_community & is_author) | is_coordinator_of_item_community
)
can_reply = is_live & is_member_of_item_community
can_accept_solution = is_live & (
    (is_member_of_item_community & is_asker) | is_coordinator_of_item_community
)
can_manage_entry = is_live & (
    (is_member_of_item_community & (is_author | is_owner)) | is_coordinator_of_item_community
)
can_endorse = is_live & is_member_of_item_community & ~is_author
can_validate_as_expert = (
    is_live
    & entry_is_open_for_validation
    & ~is_author
    & (is_coordinator_of_item_community | (is_member_of_item_community & is_expert_for_entry))
)
can_add_note = is_live & is_member_of_item_community
can_promote = is_live & (
    (is_member_of_item_community & is_author) | is_coordinator_of_item_community
)

can_merge_problem = is_live & is_coordinator_of_item_community


@rules.predicate
def deleted_it_recently(user, item) -> bool:
    """The person who deleted an item may bring it back for a few minutes (Undo)."""
    return (
        item is not None
        and user.is_authenticated
        and item.deleted_at is not None
        and item.deleted_by_id == user.pk
        and within_undo_window(item.deleted_at)
    )


can_restore = is_coordinator_of_item_community | deleted_it_recently

# Declared permissions: one per action, read by pages with `authorize` and by the API
# with `authorize` or `DeclaredPermission`; the refusal is what a refused person reads.
declare("knowledge.view", can_view, _("This is not visible to you."))
declare("knowledge.tell_story", can_post, _("Only members can tell stories here."))
declare("knowledge.ask_problem", can_post, _("Only members can post problems here."))
declare("knowledge.write_entry", can_post, _("Only members can document practices here."))
declare("knowledge.propose_term", can_post, _("Only members can propose terms."))
declare("knowledge.edit_story", can_edit, _("Only the author can edit this story."))
declare("knowledge.edit_problem", can_edit, _("Only the person who asked can edit this."))
declare("knowledge.edit_reply", can_edit, _("Only the author can edit this reply."))
declare("knowledge.reply", can_reply, _("Only members of this community can reply."))
declare("knowledge.edit_entry", can_edit_entry, _("Only the author or the owner can edit this."))
declare(
    "knowledge.revert_entry", can_edit_entry, _("Only the author or the owner can revert this.")
)
declare("knowledge.delete", can_delete, _("Only the author or a coordinator can delete this."))
declare(
    "knowledge.restore",
    can_restore,
    _("Only a coordinator can restore deleted content."),
)
declare(
    "knowledge.view_deleted",
    is_coordinator,
    _("Only the community's coordinators can see deleted content."),
)
declare(
    "knowledge.accept_solution",
    can_accept_solution,
    _("Only the person who asked or a coordinator can accept or withdraw a solution."),
)
declare(
    "knowledge.promote",
    can_promote,
    _("Only the person who asked or a coordinator can turn this into a practice."),
)
declare(
    "knowledge.endorse",
    can_endorse,
    _("Members of the community other than the author can endorse this."),
)
declare(
    "knowledge.validate_as_expert",
    can_validate_as_expert,
    _(
        "Only a coordinator or a member whose expertise in one of this practice's "
        "topics was recognised by the coordinators (or earned through accepted "
        "solutions and validated practices) can validate it, and not its author; "
        "drafts and archived practices cannot be validated."
    ),
)
declare("knowledge.add_note", can_add_note, _("Only members of this community can add notes."))
declare(
    "knowledge.change_status",
    can_manage_entry,
    _("Only the author, the owner or a coordinator can change this practice's status."),
)
declare(
    "knowledge.decide_term",
    can_accept_term,
    _("Only a coordinator can accept or decline a term."),
)
declare(
    "knowledge.export",
    can_export,
    _("Only the community's coordinators can export its repertoire."),
)
declare(
    "knowledge.find_similar",
    can_view_community,
    _("This community is not visible to you."),
)
declare(
    "knowledge.merge_problem",
    can_merge_problem,
    _("Only a coordinator of this community can merge problems."),
)
declare(
    "knowledge.view_gaps",
    is_coordinator,
    _("Only the community's coordinators can see its knowledge gaps."),
)


# --- Shared practices (knowledge.sharing) -------------------------------------------------
# A share's predicates take (user, share): a SharedPractice with its entry and community.


@rules.predicate
def coordinates_either_side_of_share(user, share) -> bool:
    return share is not None and (
        is_coordinator(user, share.entry.community) or is_coordinator(user, share.community)
    )


declare(
    "knowledge.share_practice",
    is_live & is_coordinator_of_item_community,
    _("Only a coordinator of the practice's community can share it with a related community."),
)
declare(
    "knowledge.unshare_practice",
    coordinates_either_side_of_share,
    _("Only a coordinator of either community can stop sharing a practice."),
)
declare(
    "knowledge.follow_learning_path",
    is_participant,
    _("Only members of the community have a learning path in it."),
)
