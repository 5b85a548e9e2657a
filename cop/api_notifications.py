"""REST API of the caller's own notifications: list them, mark one or all read.

Over `cop.services.notifications`; nobody sees or touches another person's."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cop.api_support import CursorPagination
from cop.enums import NotificationKind
from cop.models import Notification
from cop.services import notifications as notification_services


class NewestFirst(CursorPagination):
    ordering = ("-created_at", "-id")


class NotificationSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    kind = serializers.CharField(
        read_only=True, help_text="One of: " + ", ".join(NotificationKind.values) + "."
    )
    community = serializers.SlugField(source="community.slug", allow_null=True, read_only=True)
    actor = serializers.CharField(source="actor.name", allow_null=True, read_only=True)
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "url",
            "kind",
            "title",
            "body",
            "community",
            "actor",
            "created_at",
            "read_at",
            "read",
        ]
        read_only_fields = fields

    def get_url(self, notification) -> str | None:
        """The page it is about, absolute; null when it points nowhere."""
        if not notification.url:
            return None
        return self.context["request"].build_absolute_uri(notification.url)

    def get_read(self, notification) -> bool:
        return notification.read_at is not None


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications became read.")


class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The caller's notifications, newest first; `?unread=true` for unread ones only."""

    serializer_class = NotificationSerializer
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = NewestFirst
    filterset_class = None
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        notifications = notification_services.notifications_of(self.request.user)
        if self.request.query_params.get("unread") in ("true", "1"):
            notifications = notifications.filter(read_at__isnull=True)
        return notifications

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark this notification read."""
        notification = notification_services.open_notification(
            user=request.user, notification_id=int(pk)
        )
        if notification is None:
            raise Http404("No such notification.")
        return Response(self.get_serializer(self.get_queryset().get(pk=notification.pk)).data)

    @extend_schema(request=None, responses=MarkedSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark every unread notification read."""
        return Response({"marked": notification_services.mark_all_read(user=request.user)})
