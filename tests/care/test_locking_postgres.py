"""The code of conduct and moderation decisions, called in autocommit on PostgreSQL as a
view calls them: each owns the transaction its row lock needs."""

import pytest

from care.enums import FlagReason, ModerationAction
from care.services.conduct import accept_conduct, update_conduct
from care.services.moderation import flag_content, moderate
from cop.models import Membership
from knowledge.models import Story
from tests.factories import CommunityFactory, StoryFactory, UserFactory, make_member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_update_and_accept_the_code_of_conduct():
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    member = make_member(community)
    update_conduct(
        community=community, by=coordinator, text="Be kind. Keep names out.", material=True
    )
    community.refresh_from_db()
    membership = Membership.objects.get(community=community, user=member)
    assert membership.conduct_version_accepted < community.conduct_version
    accepted = accept_conduct(membership=membership)
    assert accepted.conduct_version_accepted == community.conduct_version


def test_moderate_hides_a_flagged_story():
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    story = StoryFactory(community=community, author=make_member(community))
    case = flag_content(user=make_member(community), obj=story, reason=FlagReason.SPAM).case
    moderate(case=case, by=coordinator, action=ModerationAction.HIDE, note="Spam.")
    assert Story.objects.get(pk=story.pk).hidden_at is not None
