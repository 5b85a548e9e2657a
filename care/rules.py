"""Who may flag, bookmark, follow, moderate and change the code of conduct: each declared
once (`cop.permissions.declare`), read by the pages and the API alike.

Item predicates take (user, item) where the item is of a kind registered in
`cop.content`; community predicates take (user, community); `care.moderate` takes a case.
"""

import rules
from django.utils.translation import gettext_lazy as _

from cop.content import kind_of_model, may_see
from cop.permissions import declare
from cop.rules import is_active_member, is_coordinator, is_participant


def _kind_community(item):
    kind = kind_of_model(type(item)) if item is not None else None
    return (kind, kind.community(item)) if kind is not None else (None, None)


@rules.predicate
def can_see_item(user, item) -> bool:
    kind, _community = _kind_community(item)
    return kind is not None and may_see(user, kind, item)


@rules.predicate
def takes_part_in_item_community(user, item) -> bool:
    _kind, community = _kind_community(item)
    return community is not None and is_participant(user, community)


@rules.predicate
def is_member_of_item_community(user, item) -> bool:
    _kind, community = _kind_community(item)
    return community is not None and is_active_member(user, community)


@rules.predicate
def is_item_author(user, item) -> bool:
    kind, _community = _kind_community(item)
    return kind is not None and user.is_authenticated and kind.author_id(item) == user.pk


def _kind_is(flag: str):
    """Predicate: the item is of a registered kind whose ContentKind `flag` is set."""

    def kind_is(user, item) -> bool:
        kind, _community = _kind_community(item)
        return kind is not None and getattr(kind, flag)

    return rules.predicate(kind_is, name=f"is_{flag}")


is_flaggable = _kind_is("flaggable")
is_bookmarkable = _kind_is("bookmarkable")
is_followable = _kind_is("followable")


@rules.predicate
def coordinates_case_community(user, case) -> bool:
    return case is not None and is_coordinator(user, case.community)


can_flag = is_flaggable & can_see_item & takes_part_in_item_community & ~is_item_author
can_bookmark = rules.is_authenticated & is_bookmarkable & can_see_item
can_follow = is_followable & can_see_item & is_member_of_item_community

declare(
    "care.flag",
    can_flag,
    _("Members who accepted the code of conduct can flag others' content."),
)
declare("care.bookmark", can_bookmark, _("Sign in to save this."))
declare("care.follow", can_follow, _("Only members of this community can follow this."))
declare("care.view_queue", is_coordinator, _("Only the community's coordinators review flags."))
declare(
    "care.moderate",
    coordinates_case_community,
    _("Only the community's coordinators review flags."),
)
declare("care.accept_conduct", is_active_member, _("Only members accept the code of conduct."))
declare("care.change_conduct", is_coordinator, _("Only coordinators change the code of conduct."))


@rules.predicate
def owns_record(user, record) -> bool:
    """The caller's own bookmark or follow."""
    return record is not None and user.is_authenticated and record.user_id == user.pk


declare("care.own_record", owns_record, _("This is not yours."))
declare("care.signed_in", rules.is_authenticated, _("Sign in first."))
