"""The moderation journey in a real browser: a member flags a story, the coordinator
sees it in the queue and hides it, the author is told; pages at phone and desktop widths."""

import pytest
from playwright.sync_api import expect

from care.services.bookmarks import bookmark
from knowledge.models import Story
from tests.browser.utils import log_in, log_out
from tests.factories import CommunityFactory, StoryFactory, TagFactory, UserFactory, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_flags_coordinator_hides_author_is_told(browser_page, tmp_path):
    page = browser_page
    coordinator = UserFactory(email="cora@example.org", display_name="Cora")
    community = CommunityFactory(name="Night Nurses", slug="night-nurses", coordinator=coordinator)
    author = make_member(community, email="arlo@example.org", display_name="Arlo")
    make_member(community, email="mina@example.org", display_name="Mina")
    story = StoryFactory(community=community, author=author, title="Names on the ward")

    log_in(page, "mina@example.org")
    page.goto(story.get_absolute_url())
    page.get_by_role("link", name="Flag").click()
    page.get_by_label("Why are you flagging this?").select_option("confidentiality")
    page.get_by_label("Anything the coordinators should know").fill("It names a patient.")
    page.get_by_role("button", name="Send to the coordinators").click()
    expect(page.get_by_text("The coordinators will review it")).to_be_visible()
    log_out(page)

    log_in(page, "cora@example.org")
    page.goto("/notifications/")
    page.get_by_role("link", name="Flagged for review: Story: Names on the ward").click()
    expect(page.get_by_role("heading", name="Moderation queue")).to_be_visible()
    case = page.locator("article.case").filter(has_text="Names on the ward")
    expect(case.get_by_text("It names a patient.")).to_be_visible()
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(tmp_path / f"queue-{width}.png"), full_page=True)
    case.get_by_label("Hide it").check()
    case.get_by_label("Why (the author reads this").fill("Patients stay anonymous here.")
    case.get_by_role("button", name="Decide").click()
    expect(page.get_by_text("Done: the author is told")).to_be_visible()
    expect(page.get_by_text("Nothing to review")).to_be_visible()
    assert Story.objects.get(pk=story.pk).hidden_at is not None
    log_out(page)

    log_in(page, "arlo@example.org")
    page.goto("/notifications/")
    page.get_by_role("link", name="A coordinator hid your story").click()
    expect(page.get_by_text("Hidden pending review")).to_be_visible()
    expect(page.get_by_role("heading", name="Names on the ward")).to_be_visible()


def test_new_pages_at_phone_and_desktop_widths(browser_page, tmp_path):
    """The feed, Saved, the code of conduct, topics and the flag form render at 390 px and
    1280 px without sideways scrolling; screenshots land in the test's tmp_path."""
    page = browser_page
    community = CommunityFactory(name="Night Nurses", slug="night-nurses")
    member = make_member(community, email="mina@example.org", display_name="Mina")
    story = StoryFactory(community=community, title="A handover that worked")

    TagFactory(community=community, name="Handover")
    bookmark(user=member, obj=story)
    log_in(page, "mina@example.org")
    pages = {
        "feed": ("/", "What is new"),
        "saved": ("/saved/", "Saved items"),
        "conduct": ("/c/night-nurses/conduct/", "Code of conduct"),
        "topics": ("/c/night-nurses/topics/", "Follow topics"),
        "flag": (f"/flag/story/{story.pk}/", "Flag this story"),
    }
    for name, (path, heading) in pages.items():
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(path)
            expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
            overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
            assert not overflow, (name, width)
            page.screenshot(path=str(tmp_path / f"{name}-{width}.png"), full_page=True)


def test_a_comment_quoted_then_flagged_is_hidden_and_its_author_told(browser_page):
    """The conversation journey: a member comments on a story, another quotes the comment
    in a reply and flags it, the coordinator hides it from the queue, the author is told."""
    page = browser_page
    coordinator = UserFactory(email="cora@example.org", display_name="Cora")
    community = CommunityFactory(name="Night Nurses", slug="night-nurses", coordinator=coordinator)
    make_member(community, email="arlo@example.org", display_name="Arlo")
    make_member(community, email="mina@example.org", display_name="Mina")
    story = StoryFactory(community=community, author=coordinator, title="Handover at six")

    log_in(page, "arlo@example.org")
    page.goto(story.get_absolute_url())
    page.get_by_label("Your comment").fill("Whoever forgets the handover is **lazy**.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".comment strong")).to_have_text("lazy")
    log_out(page)

    log_in(page, "mina@example.org")
    page.goto(story.get_absolute_url())
    page.get_by_role("link", name="Quote").click()
    expect(page.get_by_label("Comment")).to_contain_text("> Whoever forgets the handover")
    page.get_by_label("Comment").press("Control+End")
    page.get_by_label("Comment").type("Nobody here is lazy; we are tired.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".comment-replies blockquote")).to_contain_text("Whoever forgets")
    page.locator(".comment").filter(has_text="Arlo").first.get_by_role("link", name="Flag").click()
    page.get_by_label("Why are you flagging this?").select_option("harassment")
    page.get_by_role("button", name="Send to the coordinators").click()
    expect(page.get_by_text("The coordinators will review it")).to_be_visible()
    log_out(page)

    log_in(page, "cora@example.org")
    page.goto("/c/night-nurses/moderation/")
    case = page.locator("article.case").filter(has_text="Comment by Arlo")
    case.get_by_label("Hide it").check()
    case.get_by_label("Why (the author reads this").fill("Please disagree without names.")
    case.get_by_role("button", name="Decide").click()
    expect(page.get_by_text("Done: the author is told")).to_be_visible()
    log_out(page)

    log_in(page, "arlo@example.org")
    page.goto("/notifications/")
    page.get_by_role("link", name="A coordinator hid your comment").click()
    expect(page.get_by_text("Hidden pending review")).to_be_visible()
    assert Story.objects.get(pk=story.pk).comment_count == 1  # Mina's reply alone


def test_a_member_quotes_a_passage_of_the_story(browser_page):
    """Selecting words of a story offers "Quote in your comment"; the passage lands in the
    comment box as a Markdown quote and shows as a quote once posted."""
    page = browser_page
    community = CommunityFactory(name="Night Nurses", slug="night-nurses")
    author = make_member(community, display_name="Cora")
    make_member(community, email="mina@example.org", display_name="Mina")
    story = StoryFactory(
        community=community,
        author=author,
        title="Handover at six",
        situation="We read the chart aloud at the bedside.",
    )
    log_in(page, "mina@example.org")
    page.goto(story.get_absolute_url())
    quote = page.get_by_role("button", name="Quote in your comment")
    expect(quote).to_be_hidden()
    page.locator("article .prose").first.select_text()
    quote.click()
    expect(page.get_by_label("Your comment")).to_have_value(
        "> We read the chart aloud at the bedside.\n\n"
    )
    expect(page.get_by_label("Your comment")).to_be_focused()
    page.get_by_label("Your comment").press("End")
    page.get_by_label("Your comment").type("We do this too, and families listen in.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".comment blockquote")).to_contain_text("We read the chart aloud")
    expect(page.locator(".comment")).to_contain_text("families listen in")
