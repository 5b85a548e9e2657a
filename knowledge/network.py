"""The knowledge app's figures on the site-wide network page (`cop.extensions`)."""

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from .enums import ProblemStatus
from .models import Problem


def problem_figures(community_ids: list[int], now=None) -> dict[int, str]:
    """Per community: open problems and the share of problems that got an answer, over
    live, shown problems. One grouped query on the (community, status) index."""
    rows = (
        Problem.objects.filter(
            community_id__in=community_ids, deleted_at__isnull=True, hidden_at__isnull=True
        )
        .order_by()
        .values("community_id")
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=Q(status=ProblemStatus.OPEN)),
            answered=Count("pk", filter=Q(reply_count__gt=0)),
        )
    )
    return {
        row["community_id"]: _("%(open)d open · %(share)d%% answered")
        % {"open": row["open"], "share": round(100 * row["answered"] / row["total"])}
        for row in rows
        if row["total"]
    }
