"""factory_boy factories for the whole suite."""

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.db import models
from django.utils import timezone
from django.utils.text import slugify

from cop.enums import JoinPolicy, MembershipStatus, Role, Visibility
from cop.models import Community, Membership, Tag, User
from cop.services.directory import sort_name_of
from mentoring.enums import RequestStatus
from mentoring.models import MentorOffer, MentorRequest, Mentorship

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Faker("name")
    timezone = "Europe/Berlin"

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or DEFAULT_PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """Users are verified unless built with verified=False."""
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class CommunityFactory(factory.django.DjangoModelFactory):
    """A public, open community. Pass `coordinator=user` to add its coordinator."""

    class Meta:
        model = Community
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Community {n}")
    slug = factory.Sequence(lambda n: f"community-{n}")
    domain = "How we keep production systems healthy."
    purpose = "Learn from each other's incidents."
    visibility = Visibility.PUBLIC
    join_policy = JoinPolicy.OPEN

    @factory.post_generation
    def coordinator(self, create, extracted, **kwargs):
        if create and extracted is not None:
            MembershipFactory(community=self, user=extracted, role=Role.COORDINATOR)


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"topic {n}")
    slug = factory.LazyAttribute(lambda tag: slugify(tag.name))


class MembershipFactory(factory.django.DjangoModelFactory):
    """An active member; `role=Role.COORDINATOR` for a coordinator."""

    class Meta:
        model = Membership

    community = factory.SubFactory(CommunityFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER
    status = MembershipStatus.ACTIVE
    joined_at = factory.LazyFunction(timezone.now)
    sort_name = factory.LazyAttribute(lambda membership: sort_name_of(membership.user))


def make_member(community, *, role=Role.MEMBER, **user_fields) -> "User":
    """A new verified user who is an active member (or coordinator) of `community`."""
    user = UserFactory(**user_fields)
    MembershipFactory(community=community, user=user, role=role)
    return user


# --- knowledge ---
# Rows made directly, without the services' side effects (participation, search index);
# tests of those side effects call the services.


class StoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "knowledge.Story"

    community = factory.SubFactory(CommunityFactory)
    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"The night the pager rang {n}")
    situation = "A disk filled up at 3am."
    action = "We rotated the logs by hand."
    outcome = "Service came back in ten minutes."
    lesson = "Alert on disk growth, not on full disks."


class ProblemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "knowledge.Problem"

    community = factory.SubFactory(CommunityFactory)
    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Flaky deploys number {n}")
    context = "Deploys fail one time in ten."
    tried = "Retrying."


class ReplyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "knowledge.Reply"

    problem = factory.SubFactory(ProblemFactory)
    author = factory.SubFactory(UserFactory)
    body = "Pin the base image."

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # The problem's reply counter, as `post_reply` keeps it.
        reply = super()._create(model_class, *args, **kwargs)
        if reply.deleted_at is None:
            type(reply.problem).objects.filter(pk=reply.problem_id).update(
                reply_count=models.F("reply_count") + 1
            )
            reply.problem.reply_count += 1
        return reply


class PracticeEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "knowledge.PracticeEntry"

    community = factory.SubFactory(CommunityFactory)
    author = factory.SubFactory(UserFactory)
    owner = factory.SelfAttribute("author")
    title = factory.Sequence(lambda n: f"How to roll back a release {n}")
    body = "1. Find the last good tag.\n2. Deploy it."
    status = "not_validated"


class GlossaryTermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "knowledge.GlossaryTerm"

    community = factory.SubFactory(CommunityFactory)
    term = factory.Sequence(lambda n: f"term{n}")
    slug = factory.LazyAttribute(lambda t: slugify(t.term))
    definition = "A word we use."
    status = "accepted"


# --- meetings ---


def _in_days(days: int, hour: int = 17):

    start = timezone.now() + timedelta(days=days)
    return start.replace(hour=hour, minute=0, second=0, microsecond=0)


def _an_hour_after(meeting):

    return meeting.starts_at + timedelta(hours=1)


class MeetingFactory(factory.django.DjangoModelFactory):
    """A scheduled meeting a week ahead, an hour long. Pass `hosts=[user, ...]`."""

    class Meta:
        model = "meetings.Meeting"
        skip_postgeneration_save = True

    community = factory.SubFactory(CommunityFactory)
    title = factory.Sequence(lambda n: f"Meeting {n}")
    starts_at = factory.LazyFunction(lambda: _in_days(7))
    ends_at = factory.LazyAttribute(_an_hour_after)
    timezone = "Europe/Berlin"

    @factory.post_generation
    def hosts(self, create, extracted, **kwargs):
        if create and extracted:
            self.hosts.set(extracted)


# --- Mentoring ---------------------------------------------------------------------------


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
    fields.setdefault("end_date", timezone.localdate() + timedelta(days=90))
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
