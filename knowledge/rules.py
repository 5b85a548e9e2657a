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

rules.add_perm("knowledge.view", can_view)
rules.add_perm("knowledge.post", can_post)
rules.add_perm("knowledge.edit", can_edit)
rules.add_perm("knowledge.edit_entry", can_edit_entry)
rules.add_perm("knowledge.delete", can_delete)
rules.add_perm("knowledge.accept_solution", can_accept_solution)
rules.add_perm("knowledge.validate_as_expert", can_validate_as_expert)
rules.add_perm("knowledge.export", can_export)

# Declared permissions (read by pages with `authorize` and by the API with
# `DeclaredPermission`).
can_merge_problem = is_live & is_coordinator_of_item_community
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
declare(
    "knowledge.follow_learning_path",
    is_participant,
    _("Only members of the community have a learning path in it."),
)
