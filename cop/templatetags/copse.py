"""Template helpers of the whole site. Presentation only: no business logic."""

import html
import re
from contextvars import ContextVar
from datetime import UTC, datetime

from django import template
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from cop import cache
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


# Inside a kept fragment "3 days ago" is a mark holding the moment, replaced by the text
# each time the fragment is served: a kept fragment never shows a stale age.
_AGO_MARKS = ContextVar("ago_marks", default=False)
_AGO_MARK = re.compile(r"\x00ago:(\d{1,20})\x00")


@register.filter
def ago(when) -> str:
    """ "just now" under a minute (never "0 minutes ago"), else "3 days ago"."""

    if not when:
        return ""
    if _AGO_MARKS.get():
        return f"\x00ago:{int(when.timestamp() * 1_000_000)}\x00"
    if (timezone.now() - when).total_seconds() < 60:
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(when)}


@register.filter
def reaction_count(comment, kind: str) -> int:
    """How many reactions of `kind` a comment has (its stored counter)."""
    return comment.reaction_count(kind)


def _fill_ages(rendered: str) -> str:
    return _AGO_MARK.sub(
        lambda m: html.escape(ago(datetime.fromtimestamp(int(m[1]) / 1_000_000, tz=UTC))),
        rendered,
    )


class FragmentNode(template.Node):
    def __init__(self, nodelist, name, scopes, parts):
        self.nodelist, self.name, self.scopes, self.parts = nodelist, name, scopes, parts

    def render(self, context) -> str:
        scopes = []
        for expression in self.scopes:
            value = expression.resolve(context)
            scopes.append(
                cache.scope(type(value), value.pk) if isinstance(value, Model) else str(value)
            )
        parts = (
            translation.get_language(),
            timezone.get_current_timezone_name(),
            *(expression.resolve(context) for expression in self.parts),
        )

        def render_marked() -> str:
            token = _AGO_MARKS.set(True)
            try:
                return str(self.nodelist.render(context))
            finally:
                _AGO_MARKS.reset(token)

        return mark_safe(  # noqa: S308 -- rendered by this template, escaped there
            _fill_ages(cache.remember(self.name, tuple(scopes), parts, render_marked))
        )


@register.tag
def fragment(parser, token):
    """`{% fragment "name" scope… by part… %}…{% endfragment %}`: the enclosed template,
    kept until a scope is bumped (`cop.cache`). A scope is a model instance (its own
    version: `cop.cache.scope`) or a name (`cop.cache.PEOPLE`); the parts are everything
    else the enclosed template shows that may differ between requests (filters, a
    cursor, the viewer's visibility flags); language and time zone are added. Nothing
    per viewer and no form (its CSRF token is per session) may be inside."""
    bits = token.split_contents()
    if len(bits) < 3:
        raise template.TemplateSyntaxError("{% fragment %} takes a name and scopes")
    name = parser.compile_filter(bits[1]).resolve({})
    rest = bits[2:]
    split = rest.index("by") if "by" in rest else len(rest)
    scopes = [parser.compile_filter(bit) for bit in rest[:split]]
    parts = [parser.compile_filter(bit) for bit in rest[split + 1 :]]
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(nodelist, name, scopes, parts)
