"""REST API of community health and value: value-creation stories and their follow-ups,
the coordinators' value matrix, and the health dashboard's figures and series.

The same services, forms and selectors as the pages (`cop/views/value.py`,
`cop/views/dashboard.py`); the dashboard reads the stored snapshot as the page does.
"""

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.response import Response

from cop.api.support import ID_PATTERN, MAX_ID, NewestFirst, SlugFilter
from cop.dashboard import PERIODS, dashboard_snapshot, export_series, value_matrix_rows, with_labels
from cop.dashboard import period_for as _period_for
from cop.enums import FollowUpOutcome
from cop.forms.core import ValueStoryForm
from cop.models import Community, ValueFollowUp, ValueStory
from cop.permissions import authorize, authorizes
from cop.selectors import communities as selectors
from cop.services import value as value_services

CYCLES = ["immediate", "potential", "applied", "realized", "transformative"]


class FollowUpSerializer(serializers.ModelSerializer):
    outcome = serializers.SerializerMethodField(
        help_text="The narrator's answer, or null while the question is unanswered."
    )

    class Meta:
        model = ValueFollowUp
        fields = ["id", "after_days", "asked_at", "outcome", "note", "answered_at"]
        read_only_fields = fields

    @extend_schema_field(
        {"type": "string", "enum": [*FollowUpOutcome.values, None], "nullable": True}
    )
    def get_outcome(self, follow_up) -> str | None:
        return follow_up.outcome or None


class IdsField(serializers.ListField):
    """Linked objects as their ids."""

    child = serializers.IntegerField(min_value=1, max_value=MAX_ID)

    def to_representation(self, data):
        return [item.pk for item in data.all()]


class ValueStorySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    community = serializers.SlugField(source="community.slug")
    narrator = serializers.SerializerMethodField()
    meetings = IdsField(
        required=False,
        max_length=50,
        help_text="Ids of the community's meetings of the last 365 days it came from.",
    )
    entries = IdsField(
        required=False,
        max_length=50,
        help_text="Ids of the community's practices it came from.",
    )
    follow_ups = FollowUpSerializer(many=True, read_only=True)

    class Meta:
        model = ValueStory
        fields = [
            "id",
            "url",
            "community",
            "narrator",
            "title",
            *CYCLES,
            "aspirational_ending",
            "meetings",
            "entries",
            "follow_ups",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]

    def get_url(self, story) -> str:
        return self.context["request"].build_absolute_uri(story.get_absolute_url())

    def get_narrator(self, story) -> dict:
        return {"id": story.narrator_id, "name": story.narrator.name}


class AnswerSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=FollowUpOutcome.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class ValueStoryFilter(django_filters.FilterSet):
    community = SlugFilter(field_name="community__slug")

    class Meta:
        model = ValueStory
        fields = ["community"]


class ValueStoryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Value-creation stories of the communities the caller can see, newest first:
    what taking part changed, cycle by cycle (immediate, potential, applied, realized,
    transformative). Members tell them; the narrator answers the follow-up questions
    sent 30 and 90 days later."""

    serializer_class = ValueStorySerializer
    filterset_class = ValueStoryFilter
    pagination_class = NewestFirst
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ValueStory.objects.none()
        return (
            ValueStory.objects.filter(
                community__in=selectors.visible_communities(self.request.user)
            )
            .select_related("community", "narrator")
            .prefetch_related("meetings", "entries", "follow_ups")
            .order_by("-created_at", "-id")
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        community = selectors.access_community(self.request.user, data["community"]["slug"])
        authorize(self.request.user, "cop.tell_value_story", community)
        fields = ["title", *CYCLES, "aspirational_ending"]
        form = ValueStoryForm(
            {
                **{field: data.get(field, "") for field in fields},
                "meetings": data.get("meetings", []),
                "entries": data.get("entries", []),
            },
            community=community,
        )
        if not form.is_valid():
            raise serializers.ValidationError(
                {
                    key: [error["message"] for error in errors]
                    for key, errors in form.errors.get_json_data(escape_html=False).items()
                }
            )
        cleaned = dict(form.cleaned_data)
        story = value_services.tell_value_story(
            community=community,
            narrator=self.request.user,
            meetings=list(cleaned.pop("meetings")),
            entries=list(cleaned.pop("entries")),
            **cleaned,
        )
        serializer.instance = self.get_queryset().get(pk=story.pk)

    @extend_schema(request=AnswerSerializer, responses=ValueStorySerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path=rf"follow-ups/(?P<follow_up>{ID_PATTERN})",
        permission_classes=[permissions.IsAuthenticated],
    )
    def answer_follow_up(self, request, pk=None, follow_up=None):
        """Answer a follow-up question: did the hoped-for ending happen (the narrator)."""
        story = self.get_object()
        question = get_object_or_404(ValueFollowUp, pk=follow_up, story=story)
        authorize(request.user, "cop.answer_follow_up", story)
        body = AnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        value_services.answer_follow_up(
            follow_up=question,
            by=request.user,
            outcome=body.validated_data["outcome"],
            note=body.validated_data.get("note", ""),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=story.pk)).data)

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "list": "cop.view_community",
        "retrieve": "cop.view_community",
        "create": "cop.tell_value_story",
        "answer_follow_up": "cop.answer_follow_up",
    }


# --- the coordinators' views ----------------------------------------------------------------

PERIOD = OpenApiParameter(
    "period",
    OpenApiTypes.STR,
    enum=list(PERIODS),
    description="The window: last 90 days (default), 6 or 12 months.",
)


def _coordinated(request, slug: str, what: str) -> Community:
    community = selectors.access_community(request.user, slug)
    authorize(request.user, "cop.view_coordination", community)
    return community


def _period(request):
    key = request.query_params.get("period", "90d")
    if key not in PERIODS:
        raise serializers.ValidationError({"period": f"One of {', '.join(PERIODS)}."})
    return _period_for(key)


class MatrixExampleSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()


class IndicatorSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.IntegerField()


class MatrixRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    stories = serializers.IntegerField()
    examples = MatrixExampleSerializer(many=True)
    indicators = IndicatorSerializer(many=True)


class ValueMatrixSerializer(serializers.Serializer):
    period = serializers.CharField()
    total = serializers.IntegerField()
    outcomes = serializers.DictField(child=serializers.IntegerField())
    rows = MatrixRowSerializer(many=True)


@authorizes("cop.view_coordination")
@extend_schema(parameters=[PERIOD], responses=ValueMatrixSerializer)
@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated])
def value_matrix(request, community_slug: str):
    """The value matrix (coordinators): per cycle of value, the stories that reach it
    and the recorded activity that speaks to it, and the follow-up outcomes."""
    community = _coordinated(request, community_slug, "the value matrix")
    period = _period(request)
    matrix = value_matrix_rows(community, period)
    for row in matrix["rows"]:
        row["label"] = str(row["label"])
        for indicator in row["indicators"]:
            indicator["label"] = str(indicator["label"])
    return Response(ValueMatrixSerializer({"period": period.key, **matrix}).data)


class HealthSerializer(serializers.Serializer):
    period = serializers.CharField()
    period_start = serializers.DateTimeField()
    period_end = serializers.DateTimeField()
    computed_at = serializers.DateTimeField()
    series = serializers.ListField(
        child=serializers.CharField(), help_text="Names for `health/{series}/`."
    )
    data = serializers.DictField(
        help_text="The figures the dashboard draws: mix, movements, contributors, "
        "concentration and each practice app's section."
    )


@authorizes("cop.view_coordination")
@extend_schema(parameters=[PERIOD], responses=HealthSerializer)
@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated])
def health(request, community_slug: str):
    """The health dashboard's figures (coordinators), from the snapshot the nightly
    task stores (computed now if it is missing or stale)."""
    community = _coordinated(request, community_slug, "the health dashboard")
    period = _period(request)
    snapshot = dashboard_snapshot(community, period.key)
    return Response(
        {
            "period": period.key,
            "period_start": snapshot.period_start,
            "period_end": snapshot.period_end,
            "computed_at": snapshot.computed_at,
            "series": sorted(export_series()),
            "data": with_labels(snapshot.data),
        }
    )


class HealthSeriesSerializer(serializers.Serializer):
    series = serializers.CharField()
    period = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField())


@authorizes("cop.view_coordination")
@extend_schema(
    parameters=[PERIOD],
    responses=HealthSeriesSerializer,
    operation_id="communities_health_series_retrieve",
)
@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated])
def health_series(request, community_slug: str, series: str):
    """One series of the dashboard as columns and rows: the same as its CSV download
    (coordinators)."""
    community = _coordinated(request, community_slug, "the health dashboard")
    exports = export_series()
    if series not in exports:
        return Response(
            {"detail": f"No such series. Known: {', '.join(sorted(exports))}."},
            status=status.HTTP_404_NOT_FOUND,
        )
    period = _period(request)
    columns, rows = exports[series]
    data = dashboard_snapshot(community, period.key).data
    return Response(
        {"series": series, "period": period.key, "columns": columns, "rows": rows(data)}
    )
