"""The XSS corpus through every new page and field: the code of conduct, flag notes,
moderation notes, the queue, the feed (with its comment and announcement lines), Saved,
topics and the flag form."""

import pytest
from django.urls import reverse

from care.services.bookmarks import bookmark
from care.services.conduct import update_conduct
from care.services.follows import follow
from care.services.moderation import flag_content, moderate
from cop.enums import Role
from cop.services.announcements import post_announcement
from cop.services.comments import post_comment
from knowledge.models import Problem, Story
from tests.factories import CommunityFactory, TagFactory, UserFactory, make_member
from tests.knowledge.test_xss import CORPUS, assert_no_executable_markup, seed_corpus

pytestmark = pytest.mark.django_db

TITLE = "Runbook <script>alert('t')</script> toil"


def test_xss_corpus_on_every_new_page(client):
    coordinator = UserFactory(display_name="<img src=x onerror=alert('c')>")
    community = CommunityFactory(coordinator=coordinator, name="<script>alert('n')</script>")
    member = make_member(community, display_name="<svg onload=alert('m')>")
    flagger = make_member(community)
    TagFactory(community=community, name="<b onmouseover=alert('tag')>t</b>")
    client.force_login(coordinator)
    frames = [client.get(reverse("community_home", args=[community.slug])).content.decode()]
    seed_corpus(community, title=TITLE)
    story, problem = Story.objects.get(), Problem.objects.get()
    update_conduct(community=community, by=coordinator, text=CORPUS, material=False, note=TITLE)
    bookmark(user=coordinator, obj=story)
    follow(user=coordinator, obj=problem)
    flag_content(user=flagger, obj=story, reason="other", note=CORPUS[:1000])
    case = flag_content(user=flagger, obj=problem, reason="spam", note=CORPUS[-1000:]).case
    moderate(case=case, by=coordinator, action="warn", note=CORPUS[:1000])
    post_comment(target=story, author=member, body=CORPUS[:10000])  # the feed's excerpt
    post_announcement(community=community, author=coordinator, title=TITLE, body=CORPUS[:2000])
    pages = [
        reverse("home"),
        reverse("care:saved"),
        reverse("care:conduct", args=[community.slug]),
        reverse("care:conduct_edit", args=[community.slug]),
        reverse("care:queue", args=[community.slug]),
        reverse("care:topics", args=[community.slug]),
        reverse("care:flag", args=["story", story.pk]),
        reverse("community_audit", args=[community.slug]),
        reverse("notification_list"),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert_no_executable_markup(response.content.decode(), page, frames=frames)
    home = client.get(reverse("home")).content.decode()
    assert "commented on" in home and "announced" in home  # the new feed lines were there
    client.force_login(member)  # the author of the warned problem, and a plain member
    for page in (reverse("notification_list"), reverse("home")):
        assert_no_executable_markup(client.get(page).content.decode(), page, frames=frames)
    assert community.memberships.filter(role=Role.COORDINATOR).count() == 1
