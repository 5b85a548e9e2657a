"""REST API of the caller's own notifications: list them, mark one or all read, and
the preferences that decide what reaches them by email.

Over `cop.services.notifications`; nobody sees or touches another person's."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cop.api.support import NewestFirst
from cop.enums import NotificationKind
from cop.forms.core import NotificationPreferencesForm
from cop.models import Community, DeliveryChannel, DigestFrequency, Notification
from cop.services import notifications as notification_services


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

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "list": "cop.signed_in",
        "retrieve": "cop.signed_in",
        "read": "cop.signed_in",
        "read_all": "cop.signed_in",
    }


class NotificationSettingsSerializer(serializers.Serializer):
    channels = serializers.DictField(
        child=serializers.ChoiceField(choices=DeliveryChannel.choices),
        required=False,
        help_text="Where each kind of notification's email goes, by kind: "
        + ", ".join(DeliveryChannel.values)
        + ". Kinds left out keep their setting.",
    )
    digest_frequency = serializers.ChoiceField(choices=DigestFrequency.choices, required=False)
    muted = serializers.ListField(
        child=serializers.SlugField(),
        required=False,
        max_length=1000,
        help_text="Slugs of communities you belong to that send no email and no digest.",
    )


def _settings_of(user) -> dict:
    return {
        "channels": notification_services.channels_for(user),
        "digest_frequency": notification_services.notification_settings_of(user).digest_frequency,
        "muted": sorted(user.community_mutes.values_list("community__slug", flat=True)),
    }


class NotificationSettingsView(generics.GenericAPIView):
    """Your notification preferences, as on the preferences page: an email channel per
    kind, the digest's rhythm, and the communities you muted. PATCH changes what it
    names and keeps the rest."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = NotificationSettingsSerializer

    def get(self, request):
        return Response(NotificationSettingsSerializer(_settings_of(request.user)).data)

    @extend_schema(request=NotificationSettingsSerializer)
    def patch(self, request):
        body = NotificationSettingsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changes = body.validated_data
        unknown = set(changes.get("channels", {})) - set(NotificationKind.values)
        if unknown:
            raise serializers.ValidationError(
                {"channels": f"Unknown kinds: {', '.join(sorted(unknown))}."}
            )
        current = _settings_of(request.user)
        muted = changes.get("muted", current["muted"])
        communities = dict(Community.objects.filter(slug__in=muted).values_list("slug", "pk"))
        data = {
            **{
                f"kind_{kind}": changes.get("channels", {}).get(kind, channel)
                for kind, channel in current["channels"].items()
            },
            "digest_frequency": changes.get("digest_frequency", current["digest_frequency"]),
            "muted": [communities.get(slug, 0) for slug in muted],
        }
        form = NotificationPreferencesForm(data, user=request.user)
        if not form.is_valid():
            if "muted" in form.errors:
                raise serializers.ValidationError(
                    {"muted": "Mute only communities you are an active member of."}
                )
            raise serializers.ValidationError(form.errors.get_json_data(escape_html=False))
        notification_services.save_notification_settings(
            user=request.user,
            channels=form.channels(),
            digest_frequency=form.cleaned_data["digest_frequency"],
            muted_communities=list(form.cleaned_data["muted"]),
        )
        return Response(NotificationSettingsSerializer(_settings_of(request.user)).data)

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "get": "cop.signed_in",
        "patch": "cop.signed_in",
    }
