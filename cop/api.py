"""REST API of the core domain: communities and their members.

Same services and the same `rules` predicates as the pages; a private community
is 404 to non-members here exactly as in the pages.
"""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import (
    action,
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from cop import selectors
from cop.api_support import CursorPagination, MarkdownHTMLField
from cop.enums import JoinPolicy, Level, MembershipStatus, Role, Visibility
from cop.models import Community, Membership
from cop.rules import has_verified_email, is_coordinator
from cop.services import communities as community_services


class CommunitySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    ics_url = serializers.SerializerMethodField()
    description_html = MarkdownHTMLField("description")
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, write_only=True
    )
    topics = serializers.SerializerMethodField()
    member_count = serializers.IntegerField(read_only=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices)
    join_policy = serializers.ChoiceField(choices=JoinPolicy.choices)

    class Meta:
        model = Community
        fields = [
            "id",
            "url",
            "ics_url",
            "name",
            "slug",
            "domain",
            "purpose",
            "description",
            "description_html",
            "visibility",
            "join_policy",
            "stage",
            "license",
            "tags",
            "topics",
            "member_count",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]

    def get_url(self, community) -> str:
        return self.context["request"].build_absolute_uri(community.get_absolute_url())

    def get_ics_url(self, community) -> str | None:
        from django.urls import NoReverseMatch, reverse

        try:
            path = reverse("meetings:community_ics", kwargs={"slug": community.slug})
        except NoReverseMatch:
            return None
        return self.context["request"].build_absolute_uri(path)

    def get_topics(self, community) -> list[str]:
        return [tag.name for tag in community.tags.all()]

    def validate_slug(self, value):
        unchanged = self.instance is not None and value == self.instance.slug
        if not unchanged and Community.objects.filter(slug=value).exists():
            raise serializers.ValidationError("That address is taken.")
        return value


class MembershipSerializer(serializers.ModelSerializer):
    user = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    expertise = serializers.SerializerMethodField()
    introduction_html = MarkdownHTMLField("introduction")

    class Meta:
        model = Membership
        fields = [
            "id",
            "url",
            "community",
            "user",
            "role",
            "status",
            "level",
            "introduction",
            "introduction_html",
            "expertise",
            "joined_at",
        ]
        read_only_fields = fields

    def get_user(self, membership) -> dict:
        return {"id": membership.user_id, "name": membership.user.name}

    def get_url(self, membership) -> str:
        from django.urls import reverse

        return self.context["request"].build_absolute_uri(
            reverse("member_profile", args=[membership.community.slug, membership.user_id])
        )

    def get_expertise(self, membership) -> list[str]:
        return [tag.name for tag in membership.expertise.all()]


class JoinSerializer(serializers.Serializer):
    message = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ByName(CursorPagination):
    ordering = ("name", "id")


class ById(CursorPagination):
    ordering = ("id",)


class CommunityViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Communities the caller can see. Create needs a verified email; update needs a
    coordinator."""

    serializer_class = CommunitySerializer
    lookup_field = "slug"
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    pagination_class = ByName

    def get_queryset(self):
        return (
            selectors.visible_communities(self.request.user)
            .annotate(
                member_count=Count(
                    "memberships", filter=Q(memberships__status=MembershipStatus.ACTIVE)
                )
            )
            .prefetch_related("tags")
            .order_by("name")
        )

    def get_object(self) -> Community:
        community = selectors.access_community(self.request.user, self.kwargs["slug"])
        return self.get_queryset().get(pk=community.pk)

    def perform_create(self, serializer):
        if not has_verified_email(self.request.user):
            raise PermissionDenied("Verify your email address before starting a community.")
        data = dict(serializer.validated_data)
        tags = data.pop("tags", [])
        community = community_services.create_community(
            creator=self.request.user, tags=tags, **data
        )
        # Read it back as the list does, so the answer carries every field of the schema.
        serializer.instance = self.get_queryset().get(pk=community.pk)

    def perform_update(self, serializer):
        community = serializer.instance
        if not is_coordinator(self.request.user, community):
            raise PermissionDenied("Only the community's coordinators can change it.")
        data = dict(serializer.validated_data)
        tags = data.pop("tags", None)
        community_services.update_community(community=community, tags=tags, **data)
        serializer.instance = self.get_queryset().get(pk=community.pk)

    @extend_schema(request=None, responses=MembershipSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def leave(self, request, slug=None):
        """Leave the community (the last coordinator cannot)."""
        community = selectors.access_community(request.user, slug)
        membership = Membership.objects.filter(
            community=community,
            user=request.user,
            status__in=[MembershipStatus.ACTIVE, MembershipStatus.PENDING],
        ).first()
        if membership is None:
            return Response(
                {"detail": "You are not a member of this community."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        membership = community_services.leave_community(membership=membership)
        return Response(MembershipSerializer(membership, context={"request": request}).data)


class MemberViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Active members of a community. POST joins (or asks to join)."""

    serializer_class = MembershipSerializer
    pagination_class = ById

    def get_permissions(self):
        if self.action == "list":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def community(self) -> Community:
        return selectors.access_community(self.request.user, self.kwargs["community_slug"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Membership.objects.none()
        community = self.community()
        members = Membership.objects.filter(community=community).select_related("user", "community")
        status_filter = self.request.query_params.get("status", MembershipStatus.ACTIVE)
        if status_filter != MembershipStatus.ACTIVE and not is_coordinator(
            self.request.user, community
        ):
            raise PermissionDenied("Only coordinators see requests and former members.")
        members = members.filter(status=status_filter)
        level = self.request.query_params.get("level")
        if level in Level.values:
            members = members.filter(level=level)
        role = self.request.query_params.get("role")
        if role in Role.values:
            members = members.filter(role=role)
        return members.prefetch_related("expertise").order_by("id")

    @extend_schema(request=JoinSerializer, responses={201: MembershipSerializer})
    def create(self, request, community_slug=None):
        """Join an open community, or ask to join an approval one (status `pending`)."""
        community = self.community()
        serializer = JoinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = community_services.join_community(
            community=community,
            user=request.user,
            message=serializer.validated_data.get("message", ""),
        )
        return Response(
            MembershipSerializer(membership, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, community_slug=None, pk=None):
        """Approve a pending request (coordinators)."""
        community = self.community()
        if not is_coordinator(request.user, community):
            raise PermissionDenied("Only the community's coordinators can approve requests.")
        membership = get_object_or_404(Membership, pk=pk, community=community)
        membership = community_services.approve_request(membership=membership, by=request.user)
        return Response(MembershipSerializer(membership, context={"request": request}).data)


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    name = serializers.CharField(required=False, max_length=80)


class TokenSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    token = serializers.CharField()


class TokenThrottle(AnonRateThrottle):
    scope = "token"
    rate = "10/minute"


@extend_schema(request=TokenRequestSerializer, responses={201: TokenSerializer})
@api_view(["POST"])
@authentication_classes([])
@permission_classes([permissions.AllowAny])
@throttle_classes([TokenThrottle])
def obtain_token(request):
    """Exchange email and password for a new personal access token (for scripts).
    Accounts with two-factor authentication create tokens on the settings page instead."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from django.conf import settings
    from django.contrib.auth import authenticate

    from cop.services.tokens import create_token

    serializer = TokenRequestSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    user = authenticate(
        request._request,
        email=serializer.validated_data["email"],
        password=serializer.validated_data["password"],
    )
    if user is None:
        return Response(
            {"detail": "Email or password is wrong."}, status=status.HTTP_400_BAD_REQUEST
        )
    if Authenticator.objects.filter(user=user).exists():
        return Response(
            {
                "detail": "This account uses two-factor authentication: create a token on the "
                "account settings page instead."
            },
            status=status.HTTP_403_FORBIDDEN,
        )
    if (
        settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory"
        and not EmailAddress.objects.filter(user=user, verified=True).exists()
    ):
        return Response(
            {"detail": "Verify your email address first."}, status=status.HTTP_403_FORBIDDEN
        )
    name = serializer.validated_data.get("name") or "API script"
    token, secret = create_token(user=user, name=name)
    return Response(
        {"id": token.pk, "name": token.name, "token": secret}, status=status.HTTP_201_CREATED
    )
