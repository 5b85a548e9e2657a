"""Mentors' offers: saved, paused and resumed.
Refusals raise ValidationError (see the package docstring).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cop.enums import MembershipStatus
from cop.models import Community, Membership, Tag, User

from ..models import MentorOffer


def _require_active_member(user: User, community: Community) -> Membership:
    membership = Membership.objects.filter(
        user=user, community=community, status=MembershipStatus.ACTIVE
    ).first()
    if membership is None:
        raise ValidationError(_("Only active members of %(c)s can do this.") % {"c": community})
    return membership


def _check_topics(community: Community, topics) -> list[Tag]:
    topics = list(topics)
    if any(tag.community_id != community.pk for tag in topics):
        raise ValidationError(_("Topics must come from this community's vocabulary."))
    return topics


@transaction.atomic
def save_offer(
    *,
    community: Community,
    mentor: User,
    topics: list[Tag],
    capacity: int,
    availability: str = "",
    timezone_name: str = "",
    languages: str = "",
) -> MentorOffer:
    """Offer to mentor in a community, or change the offer. Side effects: the offer row
    and its topics. Lowering the capacity never ends a running mentorship."""
    _require_active_member(mentor, community)
    topics = _check_topics(community, topics)
    offer = MentorOffer.objects.filter(community=community, mentor=mentor).first()
    if offer is None:
        offer = MentorOffer(community=community, mentor=mentor)
    offer.capacity = capacity
    offer.availability = availability
    offer.timezone = timezone_name or mentor.timezone
    offer.languages = languages
    offer.full_clean(exclude=["community", "mentor"])
    offer.save()
    offer.topics.set(topics)
    return offer


def set_offer_paused(*, offer: MentorOffer, paused: bool) -> MentorOffer:
    """Pause (no new requests) or resume a mentor offer. Running mentorships go on."""
    if offer.paused != paused:
        offer.paused = paused
        offer.save(update_fields=["paused", "updated_at"])
    return offer


def pause_offer(*, offer: MentorOffer) -> MentorOffer:
    return set_offer_paused(offer=offer, paused=True)


def resume_offer(*, offer: MentorOffer) -> MentorOffer:
    return set_offer_paused(offer=offer, paused=False)
