"""REST API of the core domain: communities, their members and the coordinators'
actions on them, one's own membership, and invitations.

Same services and the same `rules` predicates as the pages; a private community
is 404 to non-members here exactly as in the pages.
"""

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import (
    action,
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from cop.api.support import CursorPagination, MarkdownHTMLField, community_tags
from cop.enums import InvitationStatus, JoinPolicy, Level, MembershipStatus, Role, Visibility
from cop.forms.core import CommunityForm, CommunitySettingsForm
from cop.models import Community, Invitation, LevelChange, Membership, ParticipationEvent
from cop.permissions import allowed, authorize
from cop.rules import forget_memberships, membership_of
from cop.selectors import communities as selectors
from cop.services import communities as community_services
from cop.services.participation import next_step
from cop.services.tokens import create_token

# The coordinators' settings beyond what starting a community asks for.
SETTINGS_ONLY = [
    field for field in CommunitySettingsForm.Meta.fields if field not in CommunityForm.Meta.fields
]


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
            *SETTINGS_ONLY,
            "tags",
            "topics",
            "member_count",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        # The ranges the settings form enforces, so the schema says them too.
        extra_kwargs = {
            "level_window_days": {"min_value": 7, "max_value": 730},
            "validation_threshold": {"min_value": 1, "max_value": 100},
            "flag_threshold": {"min_value": 1, "max_value": 50},
            "active_threshold": {"min_value": 1},
            "reminder_offsets_hours": {
                "help_text": "Whole hours before a meeting, from 1 to 336, comma-separated."
            },
        }

    def get_url(self, community) -> str:
        return self.context["request"].build_absolute_uri(community.get_absolute_url())

    def get_ics_url(self, community) -> str | None:

        try:
            path = reverse("meetings:community_ics", kwargs={"slug": community.slug})
        except NoReverseMatch:
            return None
        return self.context["request"].build_absolute_uri(path)

    def get_topics(self, community) -> list[str]:
        return [tag.name for tag in community.tags.all()]

    def validate(self, attrs):
        """The settings page's form decides, so the API keeps exactly its rules
        (reserved and taken addresses, topic limits, thresholds, reminder hours)."""
        fields = CommunitySettingsForm.Meta.fields
        community = self.instance
        data = {}
        if community is not None:
            data = {field: getattr(community, field) for field in fields}
            data["tags"] = ", ".join(tag.name for tag in community.tags.all())
        data.update({key: value for key, value in attrs.items() if key in fields})
        if "tags" in attrs:
            data["tags"] = ", ".join(attrs["tags"])
        for field in fields:  # a new community starts from the model's defaults
            if field not in data and Community._meta.get_field(field).has_default():
                data[field] = Community._meta.get_field(field).get_default()
        form = CommunitySettingsForm(data, instance=community or Community())
        if not form.is_valid():
            errors = form.errors.get_json_data(escape_html=False)
            raise serializers.ValidationError(
                {
                    ("non_field_errors" if key == "__all__" else key): [e["message"] for e in value]
                    for key, value in errors.items()
                }
            )
        return {key: form.cleaned_data[key] for key in attrs}


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

        return self.context["request"].build_absolute_uri(
            reverse("member_profile", args=[membership.community.slug, membership.user_id])
        )

    def get_expertise(self, membership) -> list[str]:
        return [tag.name for tag in membership.expertise.all()]


class ParticipationEventSerializer(serializers.ModelSerializer):
    points = serializers.IntegerField(source="weight")

    class Meta:
        model = ParticipationEvent
        fields = ["id", "kind", "points", "summary", "occurred_at"]


class LevelChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = LevelChange
        fields = ["id", "from_level", "to_level", "score", "changed_at"]


class NextStepSerializer(serializers.Serializer):
    next_level = serializers.CharField(allow_null=True)
    points_needed = serializers.IntegerField()
    suggestion = serializers.CharField()


class MonthlyPointsSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    points = serializers.IntegerField()


class MembershipDetailSerializer(MembershipSerializer):
    """A member's page: what counted recently and the level path. The member themself
    also gets their next step and points month by month, as on their own page."""

    score = serializers.IntegerField(read_only=True)
    recognised_expertise = serializers.SerializerMethodField()
    participation = serializers.SerializerMethodField()
    level_history = serializers.SerializerMethodField()
    next_step = serializers.SerializerMethodField()
    monthly_points = serializers.SerializerMethodField()

    class Meta(MembershipSerializer.Meta):
        fields = [
            *MembershipSerializer.Meta.fields,
            "score",
            "recognised_expertise",
            "participation",
            "level_history",
            "next_step",
            "monthly_points",
        ]
        read_only_fields = fields

    def _is_self(self, membership) -> bool:
        user = self.context["request"].user
        return user.is_authenticated and membership.user_id == user.pk

    def get_recognised_expertise(self, membership) -> list[str]:
        """Topics the coordinators recognise this member as an expert in."""
        return [tag.name for tag in membership.recognised_expertise.order_by("name")]

    @extend_schema_field(ParticipationEventSerializer(many=True))
    def get_participation(self, membership):
        events = selectors.recent_participation(membership)
        return ParticipationEventSerializer(events, many=True).data

    @extend_schema_field(LevelChangeSerializer(many=True))
    def get_level_history(self, membership):
        return LevelChangeSerializer(selectors.level_history(membership), many=True).data

    @extend_schema_field(NextStepSerializer(allow_null=True))
    def get_next_step(self, membership):
        if not self._is_self(membership):
            return None
        return NextStepSerializer(next_step(membership)).data

    @extend_schema_field(MonthlyPointsSerializer(many=True, allow_null=True))
    def get_monthly_points(self, membership):
        if not self._is_self(membership):
            return None
        return selectors.monthly_points(membership)


class MembershipProfileSerializer(serializers.Serializer):
    """The caller's own introduction and expertise in one community."""

    introduction = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    expertise = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, max_length=100
    )


class JoinSerializer(serializers.Serializer):
    message = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class RecogniseExpertiseSerializer(serializers.Serializer):
    topics = serializers.ListField(
        child=serializers.CharField(max_length=60),
        max_length=50,
        help_text="Names or slugs of the community's topics; an empty list clears them.",
    )


class MembershipDeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class InvitationSerializer(serializers.ModelSerializer):
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    invited_by = serializers.SerializerMethodField()
    message_html = MarkdownHTMLField("message")

    class Meta:
        model = Invitation
        fields = [
            "id",
            "community",
            "email",
            "message",
            "message_html",
            "invited_by",
            "status",
            "created_at",
            "expires_at",
        ]
        read_only_fields = ["id", "community", "invited_by", "status", "created_at", "expires_at"]
        extra_kwargs = {"message": {"required": False, "allow_blank": True, "max_length": 2000}}

    def get_invited_by(self, invitation) -> dict | None:
        if invitation.invited_by is None:
            return None
        return {"id": invitation.invited_by_id, "name": invitation.invited_by.name}


class AcceptInvitationSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=500)


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
        search = self.request.query_params.get("search", "") if self.action == "list" else ""
        return selectors.community_directory(self.request.user, search=search[:100])

    @extend_schema(
        parameters=[OpenApiParameter("search", description="Words of the name, domain or a topic.")]
    )
    def list(self, request, *args, **kwargs):
        """The directory: communities you can see, by name."""
        return super().list(request, *args, **kwargs)

    def get_object(self) -> Community:
        community = selectors.access_community(self.request.user, self.kwargs["slug"])
        return self.get_queryset().get(pk=community.pk)

    def perform_create(self, serializer):
        authorize(self.request.user, "cop.add_community")
        data = dict(serializer.validated_data)
        tags = data.pop("tags", [])
        settings = {key: data.pop(key) for key in SETTINGS_ONLY if key in data}
        with transaction.atomic():
            community = community_services.create_community(
                creator=self.request.user, tags=tags, **data
            )
            if settings:
                community_services.update_community(community=community, **settings)
        # Read it back as the list does, so the answer carries every field of the schema.
        serializer.instance = self.get_queryset().get(pk=community.pk)

    def perform_update(self, serializer):
        community = serializer.instance
        authorize(self.request.user, "cop.change_community", community)
        data = dict(serializer.validated_data)
        tags = data.pop("tags", None)
        community_services.update_community(community=community, tags=tags, **data)
        serializer.instance = self.get_queryset().get(pk=community.pk)

    @extend_schema(request=None, responses=MembershipSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def leave(self, request, slug=None):
        """Leave the community (the last coordinator cannot)."""
        community = selectors.access_community(request.user, slug)
        membership = membership_of(request.user, community)
        if membership is None or not allowed(request.user, "cop.leave_community", community):
            return Response(
                {"detail": "You are not a member of this community."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        membership = community_services.leave_community(membership=membership)
        return Response(MembershipSerializer(membership, context={"request": request}).data)

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "list": "cop.view_community",
        "retrieve": "cop.view_community",
        "create": "cop.add_community",
        "update": "cop.change_community",
        "partial_update": "cop.change_community",
        "leave": "cop.leave_community",
    }


class MemberViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Active members of a community. POST joins (or asks to join)."""

    serializer_class = MembershipSerializer
    pagination_class = ById

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def community(self) -> Community:
        return selectors.access_community(self.request.user, self.kwargs["community_slug"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Membership.objects.none()
        community = self.community()
        params = self.request.query_params
        status_filter = params.get("status", MembershipStatus.ACTIVE)
        if status_filter not in MembershipStatus.values:
            raise ValidationError({"status": f"One of {', '.join(MembershipStatus.values)}."})
        if status_filter != MembershipStatus.ACTIVE:
            authorize(self.request.user, "cop.manage_members", community)
        return selectors.member_directory(
            community,
            level=params.get("level", ""),
            expertise=params.get("expertise", ""),
            role=params.get("role", ""),
            status=status_filter,
        ).select_related("community")

    @extend_schema(
        parameters=[
            OpenApiParameter("status", enum=MembershipStatus.values, description="Default "
                             "`active`; coordinators also list `pending`, `declined`, `left`, "
                             "`removed`."),
            OpenApiParameter("level", enum=Level.values),
            OpenApiParameter("role", enum=Role.values),
            OpenApiParameter("expertise", description="A topic's slug."),
        ]
    )  # fmt: skip
    def list(self, request, *args, **kwargs):
        """The community's members (the member directory), filtered like its page."""
        return super().list(request, *args, **kwargs)

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

    def get_serializer_class(self):
        if self.action == "retrieve":
            return MembershipDetailSerializer
        return MembershipSerializer

    def retrieve(self, request, community_slug=None, pk=None):
        """One member: what counted recently and their level path. Coordinators also
        see pending, declined and former members; others see active members only."""
        community = self.community()
        memberships = Membership.objects.filter(community=community).select_related(
            "user", "community"
        )
        if not allowed(request.user, "cop.manage_members", community):
            memberships = memberships.filter(status=MembershipStatus.ACTIVE)
        membership = get_object_or_404(memberships.prefetch_related("expertise"), pk=pk)
        return Response(MembershipDetailSerializer(membership, context={"request": request}).data)

    def _managed(self, pk) -> Membership:
        """A membership of this community that the caller, a coordinator, may act on."""
        community = self.community()
        authorize(self.request.user, "cop.manage_members", community)
        return get_object_or_404(
            Membership.objects.select_related("user", "community"), pk=pk, community=community
        )

    def _answer(self, membership) -> Response:
        forget_memberships(self.request.user)  # the caller may have changed their own role
        return Response(MembershipSerializer(membership, context={"request": self.request}).data)

    @extend_schema(request=None, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, community_slug=None, pk=None):
        """Approve a pending request (coordinators)."""
        membership = self._managed(pk)
        return self._answer(
            community_services.approve_request(membership=membership, by=request.user)
        )

    @extend_schema(request=MembershipDeclineSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, community_slug=None, pk=None):
        """Decline a pending request (coordinators); the requester is told, with the
        reason if one is given."""
        membership = self._managed(pk)
        serializer = MembershipDeclineSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._answer(
            community_services.decline_request(
                membership=membership,
                by=request.user,
                reason=serializer.validated_data.get("reason", ""),
            )
        )

    @extend_schema(request=None, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def remove(self, request, community_slug=None, pk=None):
        """Remove an active member (coordinators; the last coordinator stays)."""
        membership = self._managed(pk)
        return self._answer(
            community_services.remove_member(membership=membership, by=request.user)
        )

    @extend_schema(request=None, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def promote(self, request, community_slug=None, pk=None):
        """Make an active member a coordinator (coordinators)."""
        membership = self._managed(pk)
        return self._answer(
            community_services.set_role(
                membership=membership, role=Role.COORDINATOR, by=request.user
            )
        )

    @extend_schema(request=RecogniseExpertiseSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def expertise(self, request, community_slug=None, pk=None):
        """Set the topics a member is recognised as an expert in (coordinators): their
        validation of a practice on one of them then counts alone."""
        membership = self._managed(pk)
        body = RecogniseExpertiseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        tags = community_tags(membership.community, body.validated_data["topics"], field="topics")
        return self._answer(
            community_services.recognise_expertise(
                membership=membership, by=request.user, tags=tags
            )
        )

    @extend_schema(request=None, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def demote(self, request, community_slug=None, pk=None):
        """Make a coordinator a member again (coordinators; a community keeps at least
        one coordinator)."""
        membership = self._managed(pk)
        return self._answer(
            community_services.set_role(membership=membership, role=Role.MEMBER, by=request.user)
        )

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "list": "cop.view_community",
        "retrieve": "cop.view_community",
        "create": "cop.view_community",
        "approve": "cop.manage_members",
        "decline": "cop.manage_members",
        "remove": "cop.manage_members",
        "promote": "cop.manage_members",
        "demote": "cop.manage_members",
        "expertise": "cop.manage_members",
    }


class MyMembershipView(generics.GenericAPIView):
    """The caller's own membership of a community: GET it (with their next step), PATCH
    their introduction and expertise (topics of the community's vocabulary)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = MembershipDetailSerializer

    def membership(self) -> Membership:
        community = selectors.access_community(self.request.user, self.kwargs["community_slug"])
        membership = (
            Membership.objects.filter(
                community=community, user=self.request.user, status=MembershipStatus.ACTIVE
            )
            .select_related("user", "community")
            .prefetch_related("expertise")
            .first()
        )
        if membership is None:
            raise Http404("You are not a member of this community.")
        return membership

    def _answer(self, membership) -> Response:
        return Response(
            MembershipDetailSerializer(membership, context={"request": self.request}).data
        )

    def get(self, request, community_slug=None):
        return self._answer(self.membership())

    @extend_schema(request=MembershipProfileSerializer, responses=MembershipDetailSerializer)
    def patch(self, request, community_slug=None):
        membership = self.membership()
        serializer = MembershipProfileSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "expertise" in data:
            expertise = community_tags(membership.community, data["expertise"], field="expertise")
        else:
            expertise = list(membership.expertise.all())
        community_services.update_membership_profile(
            membership=membership,
            introduction=data.get("introduction", membership.introduction),
            expertise=expertise,
        )
        return self._answer(self.membership())

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "get": "cop.view_community",
        "patch": "cop.view_community",
    }


class InvitationViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Pending invitations of a community (coordinators). POST invites one address: an
    email with a signed link that expires after 14 days; a pending invitation to the
    same address is replaced."""

    serializer_class = InvitationSerializer
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = ById

    def community(self) -> Community:
        community = selectors.access_community(self.request.user, self.kwargs["community_slug"])
        authorize(self.request.user, "cop.manage_members", community)
        return community

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Invitation.objects.none()
        return (
            Invitation.objects.filter(community=self.community(), status=InvitationStatus.PENDING)
            .select_related("community", "invited_by")
            .order_by("id")
        )

    def perform_create(self, serializer):
        serializer.instance = community_services.invite(
            community=self.community(),
            by=self.request.user,
            email=serializer.validated_data["email"],
            message=serializer.validated_data.get("message", ""),
        )

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "list": "cop.manage_members",
        "create": "cop.manage_members",
    }


@extend_schema(request=AcceptInvitationSerializer, responses=MembershipSerializer)
@api_view(["POST"])
@permission_classes([permissions.IsAuthenticated])
def accept_invitation(request):
    """Accept an invitation with the token from its emailed link
    (`/invitations/<token>/`): the caller becomes a member."""
    serializer = AcceptInvitationSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    membership = community_services.accept_invitation(
        token=serializer.validated_data["token"], user=request.user
    )
    forget_memberships(request.user)
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

    serializer = TokenRequestSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    # The login form's accounting: allauth counts failed attempts per account and per
    # client address (TRUSTED_PROXY_COUNT), so a lockout there is a lockout here.
    adapter = get_account_adapter(request._request)
    try:
        user = adapter.authenticate(
            request._request,
            email=serializer.validated_data["email"],
            password=serializer.validated_data["password"],
        )
    except DjangoValidationError:
        return Response(
            {"detail": adapter.error_messages["too_many_login_attempts"]},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
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
