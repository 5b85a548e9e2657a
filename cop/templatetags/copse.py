"""Template helpers of the whole site. Presentation only: no business logic."""

from django import template
from django.utils.safestring import mark_safe

from cop.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str | None) -> str:
    """Render user Markdown to sanitized HTML."""
    return mark_safe(render_markdown(text))  # noqa: S308 -- sanitized by nh3


@register.filter
def level_badge_class(level: str) -> str:
    return f"badge level-{level}"
