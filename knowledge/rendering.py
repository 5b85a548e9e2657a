"""Rendering entries: Markdown through `cop.markdown.render_markdown` (sanitized by nh3),
then glossary linking on the sanitized HTML.

Glossary linking re-reads the sanitized HTML with the standard library's tokenizer
and rewrites only text nodes outside links, code and preformatted blocks: the first use
of each accepted term (or one of its synonyms) becomes a link to its glossary anchor.
Tags are copied as the tokenizer read them (already sanitized), text is re-escaped, so
the result is no less safe than its input.
"""

import re
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser

from cop.markdown import render_markdown

SKIP_INSIDE = {"a", "code", "pre"}
VOID = {"br", "hr", "img"}


@dataclass(frozen=True)
class TermLink:
    key: int  # one link per term, whichever of its names comes first
    names: tuple[str, ...]
    url: str
    title: str


def term_links(terms, glossary_url: str) -> list[TermLink]:
    """TermLinks for accepted GlossaryTerms; `glossary_url` is the glossary page."""
    links = []
    for term in terms:
        names = tuple(n for n in [term.term, *term.synonym_list] if n.strip())
        definition = " ".join(term.definition.split())
        title = definition[:140] + ("…" if len(definition) > 140 else "")
        links.append(TermLink(term.pk, names, f"{glossary_url}#term-{term.pk}", title))
    return links


class _Linker(HTMLParser):
    def __init__(self, pattern: re.Pattern, by_name: dict[str, TermLink]):
        super().__init__(convert_charrefs=True)
        self.pattern = pattern
        self.by_name = by_name
        self.done: set[int] = set()
        self.skip_depth = 0
        self.out: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.out.append(self.get_starttag_text())
        if tag in SKIP_INSIDE:
            self.skip_depth += 1

    def handle_startendtag(self, tag, attrs):
        self.out.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        self.out.append(f"</{tag}>")
        if tag in SKIP_INSIDE and self.skip_depth:
            self.skip_depth -= 1

    def handle_data(self, data):
        if self.skip_depth:
            self.out.append(escape(data, quote=False))
            return
        position = 0
        for match in self.pattern.finditer(data):
            link = self.by_name.get(match.group(0).casefold())
            if link is None or link.key in self.done:
                continue
            self.done.add(link.key)
            self.out.append(escape(data[position : match.start()], quote=False))
            self.out.append(
                f'<a class="glossary-link" href="{escape(link.url)}" title="{escape(link.title)}">'
                f"{escape(match.group(0), quote=False)}</a>"
            )
            position = match.end()
        self.out.append(escape(data[position:], quote=False))

    def handle_entityref(self, name):  # only reached with convert_charrefs=False
        self.out.append(f"&{name};")

    def handle_comment(self, data):  # sanitized HTML has none; drop any
        return


def link_glossary(html: str, links: list[TermLink]) -> str:
    """Link the first use of each term in sanitized `html`; other text is unchanged."""
    if not html or not links:
        return html
    by_name: dict[str, TermLink] = {}
    for link in links:
        for name in link.names:
            by_name.setdefault(name.casefold(), link)
    names = sorted(by_name, key=len, reverse=True)
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)", re.IGNORECASE
    )
    linker = _Linker(pattern, by_name)
    linker.feed(html)
    linker.close()
    return "".join(linker.out)


def render_entry_body(text: str, links: list[TermLink]) -> str:
    """An entry's Markdown as safe HTML with its glossary terms linked."""
    return link_glossary(render_markdown(text), links)
