import pytest

from knowledge.rendering import link_glossary, render_entry_body, term_links
from tests.factories import CommunityFactory, GlossaryTermFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def links():
    community = CommunityFactory()
    slo = GlossaryTermFactory(
        community=community, term="SLO", synonyms="service level objective",
        definition='Target <b>"quoted"</b> & more',
    )  # fmt: skip
    toil = GlossaryTermFactory(community=community, term="toil")
    return slo, toil, term_links([slo, toil], "/c/x/knowledge/glossary/")


def test_first_use_of_each_term_is_linked_once(links):
    slo, toil, term_links_ = links
    html = render_entry_body("Our SLO drives toil. The SLO again, and Toil again.", term_links_)
    assert html.count('class="glossary-link"') == 2
    assert f'href="/c/x/knowledge/glossary/#term-{slo.pk}"' in html
    assert f'#term-{toil.pk}" title="A word we use.">toil</a>' in html
    assert html.count(">SLO</a>") == 1


def test_synonym_counts_as_the_term(links):
    slo, _toil, term_links_ = links
    html = render_entry_body("A Service Level Objective, then SLO.", term_links_)
    assert f'#term-{slo.pk}" title=' in html
    assert ">Service Level Objective</a>" in html
    assert html.count("glossary-link") == 1


def test_whole_words_only(links):
    html = render_entry_body("SLOs and toilet are other words.", links[2])
    assert "glossary-link" not in html


def test_not_inside_links_or_code(links):
    html = render_entry_body(
        "[about SLO](https://example.org) and `toil` in code\n\n```\nSLO\n```\n", links[2]
    )
    assert "glossary-link" not in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">about SLO</a>' in html


def test_text_stays_escaped_and_title_attribute_is_escaped(links):
    html = render_entry_body("1 < 2 & the SLO is <script>alert(1)</script>", links[2])
    assert "<script" not in html
    assert "&lt;script&gt;" in html
    assert "1 &lt; 2 &amp; the" in html
    assert 'title="Target &lt;b&gt;&quot;quoted&quot;&lt;/b&gt; &amp; more"' in html


def test_attribute_with_angle_bracket_is_copied_intact(links):
    html = link_glossary('<p><a href="https://e.org" title="a>b">SLO</a> toil</p>', links[2])
    assert html.startswith('<p><a href="https://e.org" title="a>b">SLO</a> ')
    assert ">toil</a></p>" in html


def test_no_terms_leaves_html_unchanged():
    assert link_glossary("<p>x</p>", []) == "<p>x</p>"
