"""REST API of related communities: /api/v1/communities/{slug}/related/.

- GET `related/`: the relations of the community. Anyone who may see the community
  gets the effective ones whose other side they may see; its coordinators get every
  one (requests both ways, declined and ended).
- POST `related/`: a coordinator asks another community (by slug) to become related.
- GET `related/{id}/`, DELETE `related/{id}/` (ends it, or withdraws a request).
- POST `related/{id}/acceptance/` and `related/{id}/refusal/`: the asked side answers.

Same services and declared permissions as the pages (`cop.request_relation`,
`cop.answer_relation`, `cop.end_relation`, `cop.view_relations`).
"""

from django.db.models import Q
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cop.api.support import CommunityInURL, NewestFirst
from cop.enums import RelationStatus
from cop.models import Community, CommunityRelation
from cop.permissions import allowed, authorize
from cop.selectors import communities as selectors
from cop.selectors import network as selectors_network
from cop.services import constellations


class RelatedCommunitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Community
        fields = ["slug", "name", "stage"]
        read_only_fields = fields


class RelationSerializer(serializers.ModelSerializer):
    community = serializers.SerializerMethodField(help_text="The other side.")
    direction = serializers.SerializerMethodField(
        help_text="`outgoing` when this community asked, `incoming` when it was asked."
    )

    class Meta:
        model = CommunityRelation
        fields = [
            "id",
            "community",
            "direction",
            "status",
            "message",
            "created_at",
            "answered_at",
            "ended_at",
        ]
        read_only_fields = fields

    def _this(self) -> Community:
        return self.context["community"]

    @extend_schema_field(RelatedCommunitySerializer)
    def get_community(self, relation) -> dict:
        return RelatedCommunitySerializer(relation.other_side(self._this())).data

    def get_direction(self, relation) -> str:
        return "outgoing" if relation.from_community_id == self._this().pk else "incoming"


class RelationRequestSerializer(serializers.Serializer):
    community = serializers.SlugField(max_length=60, help_text="The slug of the community asked.")
    message = serializers.CharField(
        required=False, allow_blank=True, max_length=constellations.MESSAGE_MAX
    )


class RelationRefusalSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=constellations.MESSAGE_MAX
    )


def _community(request, slug: str) -> Community:
    return selectors.access_community(request.user, slug)


def _serialize(relation, community) -> dict:
    return RelationSerializer(relation, context={"community": community}).data


class RelationListView(CommunityInURL, generics.ListAPIView):
    """The community's related communities (coordinators: every relation), and asking
    a new one (POST, coordinators)."""

    serializer_class = RelationSerializer
    pagination_class = NewestFirst
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return CommunityRelation.objects.none()
        community = self.community()
        authorize(self.request.user, "cop.view_relations", community)
        relations = selectors_network.relations_of(community)
        if allowed(self.request.user, "cop.request_relation", community):
            return relations
        visible = selectors.visible_community_ids(self.request.user)
        return relations.filter(
            Q(from_community=community, to_community__in=visible)
            | Q(to_community=community, from_community__in=visible),
            status=RelationStatus.ACTIVE,
        )

    @extend_schema(
        request=RelationRequestSerializer,
        responses={201: RelationSerializer},
        summary="Ask another community to become related",
    )
    def post(self, request, community_slug: str):
        community = self.community()
        authorize(request.user, "cop.request_relation", community)
        body = RelationRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        other = Community.objects.filter(slug=body.validated_data["community"]).first()
        if other is None or not allowed(request.user, "cop.view_community", other):
            raise serializers.ValidationError({"community": ["No such community."]})
        relation = constellations.request_relation(
            community=community,
            other=other,
            by=request.user,
            message=body.validated_data.get("message", ""),
        )
        return Response(_serialize(relation, community), status=status.HTTP_201_CREATED)

    # The declared permission each method reads (the URL walk in the tests checks it);
    # last in the body, as the name hides DRF's `permissions` module above.
    permissions = {"get": "cop.view_relations", "post": "cop.request_relation"}


class RelationView(APIView):
    """One relation of the community; DELETE ends it (either side's coordinators), or
    withdraws a request that waits."""

    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    def _relation(self, request, community_slug, pk):
        community = _community(request, community_slug)
        authorize(request.user, "cop.view_relations", community)
        relation = selectors_network.access_relation(community, pk)
        return community, relation

    @extend_schema(responses=RelationSerializer, summary="One relation of a community")
    def get(self, request, community_slug: str, pk: int):
        community, relation = self._relation(request, community_slug, pk)
        if not allowed(request.user, "cop.request_relation", community):
            other = relation.other_side(community)
            if relation.status != RelationStatus.ACTIVE or not allowed(
                request.user, "cop.view_community", other
            ):
                raise Http404("No such relation.")
        return Response(_serialize(relation, community))

    @extend_schema(responses={204: None}, summary="End a relation or withdraw a request")
    def delete(self, request, community_slug: str, pk: int):
        community, relation = self._relation(request, community_slug, pk)
        authorize(request.user, "cop.end_relation", relation)
        constellations.end_relation(relation=relation, by=request.user, side=community)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # The declared permission each method reads (the URL walk in the tests checks it);
    # last in the body, as the name hides DRF's `permissions` module above.
    permissions = {"get": "cop.view_relations", "delete": "cop.end_relation"}


class RelationAcceptanceView(APIView):
    """The asked community's coordinator accepts: the relation becomes effective."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses=RelationSerializer, summary="Accept a request")
    def post(self, request, community_slug: str, pk: int):
        community = _community(request, community_slug)
        relation = selectors_network.access_relation(community, pk)
        authorize(request.user, "cop.answer_relation", relation)
        relation = constellations.accept_relation(relation=relation, by=request.user)
        return Response(_serialize(relation, community))

    # The declared permission each method reads (the URL walk in the tests checks it);
    # last in the body, as the name hides DRF's `permissions` module above.
    permissions = {"post": "cop.answer_relation"}


class RelationRefusalView(APIView):
    """The asked community's coordinator declines, with an optional reason."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=RelationRefusalSerializer, responses=RelationSerializer, summary="Decline a request"
    )
    def post(self, request, community_slug: str, pk: int):
        community = _community(request, community_slug)
        relation = selectors_network.access_relation(community, pk)
        authorize(request.user, "cop.answer_relation", relation)
        body = RelationRefusalSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        relation = constellations.decline_relation(
            relation=relation, by=request.user, reason=body.validated_data.get("reason", "")
        )
        return Response(_serialize(relation, community))

    # The declared permission each method reads (the URL walk in the tests checks it);
    # last in the body, as the name hides DRF's `permissions` module above.
    permissions = {"post": "cop.answer_relation"}
