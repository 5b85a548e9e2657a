"""Template helpers of the whole site. Presentation only: no business logic."""

import html
import re

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from cop.confirm import undo_url as _undo_url
from cop.extensions import COMMUNITY_TABS
from cop.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str | None) -> str:
    """Render user Markdown to sanitized HTML."""
    return mark_safe(render_markdown(text))  # noqa: S308 -- sanitized by nh3


@register.filter
def level_badge_class(level: str) -> str:
    return f"badge level-{level}"


@register.simple_tag(takes_context=True)
def community_tabs(context, community) -> list[dict]:
    """The sub-navigation of a community: Home, the apps' tabs, Members."""

    request = context.get("request")
    current = request.path if request else ""
    home = reverse("community_home", kwargs={"slug": community.slug})
    tabs = [{"label": _("Home"), "url": home, "active": current == home}]
    for tab in COMMUNITY_TABS:
        url = reverse(tab.url_name, kwargs={"slug": community.slug})
        tabs.append({"label": tab.label, "url": url, "active": current.startswith(url)})
    members = reverse("community_members", kwargs={"slug": community.slug})
    tabs.append({"label": _("Members"), "url": members, "active": current.startswith(members)})
    return tabs


@register.filter
def undo_url(message) -> str:
    """The Undo address a flash message carries (see cop.confirm.undo_message), or ""."""

    return _undo_url(message)


_BLOCK_END = re.compile(r"</(p|li|h[1-6]|blockquote|pre|tr)>|<br\s*/?>", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n\s*\n+")


@register.filter
def plain_text(text: str | None) -> str:
    """User Markdown as plain text: what it says, without `**`, `#` or HTML (one line
    per paragraph or list item). For excerpts in notifications and emails; escape it as
    any text when it goes into HTML."""
    rendered = _BLOCK_END.sub("\n", render_markdown(text or ""))
    plain = html.unescape(strip_tags(rendered))
    return _BLANK_LINES.sub("\n", plain).strip()


@register.filter
def ago(when) -> str:
    """ "just now" under a minute (never "0 minutes ago"), else "3 days ago"."""

    if not when:
        return ""
    if (timezone.now() - when).total_seconds() < 60:
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(when)}
