"""Save, follow and flag controls and the "hidden pending review" mark for any item of a
kind registered in `cop.content`. Reads state only (two queries for a detail page's
item; `care_mark` and `care_flag_link` none)."""

from django import template

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
        content_type = kind.content_type()
        if kind.bookmarkable:
            state["bookmarked"] = Bookmark.objects.filter(
                user=user, content_type=content_type, object_id=item.pk
            ).exists()
        if kind.followable:
            state["following"] = Follow.objects.filter(
                user=user, content_type=content_type, object_id=item.pk
            ).exists()
        state["can_bookmark"] = allowed(user, "care.bookmark", item)
        state["can_follow"] = allowed(user, "care.follow", item)
        state["can_flag"] = allowed(user, "care.flag", item)
    return state


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
