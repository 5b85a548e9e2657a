"""A mentor to suggest for some topics, for other apps through
`cop.extensions.register_mentor_suggester` (the knowledge app's learning path asks it
without importing mentoring).

The offer (not paused, of an active member, not the asker) that shares the most of the
topics, then the oldest offer (a full mentor still answers or passes a request on, as
requests do). Two queries."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from cop.enums import MembershipStatus
from cop.extensions import MentorSuggestion
from cop.models import Membership

from .models import MentorOffer


def suggest_mentor(*, user, community, topics) -> MentorSuggestion | None:
    topic_ids = [tag.pk for tag in topics]
    active = Membership.objects.filter(community=community, status=MembershipStatus.ACTIVE)
    offer = (
        MentorOffer.objects.filter(
            community=community,
            paused=False,
            mentor__in=active.values("user"),
        )
        .exclude(mentor=user)
        .annotate(shared=Count("topics", filter=Q(topics__in=topic_ids), distinct=True))
        .filter(shared__gt=0)
        .select_related("mentor")
        .order_by("-shared", "created_at", "pk")
        .first()
    )
    if offer is None:
        return None
    names = list(
        offer.topics.filter(pk__in=topic_ids).order_by("name").values_list("name", flat=True)
    )
    return MentorSuggestion(
        user_id=offer.mentor_id,
        name=offer.mentor.name,
        reason=_("Offers mentoring in %(topics)s.") % {"topics": ", ".join(names)},
        url=reverse("mentoring_find", kwargs={"slug": community.slug}),
    )
