"""Save, follow and flag controls and the "hidden pending review" mark for any item of a
kind registered in `cop.content`. Reads state only (one query for a detail page's
item; `care_mark` and `care_flag_link` none)."""

from django import template
from django.db.models import Value

from cop.content import kind_of_model
from cop.permissions import allowed

from ..models import Bookmark, Follow

register = template.Library()


@register.inclusion_tag("care/_item_actions.html", takes_context=True)
def care_actions(context, item):
    request = context["request"]
    user = request.user
    kind = kind_of_model(type(item))
    if kind is None:
        return {"kind": None}
    state = {"kind": kind, "item": item, "next": request.get_full_path(), "user": user}
    if user.is_authenticated:
        state.update(_saved_and_followed(user, kind, item))
        state["can_bookmark"] = allowed(user, "care.bookmark", item)
        state["can_follow"] = allowed(user, "care.follow", item)
        state["can_flag"] = allowed(user, "care.flag", item)
    return state


def _saved_and_followed(user, kind, item) -> dict[str, bool]:
    """Whether `user` saved and follows `item`, as far as its kind allows each: one
    query for both."""
    rows = {
        flag: model.objects.filter(user=user, content_type=kind.content_type(), object_id=item.pk)
        .annotate(flag=Value(flag))
        .values_list("flag", flat=True)
        for flag, model, able in (
            ("bookmarked", Bookmark, kind.bookmarkable),
            ("following", Follow, kind.followable),
        )
        if able
    }
    if not rows:
        return {}
    first, *others = rows.values()
    found = set(first.union(*others, all=True)) if others else set(first)
    return {flag: flag in found for flag in rows}


@register.inclusion_tag("care/_flag_link.html", takes_context=True)
def care_flag_link(context, item):
    kind = kind_of_model(type(item))
    user = context["request"].user
    return {
        "kind": kind,
        "item": item,
        "can_flag": kind is not None and user.is_authenticated and allowed(user, "care.flag", item),
    }


@register.inclusion_tag("care/_hidden_mark.html")
def care_mark(item):
    return {"hidden": getattr(item, "hidden_at", None) is not None}
