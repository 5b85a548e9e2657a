"""Search over what the caller may see."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response

from cop.api.support import (
    SLUG_SCHEMA,
)

from .. import search as knowledge_search
from ..enums import SearchKind
from .common import SLUG


class SearchHitSerializer(serializers.Serializer):
    kind = serializers.CharField(
        source="document.kind", help_text="story, problem, reply, entry (a practice) or term."
    )
    id = serializers.IntegerField(source="document.object_id")
    community = serializers.SlugField(source="document.community.slug")
    title = serializers.CharField(source="document.title")
    title_html = serializers.CharField()
    snippet_html = serializers.CharField()
    shared_from = serializers.SerializerMethodField(
        help_text="A practice found in the searched community because it is shared into "
        "it: the slug of the community it comes from (its url is the read-only copy)."
    )
    url = serializers.SerializerMethodField()
    rank = serializers.FloatField()

    def get_shared_from(self, hit) -> str | None:
        return hit.shared_from.slug if hit.shared_from else None

    def get_url(self, hit) -> str:
        return self.context["request"].build_absolute_uri(hit.url)


class SearchResultSerializer(serializers.Serializer):
    query = serializers.CharField()
    results = SearchHitSerializer(many=True)


@extend_schema(
    parameters=[
        OpenApiParameter(
            "q", OpenApiTypes.STR, description="What to look for (nothing found without it)."
        ),
        OpenApiParameter("community", SLUG_SCHEMA, description="A community's slug."),
        OpenApiParameter("kind", OpenApiTypes.STR, enum=SearchKind.values),
        OpenApiParameter("tag", SLUG_SCHEMA, description="A tag's slug."),
        OpenApiParameter("limit", OpenApiTypes.INT, description="At most 100 (30 by default)."),
    ],
    responses=SearchResultSerializer,
)
@api_view(["GET"])
@permission_classes([permissions.AllowAny])
def search(request):
    """Full-text search of stories, problems, replies, practices and glossary terms, best
    first, over the communities the caller may see."""
    query = request.query_params.get("q", "")
    kind = request.query_params.get("kind", "")
    if kind and kind not in SearchKind.values:
        return Response(
            {"kind": [f"Choose one of {', '.join(SearchKind.values)}."]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    for name in ("community", "tag"):
        if not SLUG.fullmatch(request.query_params.get(name, "") or "-"):
            return Response({name: ["A slug: letters, digits, - and _."]}, status=400)
    try:
        limit = min(max(int(request.query_params.get("limit", 30)), 1), 100)
    except ValueError:
        return Response({"limit": ["A whole number."]}, status=status.HTTP_400_BAD_REQUEST)
    hits = knowledge_search.search(
        request.user,
        query,
        limit=limit,
        kind=kind,
        tag=request.query_params.get("tag", ""),
        community=request.query_params.get("community", ""),
    )
    data = SearchResultSerializer(
        {"query": query, "results": hits}, context={"request": request}
    ).data
    return Response(data)
