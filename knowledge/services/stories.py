"""Stories: tell, edit."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cop.content import published
from cop.enums import ParticipationKind
from cop.models import Community, Tag, User
from cop.rules import is_participant, membership_of
from knowledge.models import PracticeEntry, Problem, Story
from knowledge.search import index_object
from meetings.models import Meeting

from .common import _contributed, clean_tags, notify_mentioned, require_live, require_text, set_tags


def _check_links(
    community: Community,
    problem: Problem | None,
    entry: PracticeEntry | None,
    meeting: Meeting | None = None,
):
    if meeting is not None and meeting.community_id != community.pk:
        raise ValidationError({"meeting": _("Choose a meeting of this community.")})
    if problem is not None and (problem.community_id != community.pk or problem.is_deleted):
        raise ValidationError({"problem": _("Choose a problem of this community.")})
    if entry is not None and (entry.community_id != community.pk or entry.is_deleted):
        raise ValidationError({"entry": _("Choose a practice of this community.")})


@transaction.atomic
def tell_story(
    *,
    community: Community,
    author: User,
    title: str,
    situation: str,
    action: str,
    outcome: str,
    lesson: str = "",
    tags: list[Tag] | None = None,
    problem: Problem | None = None,
    entry: PracticeEntry | None = None,
    meeting: Meeting | None = None,
) -> Story:
    """Post a story (active members). Side effects: TOLD_STORY participation, search index."""
    if not is_participant(author, community):
        raise ValidationError(_("Only members of this community can tell stories here."))
    require_text(title=title, situation=situation)
    tags = clean_tags(community, tags)
    _check_links(community, problem, entry, meeting)
    story = Story.objects.create(
        community=community,
        author=author,
        title=title.strip(),
        situation=situation,
        action=action,
        outcome=outcome,
        lesson=lesson,
        problem=problem,
        entry=entry,
        meeting=meeting,
    )
    _contributed(
        story, kind=ParticipationKind.TOLD_STORY, author=author, tags=tags, summary=story.title
    )
    notify_mentioned(item=story, author=author, text=_story_text(story))
    published(story, targets=_follow_targets(story, tags, membership_of(author, community)))
    return story


def _follow_targets(story: Story, tags: list[Tag], membership) -> list[tuple[str, int]]:
    """Who hears of a new story: followers of its topics, of its author, and of the
    problem or practice it tells about."""
    targets = [("topic", tag.pk) for tag in tags]
    if membership is not None:
        targets.append(("member", membership.pk))
    if story.problem_id:
        targets.append(("problem", story.problem_id))
    if story.entry_id:
        targets.append(("practice", story.entry_id))
    return targets


def _story_text(story: Story) -> str:
    return "\n\n".join([story.situation, story.action, story.outcome, story.lesson])


@transaction.atomic
def edit_story(
    *,
    story: Story,
    by: User,
    title: str,
    situation: str,
    action: str,
    outcome: str,
    lesson: str = "",
    tags: list[Tag] | None = None,
    problem: Problem | None = None,
    entry: PracticeEntry | None = None,
    meeting: Meeting | None = None,
) -> Story:
    """Change a story (its author). Side effect: search index."""
    require_live(story)
    require_text(title=title, situation=situation)
    tags = clean_tags(story.community, tags)
    _check_links(story.community, problem, entry, meeting)
    previous_text = _story_text(story)
    story.title = title.strip()
    story.situation = situation
    story.action = action
    story.outcome = outcome
    story.lesson = lesson
    story.problem = problem
    story.entry = entry
    story.meeting = meeting
    story.updated_at = timezone.now()
    story.save(
        update_fields=[
            "title", "situation", "action", "outcome", "lesson", "problem", "entry", "meeting",
            "updated_at",
        ]
    )  # fmt: skip
    set_tags(story, tags)
    index_object(story)
    notify_mentioned(item=story, author=by, text=_story_text(story), previous_text=previous_text)
    return story
