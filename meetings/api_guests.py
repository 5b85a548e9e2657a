"""REST API of a meeting's guests: /api/v1/meetings/{id}/guests/.

Over the services of `meetings.guests` and the declared permission
`meetings.manage_guests` (hosts and coordinators): a meeting the caller may not see is
404, one they see but do not host is 403.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.response import Response

from cop.permissions import DeclaredPermission

from . import guests, selectors
from .api import _meeting_for
from .enums import RSVPAnswer
from .models import MeetingGuest


class GuestSerializer(serializers.ModelSerializer):
    answer = serializers.SerializerMethodField(help_text="The guest's RSVP, or null.")
    withdrawn = serializers.SerializerMethodField()

    class Meta:
        model = MeetingGuest
        fields = [
            "id",
            "email",
            "name",
            "is_speaker",
            "bio",
            "answer",
            "withdrawn",
            "created_at",
            "expires_at",
        ]
        read_only_fields = ["id", "answer", "withdrawn", "created_at", "expires_at"]
        extra_kwargs = {
            "email": {"max_length": 254},
            "name": {"max_length": 150},
            "bio": {"max_length": guests.MAX_BIO_LENGTH},
        }

    def get_answer(self, guest) -> str | None:
        answer = getattr(guest, "answer", None)
        return answer if answer in RSVPAnswer.values else None

    def get_withdrawn(self, guest) -> bool:
        return guest.revoked_at is not None


class GuestUpdateSerializer(serializers.Serializer):
    is_speaker = serializers.BooleanField(required=False)
    bio = serializers.CharField(required=False, allow_blank=True, max_length=guests.MAX_BIO_LENGTH)


@extend_schema_view(
    list=extend_schema(summary="A meeting's guests (hosts and coordinators)"),
    create=extend_schema(
        summary="Invite a guest by email",
        description="Emails a signed link bound to the address (no account needed), the "
        "one-click answers and the calendar invitation. Inviting the same address again "
        "renews the invitation.",
    ),
    partial_update=extend_schema(
        request=GuestUpdateSerializer, summary="Mark a guest as speaker, set the bio"
    ),
    destroy=extend_schema(summary="Withdraw the invitation (the place is freed)"),
)
class MeetingGuestViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = GuestSerializer
    permission_classes = [permissions.IsAuthenticated, DeclaredPermission]
    permissions = {
        "list": "meetings.manage_guests",
        "create": "meetings.manage_guests",
        "partial_update": "meetings.manage_guests",
        "destroy": "meetings.manage_guests",
    }
    pagination_class = None  # at most MAX_GUESTS_PER_MEETING
    http_method_names = ["get", "post", "patch", "delete"]

    def meeting(self):
        if not hasattr(self, "_meeting"):
            self._meeting = _meeting_for(self.request.user, self.kwargs["meeting_id"])
        return self._meeting

    def permission_object(self):
        return self.meeting()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MeetingGuest.objects.none()
        return MeetingGuest.objects.filter(meeting=self.meeting())

    def list(self, request, *args, **kwargs):
        rows = selectors.meeting_guests(self.meeting())
        return Response(GuestSerializer(rows, many=True).data)

    def create(self, request, *args, **kwargs):
        body = GuestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        guest = guests.invite_guest(
            meeting=self.meeting(),
            by=request.user,
            email=body.validated_data["email"],
            name=body.validated_data.get("name", ""),
            is_speaker=body.validated_data.get("is_speaker", False),
            bio=body.validated_data.get("bio", ""),
        )
        return Response(GuestSerializer(guest).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        guest = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        body = GuestUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        guest = guests.update_guest(guest=guest, by=request.user, **body.validated_data)
        return Response(GuestSerializer(guest).data)

    def destroy(self, request, *args, **kwargs):
        guest = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        guests.withdraw_guest(guest=guest, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
