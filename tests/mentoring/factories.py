"""Factories of the mentoring app (kept beside its tests)."""

from datetime import timedelta

import factory
from django.utils import timezone as dj_timezone

from mentoring.enums import RequestStatus
from mentoring.models import MentorOffer, MentorRequest, Mentorship
from tests.factories import CommunityFactory, UserFactory, make_member


class MentorOfferFactory(factory.django.DjangoModelFactory):
    """An open offer. The mentor should be an active member: use `make_mentor`."""

    class Meta:
        model = MentorOffer
        skip_postgeneration_save = True

    community = factory.SubFactory(CommunityFactory)
    mentor = factory.SubFactory(UserFactory)
    capacity = 2
    timezone = "Europe/Berlin"
    availability = "Tuesday evenings"
    languages = "English"

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.set(extracted)


def make_mentor(community, *, topics=(), timezone="Europe/Berlin", capacity=2, **user_fields):
    """A new active member of `community` with an open mentor offer."""

    user = make_member(community, timezone=timezone, **user_fields)
    MentorOfferFactory(
        community=community, mentor=user, topics=list(topics), timezone=timezone, capacity=capacity
    )
    return user


def make_mentorship(community, *, mentor, mentee, status="active", **fields):
    """A mentorship as if `mentor` had accepted a request of `mentee`."""

    request = MentorRequest.objects.create(
        community=community,
        requester=mentee,
        goals="Learn the ropes",
        timezone=mentee.timezone,
        status=RequestStatus.ACCEPTED,
    )
    fields.setdefault("end_date", dj_timezone.localdate() + timedelta(days=90))
    return Mentorship.objects.create(
        community=community,
        request=request,
        mentor=mentor,
        mentee=mentee,
        goals="Learn the ropes",
        cadence=fields.pop("cadence", "fortnightly"),
        status=status,
        **fields,
    )
