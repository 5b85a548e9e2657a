"""The knowledge counters recounted from the rows: problems' reply counts, practices'
endorsement counts and topics' use counts. The services keep them in step as they
write; this is for data written outside them (a migration, a bulk import, the scale
seeder) and for checking that they agree."""

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from cop.models import Community, Tag
from knowledge.models import Endorsement, PracticeEntry, Problem, Reply, Story


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
    problems.update(reply_count=_count(Reply.objects.filter(deleted_at__isnull=True), "problem"))
    entries.update(endorsement_count=_count(Endorsement.objects.all(), "entry"))
    tags.update(
        use_count=_count(Story.tags.through.objects.filter(story__deleted_at__isnull=True), "tag")
        + _count(Problem.tags.through.objects.filter(problem__deleted_at__isnull=True), "tag")
        + _count(
            PracticeEntry.tags.through.objects.filter(practiceentry__deleted_at__isnull=True),
            "tag",
        )
    )


def counters_agree(community: Community) -> bool:
    """Whether the stored counters equal a fresh count (for tests and checks)."""
    replies = dict(
        Reply.objects.filter(problem__community=community, deleted_at__isnull=True)
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
            tag.stories.filter(deleted_at__isnull=True).count()
            + tag.problems.filter(deleted_at__isnull=True).count()
            + tag.practice_entries.filter(deleted_at__isnull=True).count()
        )
        if fresh != tag.use_count:
            return False
    return True
