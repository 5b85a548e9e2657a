"""User Markdown, rendered with markdown-it-py and then sanitized with nh3.

Rendering never trusts the renderer: whatever markdown-it produces (raw HTML is
off, but links and images still carry user URLs) passes nh3 with a short allow
list of tags, attributes and URL schemes, so no user text can run script or
inject markup in another user's page.
"""

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
    "code": {"class"},
}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


def sanitize_html(html: str) -> str:
    """Strip everything outside the allow list; links get rel=noopener nofollow."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


# Rendering is a pure function of the text, so its results can be kept without any
# invalidation: a page showing ten replies renders each once per process, not once per
# request. Only texts up to this size are kept, so the memo stays within a few MB.
MEMO_MAX_CHARS = 8_000


@lru_cache(maxsize=1024)
def _render_memo(text: str) -> str:
    return sanitize_html(_md.render(text))


def render_markdown(text: str | None) -> str:
    """Markdown to safe HTML. Empty input gives an empty string."""
    if not text:
        return ""
    if len(text) <= MEMO_MAX_CHARS:
        return _render_memo(text)
    return sanitize_html(_md.render(text))
