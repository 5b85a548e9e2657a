"""REST API of the caller's own account: their profile, their memberships and their
personal access tokens (the account settings pages, for programs)."""

from django.db.models import F
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, permissions, serializers, viewsets
from rest_framework.response import Response

from cop.api.communities import ByName, MembershipSerializer
from cop.api.support import ID_PATTERN, MarkdownHTMLField, NewestFirst
from cop.forms.core import ProfileForm
from cop.models import Membership, PersonalAccessToken, User
from cop.selectors import communities as selectors
from cop.services import accounts as account_services
from cop.services.tokens import revoke_token


class AccountSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    bio_html = MarkdownHTMLField("bio")

    class Meta:
        model = User
        fields = ["id", "email", "name", "display_name", "timezone", "bio", "bio_html"]
        read_only_fields = ["id", "email"]
        extra_kwargs = {
            "display_name": {"required": False},
            "timezone": {"required": False},
            "bio": {"required": False},
        }


class AccountView(generics.GenericAPIView):
    """The caller's profile: GET it, PATCH `display_name`, `timezone` (an IANA name)
    and `bio` (Markdown). The same form and checks as the profile settings page."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = AccountSerializer

    def get(self, request):
        return Response(AccountSerializer(request.user).data)

    @extend_schema(request=AccountSerializer, responses=AccountSerializer)
    def patch(self, request):
        user = request.user
        current = {"display_name": user.display_name, "timezone": user.timezone, "bio": user.bio}
        changes = {key: request.data[key] for key in current if key in request.data}
        not_text = [key for key, value in changes.items() if not isinstance(value, str)]
        if not_text:
            raise serializers.ValidationError(dict.fromkeys(not_text, "Must be a string."))
        # The length the schema promises is the length sent: the form strips surrounding
        # whitespace first, which let a too-long value through.
        too_long = {
            key: f"Ensure this value has at most {limit} characters (it has {len(value)})."
            for key, value in changes.items()
            if (limit := type(user)._meta.get_field(key).max_length) and len(value) > limit
        }
        if too_long:
            raise serializers.ValidationError(too_long)
        form = ProfileForm({**current, **changes}, instance=user)
        if not form.is_valid():
            raise serializers.ValidationError(form.errors.get_json_data(escape_html=False))
        account_services.update_profile(user=user, **form.cleaned_data)
        return Response(AccountSerializer(user).data)

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "get": "cop.signed_in",
        "patch": "cop.signed_in",
    }


class MyMembershipsView(generics.ListAPIView):
    """The caller's active and pending memberships, by community name (the "My
    communities" page)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = MembershipSerializer
    # Ordered by an annotation: a cursor reads its position from each row, and a row has
    # no `community__name` attribute (a second page was a 500).
    pagination_class = type("ByCommunityName", (ByName,), {"ordering": ("community_name", "id")})

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Membership.objects.none()
        return (
            selectors.my_memberships(self.request.user)
            .annotate(community_name=F("community__name"))
            .select_related("user")
            .prefetch_related("expertise")
        )

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "get": "cop.signed_in",
    }


class TokenInfoSerializer(serializers.ModelSerializer):
    class Meta:
        model = PersonalAccessToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = fields


class TokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The caller's personal access tokens (never their secrets). DELETE revokes one;
    new ones come from POST /api/v1/auth/token/ or the account settings page."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = TokenInfoSerializer
    pagination_class = NewestFirst
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return PersonalAccessToken.objects.none()
        return PersonalAccessToken.objects.filter(user=self.request.user)

    def get_object(self) -> PersonalAccessToken:
        token = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if token is None:
            raise Http404("No such token.")
        return token

    def perform_destroy(self, instance):
        revoke_token(token=instance)

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "list": "cop.signed_in",
        "destroy": "cop.signed_in",
    }
