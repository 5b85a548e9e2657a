"""The knowledge counters recounted from the rows: problems' reply counts, practices'
endorsement counts and topics' use counts, each over the live items (not deleted, not
hidden by moderation). The services keep them in step as they
write; this is for data written outside them (a migration, a bulk import, the scale
seeder) and for checking that they agree."""

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from cop import cache
from cop.models import Community, Tag
from knowledge.models import Endorsement, PracticeEntry, Problem, Reply, Story

# What the counters count: items neither deleted nor hidden by moderation.
LIVE = {"deleted_at__isnull": True, "hidden_at__isnull": True}


def _live(relation: str) -> dict:
    return {f"{relation}__{field}": value for field, value in LIVE.items()}


def _count(queryset: QuerySet, field: str):
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def recount(community: Community | None = None) -> None:
    """Set every counter of `community` (or of all communities) from the rows."""
    problems = Problem.objects.all()
    entries = PracticeEntry.objects.all()
    tags = Tag.objects.all()
    if community is not None:
        problems = problems.filter(community=community)
        entries = entries.filter(community=community)
        tags = tags.filter(community=community)
    problems.update(reply_count=_count(Reply.objects.filter(**LIVE), "problem"))
    ids = [community.pk] if community else Community.objects.values_list("pk", flat=True)
    cache.bump(*(cache.scope(Community, pk) for pk in ids))  # the lists show the counts
    entries.update(endorsement_count=_count(Endorsement.objects.all(), "entry"))
    tags.update(
        use_count=_count(Story.tags.through.objects.filter(**_live("story")), "tag")
        + _count(Problem.tags.through.objects.filter(**_live("problem")), "tag")
        + _count(PracticeEntry.tags.through.objects.filter(**_live("practiceentry")), "tag")
    )


def counters_agree(community: Community) -> bool:
    """Whether the stored counters equal a fresh count (for tests and checks)."""
    replies = dict(
        Reply.objects.filter(problem__community=community, **LIVE)
        .values("problem")
        .annotate(n=Count("pk"))
        .values_list("problem", "n")
    )
    for pk, stored in Problem.objects.filter(community=community).values_list("pk", "reply_count"):
        if replies.get(pk, 0) != stored:
            return False
    endorsements = dict(
        Endorsement.objects.filter(entry__community=community)
        .values("entry")
        .annotate(n=Count("pk"))
        .values_list("entry", "n")
    )
    for pk, stored in PracticeEntry.objects.filter(community=community).values_list(
        "pk", "endorsement_count"
    ):
        if endorsements.get(pk, 0) != stored:
            return False
    for tag in Tag.objects.filter(community=community):
        fresh = (
            tag.stories.filter(**LIVE).count()
            + tag.problems.filter(**LIVE).count()
            + tag.practice_entries.filter(**LIVE).count()
        )
        if fresh != tag.use_count:
            return False
    return True
