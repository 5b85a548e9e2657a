"""The groupthink and insularity signals of a community's health dashboard, read-only:
each signal's current figure, its stated reference, the plain-words explanation and its
12-month series, from the same stored snapshot the dashboard page draws."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response

from cop.dashboard import dashboard_snapshot
from cop.permissions import authorize, authorizes
from cop.selectors.communities import access_community

from ..signals_groupthink import LABELS, groupthink_signals

SNAPSHOT_PERIOD = "90d"  # any period's snapshot holds the same 12 months of signals


class SignalPointSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM.")
    value = serializers.FloatField(
        allow_null=True, help_text="null when the month had nothing to measure."
    )


class SignalSeriesSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    points = SignalPointSerializer(many=True, help_text="One per month, oldest first.")


class SignalSerializer(serializers.Serializer):
    key = serializers.ChoiceField(
        choices=[
            "top_voices",
            "new_voices",
            "outside_core",
            "notes_per_practice",
            "single_validator",
            "outside_input",
        ]
    )
    label = serializers.CharField()
    unit = serializers.ChoiceField(
        choices=["share", "count", "ratio"], help_text="A share is between 0 and 1."
    )
    current = serializers.FloatField(
        allow_null=True,
        help_text="The last month's figure (outside input: the last three months').",
    )
    reference = serializers.FloatField(help_text="The stated reference value.")
    reference_text = serializers.CharField()
    higher_is_better = serializers.BooleanField()
    flagged = serializers.BooleanField(
        help_text="The figure is on the wrong side of its reference."
    )
    explanation = serializers.CharField()
    series = SignalSeriesSerializer(many=True)


class SignalsSerializer(serializers.Serializer):
    community = serializers.SlugField()
    computed_at = serializers.DateTimeField()
    months = serializers.ListField(child=serializers.CharField(), help_text="YYYY-MM, 12.")
    signals = SignalSerializer(many=True)
    note = serializers.CharField(
        allow_blank=True, help_text="Said when a source of outside input does not exist yet."
    )


def _signal(signal: dict) -> dict:
    key = signal["key"]
    return {
        "key": key,
        "label": _(LABELS[key]),
        "unit": signal["unit"],
        "current": signal["current"],
        "reference": signal["reference"],
        "reference_text": _(LABELS[f"{key}_reference"]),
        "higher_is_better": signal["higher_is_better"],
        "flagged": signal["flagged"],
        "explanation": _(LABELS[f"{key}_explained"]),
        "series": [
            {"key": name, "label": _(LABELS.get(name, name)), "points": points}
            for name, points in signal["series"].items()
        ],
    }


@authorizes("cop.view_coordination")
@extend_schema(responses=SignalsSerializer, operation_id="communities_signals_retrieve")
@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated])
def signals(request, community_slug: str):
    """The groupthink and insularity signals of the health dashboard (whoever may read the
    dashboard): each against its stated reference, explained, with its 12-month series."""
    community = access_community(request.user, community_slug)
    authorize(request.user, "cop.view_coordination", community)
    snapshot = dashboard_snapshot(community, SNAPSHOT_PERIOD)
    section = snapshot.data.get("sections", {}).get("groupthink")
    if section is None:  # a snapshot stored before the section existed
        section = groupthink_signals(community, end=snapshot.period_end)
    found = [_signal(s) for s in section["signals"]]
    return Response(
        SignalsSerializer(
            {
                "community": community.slug,
                "computed_at": snapshot.computed_at,
                "months": section["months"],
                "signals": found,
                "note": ""
                if section.get("shared_available", True)
                else _(LABELS["shared_unavailable"]),
            }
        ).data
    )
