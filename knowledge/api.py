"""REST API of the knowledge app: stories, problems with replies and solutions,
practices with validation and revisions, the glossary, and search.

Over the knowledge services, selectors and `rules` predicates: a private community's
items are 404 to non-members, lists hold only what the caller may see, deleted items
appear nowhere. A refused action is 403 with the rule's reason, checked before the
service is called (the services re-check the same predicates).
"""

import re

import django_filters
from django.db.models import Count
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.exceptions import NotAuthenticated
from rest_framework.response import Response

from cop.api_support import (
    ID_PATTERN,
    MAX_ID,
    SLUG_SCHEMA,
    CursorPagination,
    MarkdownHTMLField,
    SlugFilter,
    community_tags,
)
from cop.models import Community, Tag
from cop.permissions import DeclaredPermission, authorize, authorizes
from cop.selectors import access_community, visible_communities

from . import search as knowledge_search
from . import selectors, similarity
from .enums import EntryKind, EntryStatus, NoteKind, ProblemStatus, SearchKind, TermStatus
from .export import export_filename, export_zip
from .models import GlossaryTerm, Note, PracticeEntry, Problem, Reply, Story
from .services import entries as entry_services
from .services import glossary as glossary_services
from .services import problems as problem_services
from .services import stories as story_services
from .services import validation as validation_services
from .services.common import restore, soft_delete

SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def _inline_enum(values) -> dict:
    # Wrapped so that the schema keeps this choice set inline: `kind` is also the
    # meetings' field, whose enum component owns the name.
    return {"allOf": [{"type": "string", "enum": list(values)}]}


@extend_schema_field(_inline_enum(EntryKind.values))
class EntryKindField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=EntryKind.choices, **kwargs)


class NewestFirst(CursorPagination):
    ordering = ("-created_at", "-id")


class RecentlyUpdated(CursorPagination):
    ordering = ("-updated_at", "-id")


class Alphabetical(CursorPagination):
    ordering = ("term", "id")


class AuthorSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class TagNamesField(serializers.ListField):
    """Tags as their names; written as names or slugs of the community's vocabulary."""

    child = serializers.CharField(max_length=60)

    def to_representation(self, data):
        return [tag.name for tag in data.all()]


def _tags(community: Community, names: list[str] | None) -> list[Tag] | None:
    return None if names is None else community_tags(community, names, field="tags")


def _absolute(serializer, obj) -> str:
    return serializer.context["request"].build_absolute_uri(obj.get_absolute_url())


def _community_for(user, slug: str) -> Community:
    return access_community(user, slug)


class EditMixin(mixins.UpdateModelMixin):
    """PATCH/PUT edit an item through its service (the author; a practice's owner too).
    Fields left out keep their value; `community` cannot change."""

    def perform_update(self, serializer):
        item = serializer.instance
        data = dict(serializer.validated_data)
        data.pop("community", None)
        tags = _tags(item.community, data.pop("tags", None))
        if tags is None:
            tags = list(item.tags.all())
        self.edit(item=item, user=self.request.user, data=data, tags=tags)
        serializer.instance = self.get_object()


class SoftDeleteMixin(mixins.DestroyModelMixin):
    """DELETE hides the item (author or coordinator); its history stays, nothing is lost."""

    def perform_destroy(self, instance):
        authorize(self.request.user, "knowledge.delete", instance)
        soft_delete(item=instance, by=self.request.user)


class RestoreMixin:
    """POST `{id}/restore/` brings back a deleted item (coordinators); nothing was lost."""

    restore_kind = ""  # the kind `selectors.access_deleted` knows: story, problem, entry
    owner_lookup = ""  # the Community relation to the model, for `_owning_community`

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def restore(self, request, pk=None):
        """Restore a deleted item (coordinators of its community)."""
        _restore(request.user, self.owner_lookup, self.restore_kind, pk)
        return Response(self.get_serializer(self.get_object()).data)


def _restore(user, owner_lookup: str, kind: str, pk) -> None:
    """Restore a deleted item of `kind` after the same checks as the restore page."""
    community = _owning_community(owner_lookup, pk)
    item = selectors.access_deleted(user, community, kind, pk)
    authorize(user, "knowledge.restore", item)
    restore(item=item, by=user)


def _owning_community(model, pk) -> Community:
    """The community an item belongs to, for the selectors' fetch-and-authorise."""
    community = Community.objects.filter(**{f"{model}__pk": pk}).first()
    if community is None:
        raise Http404("Not found.")
    return community


class CommunityItemSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    community = serializers.SlugField(source="community.slug")
    author = AuthorSerializer(read_only=True)
    tags = TagNamesField(required=False)

    def get_url(self, obj) -> str:
        return _absolute(self, obj)


class PracticeSerializer(CommunityItemSerializer):
    body_html = MarkdownHTMLField("body")
    kind = EntryKindField(default=EntryKind.HOW_TO)
    owner = AuthorSerializer(read_only=True)
    publish = serializers.BooleanField(
        write_only=True, default=False, help_text="Publish at once (not validated) or keep a draft."
    )
    endorsement_count = serializers.IntegerField(read_only=True, allow_null=True, default=None)

    class Meta:
        model = PracticeEntry
        fields = [
            "id",
            "url",
            "community",
            "title",
            "body",
            "body_html",
            "kind",
            "tags",
            "status",
            "author",
            "owner",
            "review_date",
            "publish",
            "endorsement_count",
            "validated_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "status", "validated_at", "created_at", "updated_at"]


class PromoteSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    body = serializers.CharField(required=False, allow_blank=True, max_length=100000)
    kind = EntryKindField(required=False)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, max_length=100
    )


# --- problems and replies ------------------------------------------------------------------


class ProblemSerializer(CommunityItemSerializer):
    context_html = MarkdownHTMLField("context")
    tried_html = MarkdownHTMLField("tried")
    reply_count = serializers.IntegerField(read_only=True, allow_null=True, default=None)

    class Meta:
        model = Problem
        fields = [
            "id",
            "url",
            "community",
            "title",
            "context",
            "context_html",
            "tried",
            "tried_html",
            "tags",
            "status",
            "author",
            "reply_count",
            "solved_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "status", "solved_at", "created_at", "updated_at"]


class ReplySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    problem = serializers.IntegerField(source="problem_id", read_only=True)
    author = AuthorSerializer(read_only=True)
    body_html = MarkdownHTMLField("body")
    endorsement_count = serializers.IntegerField(read_only=True, allow_null=True, default=None)

    class Meta:
        model = Reply
        fields = [
            "id",
            "url",
            "problem",
            "body",
            "body_html",
            "author",
            "is_solution",
            "accepted_at",
            "endorsement_count",
            "created_at",
        ]
        read_only_fields = ["id", "is_solution", "accepted_at", "created_at"]

    def get_url(self, reply) -> str:
        return _absolute(self, reply)


class AcceptSerializer(serializers.Serializer):
    reply = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class SimilarItemSerializer(serializers.Serializer):
    """A problem or practice that looks like the title asked about, and why."""

    kind = serializers.ChoiceField(choices=["problem", "practice"])
    id = serializers.IntegerField(source="object_id")
    title = serializers.CharField()
    community = serializers.SlugField(source="community.slug")
    status = serializers.CharField()
    solved = serializers.BooleanField(source="is_solved")
    url = serializers.SerializerMethodField()
    score = serializers.FloatField()
    shared_words = serializers.ListField(child=serializers.CharField())
    shared_topics = serializers.ListField(child=serializers.CharField())
    reasons = serializers.ListField(child=serializers.CharField())

    def get_url(self, suggestion) -> str:
        return self.context["request"].build_absolute_uri(suggestion.url)


class SimilarResultSerializer(serializers.Serializer):
    title = serializers.CharField()
    results = SimilarItemSerializer(many=True)


class ProblemFilter(django_filters.FilterSet):
    community = SlugFilter(field_name="community__slug")
    status = django_filters.ChoiceFilter(choices=ProblemStatus.choices)
    tag = SlugFilter(field_name="tags__slug", distinct=True)

    class Meta:
        model = Problem
        fields = ["community", "status", "tag"]


class ProblemViewSet(
    EditMixin,
    SoftDeleteMixin,
    RestoreMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Problems members brought, newest first; filter by `community`, `status`, `tag`."""

    lookup_value_regex = ID_PATTERN
    restore_kind = "problem"
    owner_lookup = "problems"

    serializer_class = ProblemSerializer
    filterset_class = ProblemFilter
    pagination_class = NewestFirst

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Problem.objects.none()
        return (
            selectors.live_in_visible(Problem, self.request.user)
            .prefetch_related("tags")
            .order_by("-created_at", "-id")
        )

    def get_object(self) -> Problem:
        return self._problem()

    def permission_object(self):
        """The community of `similar` (404 when the caller may not see it)."""
        slug = self.request.query_params.get("community", "")
        if self.action == "similar" and slug and SLUG.fullmatch(slug) and len(slug) <= 100:
            return access_community(self.request.user, slug)
        return None

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "title",
                {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"},
                required=True,
                description="The title being written (at most 200 characters).",
            ),
            OpenApiParameter(
                "community",
                SLUG_SCHEMA,
                description="Where the problem will be posted: suggestions from other "
                "communities the caller may see say so.",
            ),
        ],
        responses=SimilarResultSerializer,
    )
    @action(
        detail=False,
        methods=["get"],
        pagination_class=None,
        filterset_class=None,
        permission_classes=[DeclaredPermission],
    )
    def similar(self, request):
        """Up to five problems and practices the caller may see that look like `title`,
        best first (solved ones first among close matches), each with the reasons it
        was suggested: shared words, similar wording, same topic, solved or validated."""
        title = request.query_params.get("title", "")
        if not title.strip():
            return Response({"title": ["Give the title you are writing."]}, status=400)
        if len(title) > 200:
            return Response({"title": ["At most 200 characters."]}, status=400)
        slug = request.query_params.get("community", "")
        if slug and not (SLUG.fullmatch(slug) and len(slug) <= 100):
            return Response({"community": ["A slug: letters, digits, - and _."]}, status=400)
        community = self.permission_object()
        suggestions = similarity.similar(request.user, title=title, community=community)
        data = SimilarResultSerializer(
            {"title": similarity.clean_title(title), "results": suggestions},
            context={"request": request},
        ).data
        return Response(data)

    def edit(self, *, item, user, data, tags):
        authorize(user, "knowledge.edit_problem", item)
        problem_services.edit_problem(
            problem=item,
            by=user,
            title=data.get("title", item.title),
            context=data.get("context", item.context),
            tried=data.get("tried", item.tried),
            tags=tags,
        )

    def _problem(self) -> Problem:
        pk = self.kwargs["pk"]
        problem = selectors.access_problem(self.request.user, _owning_community("problems", pk), pk)
        return self.get_queryset().get(pk=problem.pk)

    def perform_create(self, serializer):
        user = self.request.user
        community = _community_for(user, serializer.validated_data["community"]["slug"])
        authorize(user, "knowledge.ask_problem", community)
        data = serializer.validated_data
        problem = problem_services.ask_problem(
            community=community,
            author=user,
            title=data["title"],
            context=data["context"],
            tried=data.get("tried", ""),
            tags=_tags(community, data.get("tags", [])),
        )
        serializer.instance = self.get_queryset().get(pk=problem.pk)

    @extend_schema(methods=["GET"], responses=ReplySerializer(many=True))
    @extend_schema(methods=["POST"], request=ReplySerializer, responses={201: ReplySerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def replies(self, request, pk=None):
        """GET: the live replies, solutions first. POST `{"body": ...}`: reply (members)."""
        problem = self._problem()
        if request.method == "GET":
            replies = selectors.problem_replies(problem, request.user)
            return Response(ReplySerializer(replies, many=True, context={"request": request}).data)
        authorize(request.user, "knowledge.reply", problem)
        body = ReplySerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        reply = problem_services.post_reply(
            problem=problem, author=request.user, body=body.validated_data["body"]
        )
        return Response(
            ReplySerializer(reply, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=AcceptSerializer, responses=ReplySerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def accept(self, request, pk=None):
        """Accept a reply as a solution (the person who asked, or a coordinator)."""
        problem = self._problem()
        body = AcceptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reply = selectors.access_reply(
            request.user, problem.community, body.validated_data["reply"]
        )
        if reply.problem_id != problem.pk:
            return Response(
                {"reply": ["That reply answers another problem."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        authorize(request.user, "knowledge.accept_solution", reply)
        reply = problem_services.accept_solution(reply=reply, by=request.user)
        return Response(ReplySerializer(reply, context={"request": request}).data)

    @extend_schema(request=AcceptSerializer, responses=ReplySerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def unaccept(self, request, pk=None):
        """Take back the acceptance of a solution (the person who asked, or a
        coordinator); with no solution left the problem is open again."""
        problem = self._problem()
        body = AcceptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reply = selectors.access_reply(
            request.user, problem.community, body.validated_data["reply"]
        )
        if reply.problem_id != problem.pk:
            raise serializers.ValidationError({"reply": "That reply answers another problem."})
        authorize(request.user, "knowledge.accept_solution", reply)
        reply = problem_services.unaccept_solution(reply=reply, by=request.user)
        return Response(ReplySerializer(reply, context={"request": request}).data)

    @extend_schema(request=PromoteSerializer, responses={201: PracticeSerializer})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def promote(self, request, pk=None):
        """Turn a solved problem into a draft practice, written from its accepted
        solutions (the person who asked, or a coordinator). Title, body, kind and tags
        default to that draft."""
        problem = self._problem()
        authorize(request.user, "knowledge.promote", problem)
        body = PromoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        entry = entry_services.promote_problem(
            problem=problem,
            by=request.user,
            title=data.get("title") or None,
            body=data.get("body") or None,
            kind=data.get("kind") or None,
            tags=_tags(problem.community, data.get("tags")),
        )
        entry = PracticeViewSet.queryset_for(request.user).get(pk=entry.pk)
        return Response(
            PracticeSerializer(entry, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "list": "cop.view_community",
        "retrieve": "knowledge.view",
        "create": "knowledge.ask_problem",
        "update": "knowledge.edit_problem",
        "partial_update": "knowledge.edit_problem",
        "destroy": "knowledge.delete",
        "restore": "knowledge.restore",
        "replies": "knowledge.reply",
        "accept": "knowledge.accept_solution",
        "unaccept": "knowledge.accept_solution",
        "promote": "knowledge.promote",
        "similar": "knowledge.find_similar",
    }


class ReplyViewSet(
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    SoftDeleteMixin,
    viewsets.GenericViewSet,
):
    """One reply to a problem (they are listed and posted under `problems/{id}/replies/`).
    PATCH `{"body": ...}` edits it (its author); DELETE hides it (author or
    coordinator); `endorse/` says “this worked for me” on an accepted solution."""

    lookup_value_regex = ID_PATTERN
    serializer_class = ReplySerializer
    http_method_names = ["get", "patch", "post", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Reply.objects.none()
        return Reply.objects.annotate(endorsement_count=Count("endorsements")).select_related(
            "author"
        )

    def get_object(self) -> Reply:
        pk = self.kwargs["pk"]
        reply = selectors.access_reply(
            self.request.user, _owning_community("problems__replies", pk), pk
        )
        return self.get_queryset().get(pk=reply.pk)

    def perform_update(self, serializer):
        reply = serializer.instance
        authorize(self.request.user, "knowledge.edit_reply", reply)
        problem_services.edit_reply(
            reply=reply,
            by=self.request.user,
            body=serializer.validated_data.get("body", reply.body),
        )
        serializer.instance = self.get_object()

    @extend_schema(methods=["POST", "DELETE"], request=None, responses=ReplySerializer)
    @action(
        detail=True, methods=["post", "delete"], permission_classes=[permissions.IsAuthenticated]
    )
    def endorse(self, request, pk=None):
        """POST: “this worked for me” on an accepted solution (members other than its
        author). DELETE: take it back."""
        reply = self.get_object()
        if request.method == "DELETE":
            validation_services.withdraw_endorsement(user=request.user, reply=reply)
        else:
            authorize(request.user, "knowledge.endorse", reply)
            validation_services.endorse_solution(reply=reply, user=request.user)
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=None, responses=ReplySerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def restore(self, request, pk=None):
        """Restore a deleted reply (coordinators of its community)."""
        _restore(request.user, "problems__replies", "reply", pk)
        return Response(self.get_serializer(self.get_object()).data)

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "retrieve": "knowledge.view",
        "update": "knowledge.edit_reply",
        "partial_update": "knowledge.edit_reply",
        "destroy": "knowledge.delete",
        "restore": "knowledge.restore",
        "endorse": "knowledge.endorse",
    }


class DeletedItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.SerializerMethodField()
    deleted_at = serializers.DateTimeField()
    deleted_by = AuthorSerializer(allow_null=True)

    def get_title(self, item) -> str:
        if isinstance(item, Reply):
            return item.problem.title
        return item.title


class DeletedSerializer(serializers.Serializer):
    stories = DeletedItemSerializer(many=True)
    problems = DeletedItemSerializer(many=True)
    replies = DeletedItemSerializer(many=True, help_text="Titled by their problem.")
    practices = DeletedItemSerializer(many=True, source="entries")


@authorizes("knowledge.view_deleted")
@extend_schema(responses=DeletedSerializer)
@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated])
def deleted(request, community_slug: str):
    """What was deleted in a community, newest first (at most 50 of each kind), for its
    coordinators to restore with `{kind}/{id}/restore/`."""
    community = access_community(request.user, community_slug)
    authorize(request.user, "knowledge.view_deleted", community)
    return Response(DeletedSerializer(selectors.deleted_items(community)).data)


@authorizes("knowledge.export")
@extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated])
def export(request, community_slug: str):
    """The community's repertoire as a zip of Markdown files under its license: stories,
    problems with their solutions, practices and the glossary (coordinators)."""
    community = access_community(request.user, community_slug)
    authorize(request.user, "knowledge.export", community)
    response = HttpResponse(export_zip(community), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(community)}"'
    return response


# --- stories -------------------------------------------------------------------------------


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
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Stories (situation, action, outcome, lesson), newest first."""

    lookup_value_regex = ID_PATTERN
    restore_kind = "story"
    owner_lookup = "stories"

    serializer_class = StorySerializer
    filterset_class = StoryFilter
    pagination_class = NewestFirst

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Story.objects.none()
        return (
            selectors.live_in_visible(Story, self.request.user)
            .prefetch_related("tags")
            .order_by("-created_at", "-id")
        )

    def edit(self, *, item, user, data, tags):
        authorize(user, "knowledge.edit_story", item)
        story_services.edit_story(
            story=item,
            by=user,
            title=data.get("title", item.title),
            situation=data.get("situation", item.situation),
            action=data.get("action", item.action),
            outcome=data.get("outcome", item.outcome),
            lesson=data.get("lesson", item.lesson),
            tags=tags,
            problem=item.problem,
            entry=item.entry,
            meeting=item.meeting,
        )

    def get_object(self) -> Story:
        pk = self.kwargs["pk"]
        story = selectors.access_story(self.request.user, _owning_community("stories", pk), pk)
        return self.get_queryset().get(pk=story.pk)

    def perform_create(self, serializer):
        user = self.request.user
        data = serializer.validated_data
        community = _community_for(user, data["community"]["slug"])
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
        serializer.instance = self.get_queryset().get(pk=story.pk)

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


# --- practices -----------------------------------------------------------------------------


class ValidateSerializer(serializers.Serializer):
    expert = serializers.BooleanField(
        default=False,
        help_text="false: “this worked for me” (members other than the author); "
        "true: expert validation (coordinators, or members with expertise in its topics).",
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class RevisionSerializer(serializers.Serializer):
    number = serializers.IntegerField(source="revision.number")
    title = serializers.CharField(source="revision.title")
    body = serializers.CharField(source="revision.body")
    summary = serializers.CharField(source="revision.summary")
    author = AuthorSerializer(source="revision.author", allow_null=True)
    created_at = serializers.DateTimeField(source="revision.created_at")
    title_changed = serializers.BooleanField()
    diff = serializers.SerializerMethodField()

    def get_diff(self, item) -> list[str]:
        """Unified diff lines of the body against the revision before."""
        return [text for _css, text in item.lines]


class NoteSerializer(serializers.ModelSerializer):
    author = AuthorSerializer(read_only=True, allow_null=True)
    body_html = MarkdownHTMLField("body")
    kind = serializers.ChoiceField(choices=NoteKind.choices, default=NoteKind.ALTERNATIVE)

    class Meta:
        model = Note
        fields = ["id", "kind", "body", "body_html", "author", "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"body": {"max_length": 10000}}


class RevertSerializer(serializers.Serializer):
    revision = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[EntryStatus.DRAFT, EntryStatus.NOT_VALIDATED, EntryStatus.ARCHIVED],
        help_text="Publish a draft (not_validated), archive, or reopen. Validation is earned.",
    )


class PracticeFilter(django_filters.FilterSet):
    community = SlugFilter(field_name="community__slug")
    status = django_filters.ChoiceFilter(choices=EntryStatus.choices)
    kind = django_filters.ChoiceFilter(choices=EntryKind.choices)
    tag = SlugFilter(field_name="tags__slug", distinct=True)

    class Meta:
        model = PracticeEntry
        fields = ["community", "status", "kind", "tag"]


class PracticeViewSet(
    EditMixin,
    SoftDeleteMixin,
    RestoreMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Practice entries, most recently updated first. Without a `status` filter, archived
    ones are left out, as on the pages."""

    lookup_value_regex = ID_PATTERN
    restore_kind = "entry"
    owner_lookup = "entries"

    serializer_class = PracticeSerializer
    filterset_class = PracticeFilter
    pagination_class = RecentlyUpdated

    @staticmethod
    def queryset_for(user):
        return (
            selectors.live_in_visible(PracticeEntry, user)
            .select_related("owner")
            .prefetch_related("tags")
            .order_by("-updated_at", "-id")
        )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PracticeEntry.objects.none()
        entries = self.queryset_for(self.request.user)
        if self.action == "list" and "status" not in self.request.query_params:
            entries = entries.exclude(status=EntryStatus.ARCHIVED)
        return entries

    def get_object(self) -> PracticeEntry:
        return self._entry()

    def edit(self, *, item, user, data, tags):
        authorize(user, "knowledge.edit_entry", item)
        entry_services.edit_entry(
            entry=item,
            by=user,
            title=data.get("title", item.title),
            body=data.get("body", item.body),
            kind=data.get("kind", item.kind),
            tags=tags,
            review_date=data.get("review_date", item.review_date),
        )

    def _entry(self) -> PracticeEntry:
        pk = self.kwargs["pk"]
        entry = selectors.access_entry(self.request.user, _owning_community("entries", pk), pk)
        return self.get_queryset().get(pk=entry.pk)

    def perform_create(self, serializer):
        user = self.request.user
        data = serializer.validated_data
        community = _community_for(user, data["community"]["slug"])
        authorize(user, "knowledge.write_entry", community)
        entry = entry_services.write_entry(
            community=community,
            author=user,
            title=data["title"],
            body=data["body"],
            kind=data.get("kind", EntryKind.HOW_TO),
            tags=_tags(community, data.get("tags", [])),
            review_date=data.get("review_date"),
            publish=data.get("publish", False),
        )
        serializer.instance = self.get_queryset().get(pk=entry.pk)

    @extend_schema(request=StatusChangeSerializer, responses=PracticeSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="status",
        permission_classes=[permissions.IsAuthenticated],
    )
    def change_status(self, request, pk=None):
        """Move the practice through its life cycle (author, owner or coordinator)."""
        entry = self._entry()
        authorize(request.user, "knowledge.change_status", entry)
        serializer = StatusChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry_services.change_status(
            entry=entry, to=serializer.validated_data["status"], by=request.user
        )
        return Response(
            PracticeSerializer(self._entry(), context=self.get_serializer_context()).data
        )

    @extend_schema(methods=["POST"], request=ValidateSerializer, responses=PracticeSerializer)
    @extend_schema(methods=["DELETE"], request=None, responses={200: PracticeSerializer})
    @action(
        detail=True, methods=["post", "delete"], permission_classes=[permissions.IsAuthenticated]
    )
    def validate(self, request, pk=None):
        """Peer validation: “this worked for me”, or an expert's validation. DELETE takes
        one's “this worked for me” back (a validation that happened stays)."""
        entry = self._entry()
        if request.method == "DELETE":
            validation_services.withdraw_endorsement(user=request.user, entry=entry)
            return Response(self.get_serializer(self._entry()).data)
        body = ValidateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if body.validated_data["expert"]:
            authorize(request.user, "knowledge.validate_as_expert", entry)
            validation_services.validate_as_expert(
                entry=entry, by=request.user, comment=body.validated_data.get("comment", "")
            )
        else:
            authorize(request.user, "knowledge.endorse", entry)
            validation_services.endorse_entry(entry=entry, user=request.user)
        return Response(self.get_serializer(self._entry()).data)

    @extend_schema(methods=["GET"], responses=NoteSerializer(many=True))
    @extend_schema(methods=["POST"], request=NoteSerializer, responses={201: NoteSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def notes(self, request, pk=None):
        """GET: dissenting and alternative notes shown beside the practice, oldest first.
        POST `{"kind": "dissent"|"alternative", "body": ...}`: add one (members)."""
        entry = self._entry()
        if request.method == "GET":
            notes = entry.notes.select_related("author").order_by("created_at", "pk")
            return Response(NoteSerializer(notes, many=True).data)
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        authorize(request.user, "knowledge.add_note", entry)
        body = NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        note = entry_services.add_note(entry=entry, author=request.user, **body.validated_data)
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RevertSerializer, responses=RevisionSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def revert(self, request, pk=None):
        """Bring back the title and body of an earlier revision as a new revision (the
        author or the owner); the history keeps every version. Answers the new one."""
        entry = self._entry()
        authorize(request.user, "knowledge.revert_entry", entry)
        body = RevertSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry_services.revert_entry(
            entry=entry, to_number=body.validated_data["revision"], by=request.user
        )
        return Response(RevisionSerializer(selectors.revision_history(entry)[0]).data)

    @extend_schema(responses=RevisionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def revisions(self, request, pk=None):
        """Every revision, newest first, each with its diff against the one before."""
        entry = self._entry()
        history = selectors.revision_history(entry)
        return Response(RevisionSerializer(history, many=True).data)

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "list": "cop.view_community",
        "retrieve": "knowledge.view",
        "create": "knowledge.write_entry",
        "update": "knowledge.edit_entry",
        "partial_update": "knowledge.edit_entry",
        "destroy": "knowledge.delete",
        "restore": "knowledge.restore",
        "change_status": "knowledge.change_status",
        "validate": ("knowledge.validate_as_expert", "knowledge.endorse"),
        "notes": "knowledge.add_note",
        "revert": "knowledge.revert_entry",
        "revisions": "knowledge.view",
    }


# --- glossary ------------------------------------------------------------------------------


class GlossaryTermSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    community = serializers.SlugField(source="community.slug")
    definition_html = MarkdownHTMLField("definition")
    examples_html = MarkdownHTMLField("examples")
    proposed_by = AuthorSerializer(read_only=True, allow_null=True)

    class Meta:
        model = GlossaryTerm
        fields = [
            "id",
            "url",
            "community",
            "term",
            "definition",
            "definition_html",
            "synonyms",
            "examples",
            "examples_html",
            "status",
            "proposed_by",
            "accepted_at",
            "created_at",
        ]
        read_only_fields = ["id", "status", "accepted_at", "created_at"]

    def get_url(self, term) -> str:
        return _absolute(self, term)


class DeclineTermSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class GlossaryFilter(django_filters.FilterSet):
    community = SlugFilter(field_name="community__slug")
    status = django_filters.ChoiceFilter(choices=TermStatus.choices)

    class Meta:
        model = GlossaryTerm
        fields = ["community", "status"]


class GlossaryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The communities' shared language. Members propose; a coordinator's term is
    accepted at once."""

    lookup_value_regex = ID_PATTERN

    serializer_class = GlossaryTermSerializer
    filterset_class = GlossaryFilter
    pagination_class = Alphabetical

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return GlossaryTerm.objects.none()
        return (
            GlossaryTerm.objects.filter(community__in=visible_communities(self.request.user))
            .select_related("community", "proposed_by")
            .order_by("term", "id")
        )

    def get_object(self) -> GlossaryTerm:
        pk = self.kwargs["pk"]
        term = selectors.access_term(self.request.user, _owning_community("glossary", pk), pk)
        return self.get_queryset().get(pk=term.pk)

    def perform_create(self, serializer):
        user = self.request.user
        data = serializer.validated_data
        community = _community_for(user, data["community"]["slug"])
        authorize(user, "knowledge.propose_term", community)
        term = glossary_services.propose_term(
            community=community,
            by=user,
            term=data["term"],
            definition=data["definition"],
            synonyms=data.get("synonyms", ""),
            examples=data.get("examples", ""),
        )
        serializer.instance = self.get_queryset().get(pk=term.pk)

    @extend_schema(request=None, responses=GlossaryTermSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def accept(self, request, pk=None):
        """Accept a proposed term into the shared language (coordinators)."""
        term = self.get_object()
        authorize(request.user, "knowledge.decide_term", term.community)
        glossary_services.accept_term(term=term, by=request.user)
        return Response(
            GlossaryTermSerializer(
                self.get_queryset().get(pk=term.pk), context=self.get_serializer_context()
            ).data
        )

    @extend_schema(request=DeclineTermSerializer, responses=GlossaryTermSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def decline(self, request, pk=None):
        """Decline a proposed term (coordinators), with an optional reason for whoever
        proposed it. Declined terms leave the glossary; proposing one again reopens it."""
        term = self.get_object()
        authorize(request.user, "knowledge.decide_term", term.community)
        body = DeclineTermSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        glossary_services.decline_term(
            term=term, by=request.user, reason=body.validated_data.get("reason", "")
        )
        return Response(
            GlossaryTermSerializer(
                self.get_queryset().get(pk=term.pk), context=self.get_serializer_context()
            ).data
        )

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "list": "cop.view_community",
        "retrieve": "cop.view_community",
        "create": "knowledge.propose_term",
        "accept": "knowledge.decide_term",
        "decline": "knowledge.decide_term",
    }


# --- search --------------------------------------------------------------------------------


class SearchHitSerializer(serializers.Serializer):
    kind = serializers.CharField(
        source="document.kind", help_text="story, problem, reply, entry (a practice) or term."
    )
    id = serializers.IntegerField(source="document.object_id")
    community = serializers.SlugField(source="document.community.slug")
    title = serializers.CharField(source="document.title")
    title_html = serializers.CharField()
    snippet_html = serializers.CharField()
    url = serializers.SerializerMethodField()
    rank = serializers.FloatField()

    def get_url(self, hit) -> str:
        return self.context["request"].build_absolute_uri(hit.url)


class SearchResultSerializer(serializers.Serializer):
    query = serializers.CharField()
    results = SearchHitSerializer(many=True)


@extend_schema(
    parameters=[
        OpenApiParameter(
            "q", OpenApiTypes.STR, description="What to look for (nothing found without it)."
        ),
        OpenApiParameter("community", SLUG_SCHEMA, description="A community's slug."),
        OpenApiParameter("kind", OpenApiTypes.STR, enum=SearchKind.values),
        OpenApiParameter("tag", SLUG_SCHEMA, description="A tag's slug."),
        OpenApiParameter("limit", OpenApiTypes.INT, description="At most 100 (30 by default)."),
    ],
    responses=SearchResultSerializer,
)
@api_view(["GET"])
@permission_classes([permissions.AllowAny])
def search(request):
    """Full-text search of stories, problems, replies, practices and glossary terms, best
    first, over the communities the caller may see."""
    query = request.query_params.get("q", "")
    kind = request.query_params.get("kind", "")
    if kind and kind not in SearchKind.values:
        return Response(
            {"kind": [f"Choose one of {', '.join(SearchKind.values)}."]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    for name in ("community", "tag"):
        if not SLUG.fullmatch(request.query_params.get(name, "") or "-"):
            return Response({name: ["A slug: letters, digits, - and _."]}, status=400)
    try:
        limit = min(max(int(request.query_params.get("limit", 30)), 1), 100)
    except ValueError:
        return Response({"limit": ["A whole number."]}, status=status.HTTP_400_BAD_REQUEST)
    hits = knowledge_search.search(
        request.user,
        query,
        limit=limit,
        kind=kind,
        tag=request.query_params.get("tag", ""),
        community=request.query_params.get("community", ""),
    )
    data = SearchResultSerializer(
        {"query": query, "results": hits}, context={"request": request}
    ).data
    return Response(data)
