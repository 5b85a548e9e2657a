"""The glossary: proposed, accepted and declined terms."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from cop.api.support import (
    MarkdownHTMLField,
    SlugFilter,
)
from cop.permissions import authorize
from cop.selectors.communities import visible_communities

from .. import selectors
from ..enums import TermStatus
from ..models import GlossaryTerm
from ..services import glossary as glossary_services
from .common import Alphabetical, AuthorSerializer, _absolute, _CommunityItemViewSet


class GlossaryTermSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    community = serializers.SlugField(source="community.slug")
    definition_html = MarkdownHTMLField("definition")
    examples_html = MarkdownHTMLField("examples")
    proposed_by = AuthorSerializer(read_only=True, allow_null=True)

    class Meta:
        model = GlossaryTerm
        fields = [
            "id",
            "url",
            "community",
            "term",
            "definition",
            "definition_html",
            "synonyms",
            "examples",
            "examples_html",
            "status",
            "proposed_by",
            "accepted_at",
            "created_at",
        ]
        read_only_fields = ["id", "status", "accepted_at", "created_at"]

    def get_url(self, term) -> str:
        return _absolute(self, term)


class DeclineTermSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class GlossaryFilter(django_filters.FilterSet):
    community = SlugFilter(field_name="community__slug")
    status = django_filters.ChoiceFilter(choices=TermStatus.choices)

    class Meta:
        model = GlossaryTerm
        fields = ["community", "status"]


class GlossaryViewSet(_CommunityItemViewSet):
    """The communities' shared language. Members propose; a coordinator's term is
    accepted at once."""

    model = GlossaryTerm
    access = staticmethod(selectors.access_term)
    owner_lookup = "glossary"

    serializer_class = GlossaryTermSerializer
    filterset_class = GlossaryFilter
    pagination_class = Alphabetical

    @classmethod
    def queryset_for(cls, user):
        """The terms of the communities `user` may see, alphabetically."""
        return (
            GlossaryTerm.objects.filter(community__in=visible_communities(user))
            .select_related("community", "proposed_by")
            .order_by("term", "id")
        )

    def perform_create(self, serializer):
        user = self.request.user
        data = serializer.validated_data
        community = self.community_to_create_in(serializer)
        authorize(user, "knowledge.propose_term", community)
        term = glossary_services.propose_term(
            community=community,
            by=user,
            term=data["term"],
            definition=data["definition"],
            synonyms=data.get("synonyms", ""),
            examples=data.get("examples", ""),
        )
        self.answer_created(serializer, term)

    @extend_schema(request=None, responses=GlossaryTermSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def accept(self, request, pk=None):
        """Accept a proposed term into the shared language (coordinators)."""
        term = self.get_object()
        authorize(request.user, "knowledge.decide_term", term.community)
        glossary_services.accept_term(term=term, by=request.user)
        return Response(
            GlossaryTermSerializer(
                self.get_queryset().get(pk=term.pk), context=self.get_serializer_context()
            ).data
        )

    @extend_schema(request=DeclineTermSerializer, responses=GlossaryTermSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def decline(self, request, pk=None):
        """Decline a proposed term (coordinators), with an optional reason for whoever
        proposed it. Declined terms leave the glossary; proposing one again reopens it."""
        term = self.get_object()
        authorize(request.user, "knowledge.decide_term", term.community)
        body = DeclineTermSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        glossary_services.decline_term(
            term=term, by=request.user, reason=body.validated_data.get("reason", "")
        )
        return Response(
            GlossaryTermSerializer(
                self.get_queryset().get(pk=term.pk), context=self.get_serializer_context()
            ).data
        )

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "list": "cop.view_community",
        "retrieve": "cop.view_community",
        "create": "knowledge.propose_term",
        "accept": "knowledge.decide_term",
        "decline": "knowledge.decide_term",
    }
