"""Problems and their replies; the deleted items and the export of a community."""

import django_filters
from django.db.models import Count
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.response import Response

from cop.api.support import (
    ID_PATTERN,
    MAX_ID,
    SLUG_SCHEMA,
    MarkdownHTMLField,
    NewestFirst,
    SlugFilter,
    owning_community,
)
from cop.permissions import DeclaredPermission, authorize, authorizes
from cop.selectors.communities import access_community

from .. import selectors, similarity
from ..enums import ProblemStatus
from ..export import export_filename, export_zip
from ..models import Problem, Reply
from ..services import entries as entry_services
from ..services import problems as problem_services
from ..services import validation as validation_services
from .common import (
    SLUG,
    AuthorSerializer,
    CommunityItemSerializer,
    EditMixin,
    PracticeSerializer,
    PromoteSerializer,
    RestoreMixin,
    SoftDeleteMixin,
    _absolute,
    _CommunityItemViewSet,
    _restore,
    _tags,
)
from .practices import PracticeViewSet


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
    _CommunityItemViewSet,
):
    """Problems members brought, newest first; filter by `community`, `status`, `tag`."""

    model = Problem
    access = staticmethod(selectors.access_problem)
    owner_lookup = "problems"
    restore_kind = "problem"

    serializer_class = ProblemSerializer
    filterset_class = ProblemFilter
    pagination_class = NewestFirst

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

    edited_fields = ("title", "context", "tried")

    def edit(self, *, item, user, values, tags):
        authorize(user, "knowledge.edit_problem", item)
        problem_services.edit_problem(problem=item, by=user, tags=tags, **values)

    def perform_create(self, serializer):
        user = self.request.user
        community = self.community_to_create_in(serializer)
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
        self.answer_created(serializer, problem)

    @extend_schema(methods=["GET"], responses=ReplySerializer(many=True))
    @extend_schema(methods=["POST"], request=ReplySerializer, responses={201: ReplySerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def replies(self, request, pk=None):
        """GET: the live replies, solutions first. POST `{"body": ...}`: reply (members)."""
        problem = self.get_object()
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
        problem = self.get_object()
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
        problem = self.get_object()
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
        problem = self.get_object()
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
            self.request.user, owning_community("problems__replies", pk), pk
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
