"""REST API of comments, reactions and announcements, over the same services, selectors
and declared permissions as the pages.

- `/api/v1/{stories|practices|meetings|value-stories}/{id}/comments/`: list, post
- `/api/v1/comments/{id}/`: read, edit (author), delete (author or coordinator)
- `/api/v1/comments/{id}/reactions/`: react; `.../reactions/{kind}/`: take it back
- `/api/v1/communities/{slug}/announcements/[{id}/]`: list, post (coordinators), read;
  progress (`total`, `delivered_count`) for coordinators only

An item the caller may not see is 404, its comments too; a visible thing the caller
may not act on is 403 with the declared reason.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cop.api.support import (
    ID_PATTERN,
    MAX_ID,
    CommunityInURL,
    MarkdownHTMLField,
    NewestFirst,
    OldestFirst,
)
from cop.enums import ReactionKind
from cop.models import Announcement, Comment
from cop.permissions import DeclaredPermission, allowed
from cop.selectors.conversation import (
    access_announcement,
    access_comment,
    access_target,
    announcement_list,
    visible_comments,
)
from cop.services import announcements as announcement_services
from cop.services import comments as comment_services
from cop.services.announcements import MAX_BODY_LENGTH, MAX_TITLE_LENGTH
from cop.services.comments import MAX_COMMENT_LENGTH

GUARDS = [permissions.IsAuthenticatedOrReadOnly, DeclaredPermission]


class CommentAuthorSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class ReactionCountsSerializer(serializers.Serializer):
    thanks = serializers.IntegerField(source="thanks_count")
    helped = serializers.IntegerField(source="helped_count")
    plus_one = serializers.IntegerField(source="plus_one_count")


class CommentSerializer(serializers.ModelSerializer):
    author = CommentAuthorSerializer(read_only=True, allow_null=True)
    body = serializers.CharField(max_length=MAX_COMMENT_LENGTH)
    body_html = MarkdownHTMLField("body")
    parent = serializers.IntegerField(
        source="parent_id",
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="Reply to this comment (one level: a reply to a reply joins its thread).",
    )
    hidden = serializers.SerializerMethodField(
        help_text="Hidden pending review: shown to its author and the coordinators only."
    )
    reactions = ReactionCountsSerializer(source="*", read_only=True)

    class Meta:
        model = Comment
        fields = [
            "id",
            "parent",
            "author",
            "body",
            "body_html",
            "hidden",
            "reactions",
            "created_at",
            "edited_at",
        ]
        read_only_fields = ["id", "created_at", "edited_at"]

    def get_hidden(self, comment) -> bool:
        return comment.hidden_at is not None


class CommentEditSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=MAX_COMMENT_LENGTH)


class ReactionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReactionKind.choices)


class TargetCommentsView(generics.ListCreateAPIView):
    """Comments on one item, oldest first (replies carry their `parent`); post one."""

    target_key = ""  # set per path: story, practice, meeting, value-story
    serializer_class = CommentSerializer
    pagination_class = OldestFirst
    permission_classes = GUARDS
    permissions = {"get": "cop.view_comments", "post": "cop.comment_on"}

    def target(self):
        if not hasattr(self, "_target"):
            self._target = access_target(self.request.user, self.target_key, self.kwargs["pk"])
        return self._target

    def permission_object(self):
        return self.target()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        return visible_comments(self.target(), self.request.user)

    def perform_create(self, serializer):
        parent = None
        parent_id = serializer.validated_data.get("parent_id")
        if parent_id:
            parent = access_comment(self.request.user, parent_id)
        serializer.instance = comment_services.post_comment(
            target=self.target(),
            author=self.request.user,
            body=serializer.validated_data["body"],
            parent=parent,
        )


def comments_view(key: str):
    return TargetCommentsView.as_view(target_key=key)


class CommentViewSet(
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """One comment: read it, edit it (its author), delete it (its author or a
    coordinator: soft), react to it (members, not to their own)."""

    lookup_value_regex = ID_PATTERN
    serializer_class = CommentSerializer
    permission_classes = GUARDS
    permissions = {
        "retrieve": "cop.view_comment",
        "update": "cop.edit_comment",
        "partial_update": "cop.edit_comment",
        "destroy": "cop.delete_comment",
        "reactions": "cop.react_to_comment",
        "unreact": "cop.react_to_comment",
    }
    http_method_names = ["get", "patch", "delete", "post", "head", "options"]

    def get_queryset(self):
        return Comment.objects.none()

    def get_object(self) -> Comment:
        comment = access_comment(self.request.user, self.kwargs["pk"])
        self.check_object_permissions(self.request, comment)
        return comment

    @extend_schema(request=CommentEditSerializer, responses=CommentSerializer)
    def partial_update(self, request, *args, **kwargs):
        comment = self.get_object()
        data = CommentEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment_services.edit_comment(
            comment=comment, by=request.user, body=data.validated_data["body"]
        )
        return Response(self.get_serializer(comment).data)

    def perform_destroy(self, instance):
        comment_services.delete_comment(comment=instance, by=self.request.user)

    @extend_schema(
        request=ReactionSerializer,
        responses={
            201: ReactionCountsSerializer,
            200: OpenApiResponse(ReactionCountsSerializer, description="Already given."),
        },
    )
    @action(detail=True, methods=["post"])
    def reactions(self, request, pk=None):
        """React to the comment: `thanks`, `helped` or `plus_one`, once per kind."""
        comment = self.get_object()
        data = ReactionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        added = comment_services.react(
            comment=comment, user=request.user, kind=data.validated_data["kind"]
        )
        comment.refresh_from_db()
        return Response(
            ReactionCountsSerializer(comment).data,
            status=status.HTTP_201_CREATED if added else status.HTTP_200_OK,
        )

    @extend_schema(request=None, responses={204: None})
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"reactions/(?P<kind>thanks|helped|plus_one)",
    )
    def unreact(self, request, pk=None, kind=""):
        """Take back one's reaction of this kind (nothing to take back is fine too)."""
        comment = self.get_object()
        comment_services.unreact(comment=comment, user=request.user, kind=kind)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Announcements -------------------------------------------------------------------------


class AnnouncementSerializer(serializers.ModelSerializer):
    author = CommentAuthorSerializer(read_only=True, allow_null=True)
    title = serializers.CharField(max_length=MAX_TITLE_LENGTH)
    body = serializers.CharField(max_length=MAX_BODY_LENGTH)
    body_html = MarkdownHTMLField("body")
    total = serializers.SerializerMethodField(
        help_text="Members it is for (coordinators only; null for others)."
    )
    delivered_count = serializers.SerializerMethodField(
        help_text="Members who have it so far (coordinators only; null for others)."
    )
    status = serializers.SerializerMethodField(
        help_text="`sending` or `sent` (coordinators only; null for others)."
    )

    class Meta:
        model = Announcement
        fields = [
            "id",
            "title",
            "body",
            "body_html",
            "pinned_until",
            "author",
            "created_at",
            "status",
            "total",
            "delivered_count",
        ]
        read_only_fields = ["id", "created_at"]

    def _progress(self, announcement, value):
        community = self.context["community"]
        user = self.context["request"].user
        return value if allowed(user, "cop.view_announcement_progress", community) else None

    def get_total(self, announcement) -> int | None:
        return self._progress(announcement, announcement.total)

    def get_delivered_count(self, announcement) -> int | None:
        return self._progress(announcement, announcement.delivered_count)

    def get_status(self, announcement) -> str | None:
        return self._progress(announcement, announcement.status)


class AnnouncementsView(CommunityInURL, generics.ListCreateAPIView):
    """A community's announcements, newest first; coordinators post one to every member."""

    serializer_class = AnnouncementSerializer
    pagination_class = NewestFirst
    permission_classes = GUARDS
    permissions = {"get": "cop.view_announcements", "post": "cop.post_announcement"}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Announcement.objects.none()
        return announcement_list(self.community())

    def perform_create(self, serializer):
        serializer.instance = announcement_services.post_announcement(
            community=self.community(), author=self.request.user, **serializer.validated_data
        )


class AnnouncementView(CommunityInURL, generics.RetrieveAPIView):
    """One announcement; coordinators see how far it has been sent."""

    serializer_class = AnnouncementSerializer
    permission_classes = GUARDS
    permissions = {"get": "cop.view_announcements"}

    def get_object(self):
        return access_announcement(self.request.user, self.community(), self.kwargs["pk"])
