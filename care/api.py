"""REST API of following, bookmarks, flags, the code of conduct and the moderation queue,
over the same services and declared permissions as the pages (`care.rules`)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, permissions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from cop.api.support import MAX_ID, CursorPagination, NewestFirst
from cop.content import CONTENT_KINDS, kind_of_content_type, resolve
from cop.markdown import render_markdown
from cop.permissions import DeclaredPermission, authorize
from cop.rules import forget_memberships, has_accepted_conduct, membership_of
from cop.selectors.communities import access_community, home_feed

from . import selectors
from .enums import FlagReason, ModerationAction
from .models import Bookmark, Flag, Follow, ModerationCase
from .services import bookmarks, conduct, follows, moderation
from .services.conduct import MAX_CONDUCT_LENGTH, MAX_NOTE_LENGTH
from .services.moderation import MAX_NOTE_LENGTH as MAX_MODERATION_NOTE

KIND_HELP = "A kind of content: story, problem, reply, practice, member (a profile), topic."


def _kinds(ability: str) -> list[str]:
    """The registered kinds with `ability` (the registry is filled when the apps are
    ready, before the URLs import this module)."""
    return sorted(key for key, kind in CONTENT_KINDS.items() if getattr(kind, ability))


class TargetSerializer(serializers.Serializer):
    kind = serializers.SlugField(max_length=30, help_text=KIND_HELP)
    id = serializers.IntegerField(min_value=1, max_value=MAX_ID)

    def validate_kind(self, value):
        if value not in CONTENT_KINDS:
            raise serializers.ValidationError(
                "Unknown kind. One of: " + ", ".join(sorted(CONTENT_KINDS)) + "."
            )
        return value


class TargetMixin:
    """`permission_object()` for a create: the item the body names (`kind`, `object_id`),
    fetched (404 for missing and invisible alike) before the declared permission is
    checked on it."""

    def permission_object(self):
        if self.action != "create":
            return None
        target = TargetSerializer(
            data={"kind": self.request.data.get("kind"), "id": self.request.data.get("object_id")}
        )
        target.is_valid(raise_exception=True)
        self.kind, self.target = resolve(
            self.request.user, target.validated_data["kind"], target.validated_data["id"]
        )
        return self.target


# --- Flags ---------------------------------------------------------------------------------


class FlagSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(
        choices=_kinds("flaggable"), write_only=True, help_text=KIND_HELP
    )
    id = serializers.IntegerField(read_only=True)
    object_id = serializers.IntegerField(min_value=1, max_value=MAX_ID, write_only=True)
    reason = serializers.ChoiceField(choices=FlagReason.choices)
    note = serializers.CharField(max_length=MAX_MODERATION_NOTE, required=False, allow_blank=True)
    item = serializers.CharField(source="case.title", read_only=True)
    status = serializers.CharField(source="case.status", read_only=True)

    class Meta:
        model = Flag
        fields = ["id", "kind", "object_id", "reason", "note", "item", "status", "created_at"]
        read_only_fields = ["created_at"]


class FlagViewSet(
    TargetMixin, mixins.CreateModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    """Flag a story, problem, reply, practice or member profile for the coordinators
    (`{"kind", "object_id", "reason", "note"}`); list the flags the caller raised."""

    serializer_class = FlagSerializer
    permission_classes = [permissions.IsAuthenticated, DeclaredPermission]
    permissions = {"create": "care.flag", "list": "care.signed_in"}
    pagination_class = NewestFirst

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Flag.objects.none()
        return Flag.objects.filter(flagger=self.request.user).select_related("case")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        flag = moderation.flag_content(
            user=request.user,
            obj=self.target,
            reason=serializer.validated_data["reason"],
            note=serializer.validated_data.get("note", ""),
        )
        return Response(self.get_serializer(flag).data, status=status.HTTP_201_CREATED)


# --- Bookmarks and follows ---------------------------------------------------------------------


class RecordSerializer(serializers.Serializer):
    """A bookmark or a follow, with the item it points at (null when gone or no longer
    visible to the caller)."""

    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True, help_text=KIND_HELP)
    object_id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True, allow_null=True)
    url = serializers.CharField(read_only=True, allow_null=True)
    community = serializers.SlugField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class BookmarkCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=_kinds("bookmarkable"), help_text=KIND_HELP)
    object_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class FollowCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=_kinds("followable"), help_text=KIND_HELP)
    object_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)


def _records(entries, request) -> list[dict]:
    return [
        {
            "id": entry.record.pk,
            "kind": entry.kind.key,
            "object_id": entry.record.object_id,
            "title": entry.title or None,
            "url": request.build_absolute_uri(entry.url) if entry.item is not None else None,
            "community": entry.record.community.slug,
            "created_at": entry.record.created_at,
        }
        for entry in entries
    ]


class _RecordViewSet(
    TargetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    model = None
    create_permission = ""
    create_serializer = None
    permission_classes = [permissions.IsAuthenticated, DeclaredPermission]
    pagination_class = NewestFirst
    lookup_value_regex = r"[0-9]{1,18}"

    def get_permissions_map(self):
        return {
            "create": self.create_permission,
            "list": "care.signed_in",
            "destroy": "care.own_record",
        }

    @property
    def permissions(self):
        return self.get_permissions_map()

    def get_serializer_class(self):
        return self.create_serializer if self.action == "create" else RecordSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.model.objects.filter(user=self.request.user).select_related("community")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(_records(selectors._attach(page, request.user), request))

    def perform_destroy(self, instance):
        self.remove(instance)

    def _created(self, record) -> Response:
        record = self.get_queryset().get(pk=record.pk)
        data = _records(selectors._attach([record], self.request.user), self.request)[0]
        return Response(RecordSerializer(data).data, status=status.HTTP_201_CREATED)


class BookmarkViewSet(_RecordViewSet):
    """The caller's saved items: list (newest first), save `{"kind", "object_id"}`, remove."""

    model = Bookmark
    create_permission = "care.bookmark"
    create_serializer = BookmarkCreateSerializer

    @extend_schema(request=BookmarkCreateSerializer, responses={201: RecordSerializer})
    def create(self, request, *args, **kwargs):
        BookmarkCreateSerializer(data=request.data).is_valid(raise_exception=True)
        return self._created(bookmarks.bookmark(user=request.user, obj=self.target))

    def remove(self, instance):
        bookmarks.remove_bookmark(bookmark=instance)


class FollowViewSet(_RecordViewSet):
    """What the caller follows (topics, problems, practices, members): list, follow
    `{"kind", "object_id"}`, stop following."""

    model = Follow
    create_permission = "care.follow"
    create_serializer = FollowCreateSerializer

    @extend_schema(request=FollowCreateSerializer, responses={201: RecordSerializer})
    def create(self, request, *args, **kwargs):
        FollowCreateSerializer(data=request.data).is_valid(raise_exception=True)
        return self._created(follows.follow(user=request.user, obj=self.target))

    def remove(self, instance):
        follows.remove_follow(follow=instance)


# --- Code of conduct ------------------------------------------------------------------------


class ConductSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_CONDUCT_LENGTH, help_text="Markdown.")
    text_html = serializers.CharField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    accepted = serializers.BooleanField(
        read_only=True,
        allow_null=True,
        help_text="Whether the caller accepted this version; null for non-members.",
    )
    material = serializers.BooleanField(
        write_only=True,
        default=False,
        help_text="A material change: every member accepts it again before taking part.",
    )
    note = serializers.CharField(
        write_only=True, max_length=MAX_NOTE_LENGTH, required=False, allow_blank=True
    )


def _conduct(request, community) -> dict:

    membership = membership_of(request.user, community)
    return {
        "text": community.conduct,
        "text_html": render_markdown(community.conduct),
        "version": community.conduct_version,
        "accepted": (
            has_accepted_conduct(request.user, community)
            if membership is not None and membership.is_active
            else None
        ),
    }


class ConductView(APIView):
    """A community's code of conduct: read it (anyone who may see the community), replace
    it (coordinators; `material: true` asks every member to accept it again)."""

    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    serializer_class = ConductSerializer

    @extend_schema(responses=ConductSerializer)
    def get(self, request, community_slug=None):
        community = access_community(request.user, community_slug)
        return Response(ConductSerializer(_conduct(request, community)).data)

    @extend_schema(request=ConductSerializer, responses=ConductSerializer)
    def put(self, request, community_slug=None):
        community = access_community(request.user, community_slug)
        authorize(request.user, "care.change_conduct", community)
        serializer = ConductSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        community = conduct.update_conduct(
            community=community,
            by=request.user,
            text=serializer.validated_data["text"],
            material=serializer.validated_data["material"],
            note=serializer.validated_data.get("note", ""),
        )
        return Response(ConductSerializer(_conduct(request, community)).data)

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "get": "cop.view_community",
        "put": "care.change_conduct",
    }


class ConductAcceptView(APIView):
    """The caller (an active member) accepts the code of conduct in force."""

    permission_classes = [permissions.IsAuthenticated]

    serializer_class = ConductSerializer

    @extend_schema(request=None, responses=ConductSerializer)
    def post(self, request, community_slug=None):
        community = access_community(request.user, community_slug)
        authorize(request.user, "care.accept_conduct", community)
        conduct.accept_conduct(membership=membership_of(request.user, community))
        forget_memberships(request.user)  # answer with the row as it is now
        return Response(ConductSerializer(_conduct(request, community)).data)

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "post": "care.accept_conduct",
    }


# --- Moderation queue ------------------------------------------------------------------------


class CaseFlagSerializer(serializers.Serializer):
    reason = serializers.CharField()
    note = serializers.CharField()
    flagger = serializers.CharField(source="flagger.name")
    created_at = serializers.DateTimeField()


class CaseSerializer(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField()
    author = serializers.CharField(source="author.name", allow_null=True, read_only=True)
    flags = serializers.SerializerMethodField()

    class Meta:
        model = ModerationCase
        fields = [
            "id", "kind", "object_id", "title", "url", "author", "flag_count",
            "hidden_by_flags", "status", "resolution", "opened_at", "last_flagged_at", "flags",
        ]  # fmt: skip
        read_only_fields = fields

    def get_kind(self, case) -> str | None:
        kind = kind_of_content_type(case.content_type_id)
        return kind.key if kind else None

    def get_flags(self, case) -> list[dict]:
        flags = self.context.get("flags", {}).get(case.pk, [])
        return CaseFlagSerializer(flags, many=True).data


class DecisionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ModerationAction.choices)
    note = serializers.CharField(max_length=MAX_MODERATION_NOTE, required=False, allow_blank=True)


class QueuePagination(CursorPagination):
    ordering = ("-last_flagged_at", "-id")


class ModerationQueueView(generics.ListAPIView):
    """The coordinators' queue of a community: open cases, most recently flagged first."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = CaseSerializer
    pagination_class = QueuePagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ModerationCase.objects.none()
        community = access_community(self.request.user, self.kwargs["community_slug"])
        authorize(self.request.user, "care.view_queue", community)
        return moderation.open_cases(community)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        context = self.get_serializer_context() | {"flags": moderation.case_flags(page)}
        return self.get_paginated_response(CaseSerializer(page, many=True, context=context).data)

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "get": "care.view_queue",
    }


class ModerationDecisionView(APIView):
    """A coordinator decides an open case: hide, restore, warn or remove (a note is
    needed to warn or remove: the author reads it)."""

    permission_classes = [permissions.IsAuthenticated]

    serializer_class = DecisionSerializer

    @extend_schema(request=DecisionSerializer, responses=CaseSerializer)
    def post(self, request, community_slug=None, pk=None):
        community = access_community(request.user, community_slug)
        case = selectors.access_case(community, pk)
        authorize(request.user, "care.moderate", case)
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = moderation.moderate(case=case, by=request.user, **serializer.validated_data)
        context = {"request": request, "flags": moderation.case_flags([case])}
        return Response(CaseSerializer(case, context=context).data)

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "post": "care.moderate",
    }


# --- Home feed ---------------------------------------------------------------------------------


class FeedItemSerializer(serializers.Serializer):
    kind = serializers.CharField(source="source")
    id = serializers.IntegerField(source="pk")
    at = serializers.DateTimeField()
    title = serializers.CharField()
    url = serializers.CharField()
    community = serializers.SlugField(source="community.slug")
    author = serializers.CharField(source="author.name", allow_null=True, default=None)
    starts_at = serializers.DateTimeField(allow_null=True)


class HomeFeedSerializer(serializers.Serializer):
    results = FeedItemSerializer(many=True)
    older = serializers.CharField(allow_null=True, help_text="Pass as `?older=` for the next page.")


class FeedView(APIView):
    """What is new across the caller's communities, newest first; `?older=<cursor>` pages."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = HomeFeedSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "older",
                str,
                required=False,
                description="The `older` of the previous answer; one that does not parse "
                "starts again from the newest.",
            )
        ],
        responses=HomeFeedSerializer,
    )
    def get(self, request):
        page = home_feed(request.user, older=request.query_params.get("older", ""))
        data = {"results": page.items, "older": page.older or None}
        return Response(HomeFeedSerializer(data).data)

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "get": "care.signed_in",
    }
