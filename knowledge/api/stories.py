"""Stories of practice."""

import django_filters
from rest_framework import serializers

from cop.api.support import (
    MAX_ID,
    MarkdownHTMLField,
    NewestFirst,
    SlugFilter,
)
from cop.permissions import authorize

from .. import selectors
from ..models import PracticeEntry, Problem, Story
from ..services import stories as story_services
from .common import (
    CommunityItemSerializer,
    EditMixin,
    RestoreMixin,
    SoftDeleteMixin,
    _CommunityItemViewSet,
    _tags,
)


class StorySerializer(CommunityItemSerializer):
    situation_html = MarkdownHTMLField("situation")
    action_html = MarkdownHTMLField("action")
    outcome_html = MarkdownHTMLField("outcome")
    lesson_html = MarkdownHTMLField("lesson")
    problem = serializers.IntegerField(
        source="problem_id", required=False, allow_null=True, min_value=1, max_value=MAX_ID
    )
    entry = serializers.IntegerField(
        source="entry_id", required=False, allow_null=True, min_value=1, max_value=MAX_ID
    )
    meeting = serializers.IntegerField(
        source="meeting_id",
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="The meeting it was told at (one of the community's held meetings).",
    )

    class Meta:
        model = Story
        fields = [
            "id",
            "url",
            "community",
            "title",
            "situation",
            "situation_html",
            "action",
            "action_html",
            "outcome",
            "outcome_html",
            "lesson",
            "lesson_html",
            "tags",
            "problem",
            "entry",
            "meeting",
            "author",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]


class StoryFilter(django_filters.FilterSet):
    community = SlugFilter(field_name="community__slug")
    tag = SlugFilter(field_name="tags__slug", distinct=True)

    class Meta:
        model = Story
        fields = ["community", "tag"]


class StoryViewSet(
    EditMixin,
    SoftDeleteMixin,
    RestoreMixin,
    _CommunityItemViewSet,
):
    """Stories (situation, action, outcome, lesson), newest first."""

    model = Story
    access = staticmethod(selectors.access_story)
    owner_lookup = "stories"
    restore_kind = "story"

    serializer_class = StorySerializer
    filterset_class = StoryFilter
    pagination_class = NewestFirst

    edited_fields = ("title", "situation", "action", "outcome", "lesson")

    def edit(self, *, item, user, values, tags):
        authorize(user, "knowledge.edit_story", item)
        story_services.edit_story(
            story=item,
            by=user,
            tags=tags,
            problem=item.problem,
            entry=item.entry,
            meeting=item.meeting,
            **values,
        )

    def perform_create(self, serializer):
        user = self.request.user
        data = serializer.validated_data
        community = self.community_to_create_in(serializer)
        authorize(user, "knowledge.tell_story", community)
        problem = entry = None
        if data.get("problem_id"):
            problem = Problem.objects.filter(pk=data["problem_id"], community=community).first()
            if problem is None:
                raise serializers.ValidationError(
                    {"problem": "Choose a problem of this community."}
                )
        if data.get("entry_id"):
            entry = PracticeEntry.objects.filter(pk=data["entry_id"], community=community).first()
            if entry is None:
                raise serializers.ValidationError({"entry": "Choose a practice of this community."})
        meeting = None
        if data.get("meeting_id"):
            meeting = selectors.meeting_choices(community).filter(pk=data["meeting_id"]).first()
            if meeting is None:
                raise serializers.ValidationError(
                    {"meeting": "Choose a meeting this community held."}
                )
        story = story_services.tell_story(
            community=community,
            author=user,
            title=data["title"],
            situation=data["situation"],
            action=data["action"],
            outcome=data["outcome"],
            lesson=data.get("lesson", ""),
            tags=_tags(community, data.get("tags", [])),
            problem=problem,
            entry=entry,
            meeting=meeting,
        )
        self.answer_created(serializer, story)

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "list": "cop.view_community",
        "retrieve": "knowledge.view",
        "create": "knowledge.tell_story",
        "update": "knowledge.edit_story",
        "partial_update": "knowledge.edit_story",
        "destroy": "knowledge.delete",
        "restore": "knowledge.restore",
    }
