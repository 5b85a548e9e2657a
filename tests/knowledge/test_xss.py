"""A corpus of XSS payloads posted through every Markdown field (and the titles) renders
without executable markup on every page that shows it. The browser test in
test_browser.py loads the same pages in Chromium and watches for dialogs."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from cop.enums import Role
from knowledge.services import entries, glossary, problems, stories
from tests.factories import CommunityFactory, UserFactory, make_member

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(2)>",
    '<img src="x" onerror="alert(3)"/>',
    "[click](javascript:alert(4))",
    "[click](JaVaScRiPt:alert(5))",
    "[click](  javascript:alert(6))",
    "[click](&#106;avascript:alert(7))",
    "[click](java\tscript:alert(8))",
    "<javascript:alert(9)>",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxMCk8L3NjcmlwdD4=)",
    "![img](javascript:alert(11))",
    "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMTIpPg==)",
    "[vb](vbscript:msgbox(13))",
    "<svg onload=alert(14)><circle r=1 /></svg>",
    "<svg><script>alert(15)</script></svg>",
    "<style>body{background:url(javascript:alert(16))}</style>",
    '<div style="background:url(javascript:alert(17))">styled</div>',
    '<p style="position:fixed;top:0;left:0;width:100%;height:100%">overlay</p>',
    '<a href="javascript:alert(18)">raw link</a>',
    '<a href="&#x6A;avascript:alert(19)">entity link</a>',
    '<iframe src="javascript:alert(20)"></iframe>',
    '<object data="javascript:alert(21)"></object><embed src="javascript:alert(22)">',
    "<<script>script>alert(23)<</script>/script>",
    "<scr<script>ipt>alert(24)</scr</script>ipt>",
    '"><script>alert(25)</script>',
    "'><img src=x onerror=alert(26)>",
    "<details open ontoggle=alert(27)>x</details>",
    "<body onload=alert(28)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(29)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(30)>"></noscript>',
    "`code` <img src=x onerror=alert(31)> `more`",
    '<div hx-get="/evil" hx-trigger="load">htmx</div>',
    '[titled](https://example.org "\\" onmouseover=\\"alert(32)")',
    '<form action="javascript:alert(33)"><button>go</button></form>',
    "&lt;script&gt;alert(34)&lt;/script&gt; &#60;img src=x onerror=alert(35)&#62;",
    "<!-- <script>alert(36)</script> -->",
    '<base href="javascript:alert(37)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(38)">',
    "<input autofocus onfocus=alert(39)>",
    "<a href='data:text/html,<script>alert(40)</script>'>d</a>",
    'Runbook and toil ![x](https://example.org/x.png"onerror="alert(41))',
]
CORPUS = "\n\n".join(PAYLOADS)
BAD_TAGS = {
    "script", "svg", "style", "iframe", "object", "embed", "math", "base", "noscript", "frame",
    "frameset", "applet", "link", "meta",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "srcset"}
BAD_SCHEME = re.compile(r"^\s*(?:javascript|data|vbscript)\s*:", re.IGNORECASE)


class _Elements(HTMLParser):
    """Every element of the page's body with its (decoded) attributes, as a browser sees it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.in_body = False
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self.in_body = True
            return
        if self.in_body:
            self.elements.append((tag, attrs))

    handle_startendtag = handle_starttag


def _suspicious(html: str) -> list[tuple]:
    """Elements a user must never be able to inject: scripts, SVG, styles, frames and
    objects, event handlers, inline styles, HTMX triggers, script URLs."""
    parser = _Elements()
    parser.in_body = "<body" not in html  # fragments (HTMX responses) have no <body>
    parser.feed(html)
    found = []
    for tag, attrs in parser.elements:
        names = {name for name, _value in attrs}
        bad_url = any(
            name in URL_ATTRIBUTES and value and BAD_SCHEME.match(value) for name, value in attrs
        )
        if (
            tag in BAD_TAGS
            or any(name.startswith("on") for name in names)
            or "style" in names
            or names & {"hx-trigger", "hx-get", "hx-on"}
            or bad_url
        ):
            found.append((tag, tuple(attrs)))
    return found


def assert_no_executable_markup(html: str, where: str, *, frames: list[str] = ()) -> None:
    """Nothing suspicious beyond what the site's own frame (`frames`: pages of the site
    without user content) already has; raw `<script` only as often as in the frame."""
    allowed = {element for frame in frames for element in _suspicious(frame)}
    extra = [element for element in _suspicious(html) if element not in allowed]
    assert extra == [], (where, extra)
    own_scripts = max((frame.lower().count("<script") for frame in frames), default=0)
    assert html.lower().count("<script") == own_scripts, where


def seed_corpus(community, *, title="Runbook <script>alert('t')</script> toil"):
    """Post the corpus through every Markdown field and title of the knowledge app.
    Returns the pages that show it."""
    coordinator = community.memberships.get(role=Role.COORDINATOR).user
    member = community.memberships.exclude(role=Role.COORDINATOR).first().user
    glossary.propose_term(
        community=community, by=coordinator, term="Runbook", definition=CORPUS, examples=CORPUS,
        synonyms="<script>alert(99)</script>",
    )  # fmt: skip
    glossary.propose_term(community=community, by=member, term="Toil", definition=CORPUS)
    story = stories.tell_story(
        community=community, author=member, title=title, situation=CORPUS, action=CORPUS,
        outcome=CORPUS, lesson=CORPUS,
    )  # fmt: skip
    problem = problems.ask_problem(
        community=community, author=member, title=title, context=CORPUS, tried=CORPUS
    )
    reply = problems.post_reply(problem=problem, author=coordinator, body=CORPUS)
    problems.accept_solution(reply=reply, by=member)
    entry = entries.write_entry(
        community=community, author=member, title=title, body=CORPUS, publish=True
    )
    entries.add_note(entry=entry, author=coordinator, body=CORPUS, kind="dissent")
    kw = {"slug": community.slug}
    return [
        reverse("community_home", kwargs=kw),
        reverse("knowledge:home", kwargs=kw),
        reverse("knowledge:story_list", kwargs=kw),
        story.get_absolute_url(),
        reverse("knowledge:problem_list", kwargs=kw),
        problem.get_absolute_url(),
        reverse("knowledge:entry_list", kwargs=kw),
        entry.get_absolute_url(),
        reverse("knowledge:entry_history", kwargs={**kw, "pk": entry.pk}),
        reverse("knowledge:glossary", kwargs=kw),
        reverse("knowledge:search") + "?q=alert+script+onerror+javascript",
        reverse("knowledge:search") + "?q=runbook",
    ]


@pytest.mark.django_db
def test_xss_corpus_renders_without_executable_markup(client):

    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    member = make_member(community)
    client.force_login(member)
    # The site's frame (header, navigation, icons, our own script) before any user content.
    frames = [
        client.get(reverse(name, kwargs={"slug": community.slug})).content.decode()
        for name in ("knowledge:home", "community_home")
    ]
    pages = seed_corpus(community)
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert_no_executable_markup(html, page, frames=frames if "<body" in html else [])
    # The rendered text is still there, as text.
    story_page = client.get(pages[3]).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in story_page
    # Glossary linking happened on the entry, and its title attribute stayed inert.
    entry_page = client.get(pages[7]).content.decode()
    assert 'class="glossary-link"' in entry_page


@pytest.mark.django_db
def test_xss_corpus_through_preview_endpoint_and_no_js_preview(client):

    community = CommunityFactory()
    client.force_login(make_member(community))
    fields = ["situation", "action", "outcome", "lesson", "context", "tried", "body"]
    response = client.post(reverse("knowledge:preview"), dict.fromkeys(fields, CORPUS))
    assert response.status_code == 200
    assert_no_executable_markup(response.content.decode(), "htmx preview")
    create = reverse("knowledge:story_create", kwargs={"slug": community.slug})
    frames = [client.get(create).content.decode()]
    response = client.post(
        create, {"title": "x", "preview": "1", **dict.fromkeys(fields[:4], CORPUS)}
    )
    assert response.status_code == 200
    assert_no_executable_markup(response.content.decode(), "no-JS preview", frames=frames)
