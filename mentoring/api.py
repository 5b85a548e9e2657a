"""REST API of the mentoring app: mentor offers, mentor requests with accept and
decline, mentorships and their check-ins.

Over the mentoring services, selectors and `rules` predicates: a request or a
mentorship is 404 to anyone who may not see it (as on the pages), and a refused action
is 403 with the rule's reason.
"""

import re
from collections.abc import Callable

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response

from cop.api.support import (
    ID_PATTERN,
    MAX_ID,
    REQUIRED_SLUG_SCHEMA,
    CursorPagination,
    MarkdownHTMLField,
    community_tags,
    owning_community,
)
from cop.models import Community, Tag, User
from cop.permissions import authorize, authorizes
from cop.rules import membership_of
from cop.selectors.communities import access_community

from . import selectors, services
from .enums import AUTO_KIND_CHOICES, Cadence
from .models import CheckIn, MentorOffer, MentorRequest, Mentorship, OnboardingStep


class ById(CursorPagination):
    ordering = ("-id",)


class PartySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class TopicsField(serializers.ListField):
    """Topics as names; written as names or slugs of the community's vocabulary."""

    child = serializers.CharField(max_length=60)

    def to_representation(self, data):
        return [tag.name for tag in data.all()]


def _topics(community: Community, names: list[str]) -> list[Tag]:
    return community_tags(community, names, field="topics")


# --- offers --------------------------------------------------------------------------------


class MentorOfferSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    community = serializers.SlugField(source="community.slug")
    mentor = PartySerializer(read_only=True)
    topics = TopicsField(required=False)
    timezone = serializers.CharField(max_length=64, required=False, allow_blank=True)
    open_mentorships = serializers.IntegerField(read_only=True, allow_null=True, default=None)

    class Meta:
        model = MentorOffer
        fields = [
            "id",
            "url",
            "community",
            "mentor",
            "topics",
            "capacity",
            "availability",
            "timezone",
            "languages",
            "paused",
            "open_mentorships",
        ]
        read_only_fields = ["id", "paused"]

    def get_url(self, offer) -> str:

        path = reverse("mentoring_find", kwargs={"slug": offer.community.slug})
        return self.context["request"].build_absolute_uri(path)


class ReasonSerializer(serializers.Serializer):
    text = serializers.CharField()
    points = serializers.IntegerField()


class CandidateSerializer(serializers.Serializer):
    mentor = PartySerializer()
    offer = serializers.IntegerField(source="offer.pk")
    score = serializers.IntegerField()
    common_topics = serializers.SerializerMethodField()
    free_places = serializers.IntegerField()
    timezone_hours = serializers.FloatField(help_text="Hours between your zone and theirs.")
    reasons = ReasonSerializer(many=True)

    def get_common_topics(self, candidate) -> list[str]:
        return [tag.name for tag in candidate.common_topics]


class MentorOfferViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """The mentors of a community (`community` is required), and offering to mentor:
    POST creates or changes the caller's own offer there."""

    serializer_class = MentorOfferSerializer
    pagination_class = ById
    filterset_class = None
    lookup_value_regex = ID_PATTERN

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "community", REQUIRED_SLUG_SCHEMA, required=True, description="A community's slug."
            )
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _own_offer(self, pk) -> MentorOffer:
        community = owning_community("mentor_offers", pk)
        access_community(self.request.user, community.slug)
        offer = MentorOffer.objects.select_related("community", "mentor").get(pk=pk)
        authorize(self.request.user, "mentoring.change_offer", offer)
        return offer

    def _answer_offer(self, offer) -> Response:
        offer = selectors.mentor_directory(offer.community).filter(pk=offer.pk).first() or offer
        return Response(self.get_serializer(offer).data)

    @extend_schema(request=None, responses=MentorOfferSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def pause(self, request, pk=None):
        """Pause your offer: no new requests come to you until you resume it."""
        return self._answer_offer(services.pause_offer(offer=self._own_offer(pk)))

    @extend_schema(request=None, responses=MentorOfferSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def resume(self, request, pk=None):
        """Open your paused offer again."""
        return self._answer_offer(services.resume_offer(offer=self._own_offer(pk)))

    @extend_schema(
        parameters=[
            OpenApiParameter("community", REQUIRED_SLUG_SCHEMA, required=True),
            OpenApiParameter(
                "topics", OpenApiTypes.STR, description="Topic names or slugs, comma-separated."
            ),
            OpenApiParameter(
                "timezone", OpenApiTypes.STR, description="IANA name; yours when left out."
            ),
        ],
        responses=CandidateSerializer(many=True),
    )
    @action(
        detail=False,
        methods=["get"],
        pagination_class=None,
        permission_classes=[permissions.IsAuthenticated],
    )
    def matches(self, request):
        """Who could mentor you now, best first, each with the reasons for their place
        (the find-a-mentor page). Nothing is sent: ask with POST mentor-requests/."""
        slug = request.query_params.get("community", "")
        if not re.fullmatch(r"[-a-zA-Z0-9_]+", slug):
            raise APIValidationError({"community": "Say where: a community's slug."})
        community = access_community(request.user, slug)
        authorize(request.user, "mentoring.request_mentor", community)
        names = [name for name in request.query_params.get("topics", "").split(",") if name]
        zone = request.query_params.get("timezone") or request.user.timezone
        candidates = services.rank_candidates(
            community=community,
            requester=request.user,
            topic_ids={tag.pk for tag in _topics(community, names)},
            timezone_name=zone,
        )
        return Response(CandidateSerializer(candidates, many=True).data)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MentorOffer.objects.none()
        slug = self.request.query_params.get("community")
        if not slug or not re.fullmatch(r"[-a-zA-Z0-9_]+", slug):
            raise APIValidationError({"community": "Say whose mentors: a community's slug."})
        community = access_community(self.request.user, slug)
        return selectors.mentor_directory(community).select_related("community")

    def perform_create(self, serializer):
        user = self.request.user
        data = serializer.validated_data
        community = access_community(user, data["community"]["slug"])
        authorize(user, "mentoring.offer_mentoring", community)
        services.save_offer(
            community=community,
            mentor=user,
            topics=_topics(community, data.get("topics", [])),
            capacity=data.get("capacity", 2),
            availability=data.get("availability", ""),
            timezone_name=data.get("timezone", ""),
            languages=data.get("languages", ""),
        )
        serializer.instance = selectors.offer_of(user, community)

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "list": "cop.view_community",
        "create": "mentoring.offer_mentoring",
        "pause": "mentoring.change_offer",
        "resume": "mentoring.change_offer",
        "matches": "mentoring.request_mentor",
    }


# --- mentorships and requests ------------------------------------------------------------


class MentorshipSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    community = serializers.SlugField(source="community.slug")
    mentor = PartySerializer()
    mentee = PartySerializer()
    goals_html = MarkdownHTMLField("goals")

    class Meta:
        model = Mentorship
        fields = [
            "id",
            "url",
            "community",
            "mentor",
            "mentee",
            "goals",
            "goals_html",
            "cadence",
            "status",
            "end_date",
            "next_checkin_on",
            "started_at",
            "completed_at",
        ]
        read_only_fields = fields

    def get_url(self, mentorship) -> str:
        return self.context["request"].build_absolute_uri(mentorship.get_absolute_url())


class CheckInSerializer(serializers.ModelSerializer):
    notes_html = MarkdownHTMLField("notes")
    author = PartySerializer(read_only=True, allow_null=True)

    class Meta:
        model = CheckIn
        fields = ["id", "date", "notes", "notes_html", "next_steps", "author", "created_at"]
        read_only_fields = ["id", "created_at"]


class MentorRequestSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    community = serializers.SlugField(source="community.slug")
    requester = PartySerializer(read_only=True)
    current_mentor = PartySerializer(read_only=True, allow_null=True)
    goals_html = MarkdownHTMLField("goals")
    topics = TopicsField(required=False)
    cadence = serializers.ChoiceField(choices=Cadence.choices, default=Cadence.FORTNIGHTLY)
    timezone = serializers.CharField(max_length=64)
    mentor = serializers.IntegerField(
        write_only=True,
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="Ask this mentor (a user id); the best-ranked free mentor when left out.",
    )

    class Meta:
        model = MentorRequest
        fields = [
            "id",
            "url",
            "community",
            "requester",
            "goals",
            "goals_html",
            "topics",
            "cadence",
            "timezone",
            "mentor",
            "status",
            "current_mentor",
            "deadline",
            "created_at",
        ]
        read_only_fields = ["id", "status", "deadline", "created_at"]

    def get_url(self, request_obj) -> str:
        return self.context["request"].build_absolute_uri(request_obj.get_absolute_url())


class DeclineSerializer(serializers.Serializer):
    message = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class AssignSerializer(serializers.Serializer):
    mentor = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The user id of a mentor of the community."
    )


class CallersOwnViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Rows the caller takes part in (`mine`), newest first; one row is fetched through
    the selectors' fetch-and-authorise `access(user, community, pk)`, its community
    found through `relation`. A subclass defines the two and names the relation."""

    permission_classes = [permissions.IsAuthenticated]
    pagination_class = ById
    filterset_class = None
    lookup_value_regex = ID_PATTERN
    relation = ""
    mine: Callable[[User], QuerySet]
    access: Callable[[User, Community, int], object]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.serializer_class.Meta.model.objects.none()
        return self.mine(self.request.user).order_by("-id")

    def get_object(self):
        pk = self.kwargs["pk"]
        return self.access(self.request.user, owning_community(self.relation, pk), pk)


class MentorRequestViewSet(mixins.CreateModelMixin, CallersOwnViewSet):
    """Requests the caller made or that wait for the caller's answer as a mentor."""

    serializer_class = MentorRequestSerializer
    relation = "mentor_requests"

    def mine(self, user):
        return (
            MentorRequest.objects.filter(Q(requester=user) | Q(current_mentor=user))
            .select_related("community", "requester", "current_mentor")
            .prefetch_related("topics")
        )

    def access(self, user, community, pk) -> MentorRequest:
        return selectors.access_request(user, community, pk)

    def perform_create(self, serializer):
        user = self.request.user
        data = serializer.validated_data
        community = access_community(user, data["community"]["slug"])
        authorize(user, "mentoring.request_mentor", community)
        mentor = None
        if data.get("mentor"):
            mentor = User.objects.filter(pk=data["mentor"]).first()
            if mentor is None:
                raise APIValidationError({"mentor": "No such mentor."})
        created = services.request_mentor(
            community=community,
            requester=user,
            goals=data["goals"],
            topics=_topics(community, data.get("topics", [])),
            cadence=data.get("cadence", Cadence.FORTNIGHTLY),
            timezone_name=data["timezone"],
            mentor=mentor,
        )
        serializer.instance = self.get_queryset().get(pk=created.pk)

    def _answerable(self, pk) -> MentorRequest:
        request_obj = selectors.access_request(
            self.request.user, owning_community("mentor_requests", pk), pk
        )
        authorize(self.request.user, "mentoring.answer_request", request_obj)
        return request_obj

    @extend_schema(request=DeclineSerializer, responses={201: MentorshipSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept the request offered to you, with an optional message for the mentee: a
        mentorship starts."""
        body = DeclineSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        mentorship = services.accept_request(
            request=self._answerable(pk),
            mentor=request.user,
            message=body.validated_data.get("message", ""),
        )
        mentorship = selectors.access_mentorship(request.user, mentorship.community, mentorship.pk)
        return Response(
            MentorshipSerializer(mentorship, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=DeclineSerializer, responses=MentorRequestSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Decline the request offered to you; it passes to the next mentor."""
        body = DeclineSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.decline_request(
            request=self._answerable(pk),
            mentor=request.user,
            message=body.validated_data.get("message", ""),
        )
        # It may have passed on to another mentor; who declined still sees it.
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=None, responses=MentorRequestSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw your own request while it is still open."""
        request_obj = self.get_object()
        authorize(request.user, "mentoring.withdraw_request", request_obj)
        services.withdraw_request(request=request_obj, by=request.user)
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=AssignSerializer, responses=MentorRequestSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Offer a waiting request to a mentor of your choosing (coordinators); the
        mentor still accepts or declines."""
        request_obj = self.get_object()
        authorize(request.user, "mentoring.assign_mentor", request_obj)
        body = AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        offers = selectors.assignable_mentors(request_obj.community)
        mentor = next(
            (o.mentor for o in offers if o.mentor_id == body.validated_data["mentor"]), None
        )
        if mentor is None:
            raise APIValidationError({"mentor": "Choose one of the community's mentors."})
        services.assign_mentor(request=request_obj, mentor=mentor, by=request.user)
        return Response(self.get_serializer(self.get_object()).data)

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "list": "cop.signed_in",
        "retrieve": "mentoring.view_request",
        "create": "mentoring.request_mentor",
        "accept": "mentoring.answer_request",
        "decline": "mentoring.answer_request",
        "withdraw": "mentoring.withdraw_request",
        "assign": "mentoring.assign_mentor",
    }


class CompleteSerializer(serializers.Serializer):
    reflection = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    feedback = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class AgreementSerializer(serializers.Serializer):
    goals = serializers.CharField(max_length=2000)
    cadence = serializers.ChoiceField(choices=Cadence.choices)
    share_checkins = serializers.BooleanField(
        default=False, help_text="Let the coordinators read the check-in notes."
    )


class ExtendSerializer(serializers.Serializer):
    end_date = serializers.DateField()


class FeedbackSerializer(serializers.Serializer):
    feedback = serializers.CharField(max_length=1000)


class MentorshipViewSet(CallersOwnViewSet):
    """The caller's mentorships, as mentor or mentee, newest first."""

    serializer_class = MentorshipSerializer
    relation = "mentorships"

    def mine(self, user):
        return Mentorship.objects.filter(Q(mentor=user) | Q(mentee=user)).select_related(
            "community", "mentor", "mentee"
        )

    def access(self, user, community, pk) -> Mentorship:
        return selectors.access_mentorship(user, community, pk)

    def _changed(self, request, change, body=None):
        """Validate the `body` serializer's data (if the action takes one), then fetch,
        authorise and `change` the mentorship; answer with the mentorship as it is now."""
        data = {}
        if body is not None:
            serializer = body(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        mentorship = self.get_object()
        authorize(request.user, "mentoring.change_mentorship", mentorship)
        change(mentorship=mentorship, by=request.user, **data)
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=None, responses=MentorshipSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        """Pause the mentorship (the pair)."""
        return self._changed(request, services.pause_mentorship)

    @extend_schema(request=None, responses=MentorshipSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """Resume a paused mentorship (the pair)."""
        return self._changed(request, services.resume_mentorship)

    @extend_schema(request=CompleteSerializer, responses=MentorshipSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Complete the mentorship, early or on time, with a reflection (the pair)."""
        return self._changed(request, services.complete_mentorship, body=CompleteSerializer)

    @extend_schema(request=AgreementSerializer, responses=MentorshipSerializer)
    @action(detail=True, methods=["post"])
    def agreement(self, request, pk=None):
        """Change the goals, the cadence, and whether coordinators may read the
        check-in notes (the pair)."""
        return self._changed(request, services.update_agreement, body=AgreementSerializer)

    @extend_schema(request=ExtendSerializer, responses=MentorshipSerializer)
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        """Move the end date later (the pair)."""
        return self._changed(request, services.extend_mentorship, body=ExtendSerializer)

    @extend_schema(request=FeedbackSerializer, responses=MentorshipSerializer)
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        """Short feedback from your side once the mentorship is completed (the pair)."""
        return self._changed(request, services.leave_feedback, body=FeedbackSerializer)

    @extend_schema(methods=["GET"], responses=CheckInSerializer(many=True))
    @extend_schema(methods=["POST"], request=CheckInSerializer, responses={201: CheckInSerializer})
    @action(detail=True, methods=["get", "post"], url_path="check-ins", pagination_class=None)
    def check_ins(self, request, pk=None):
        """GET: the check-ins, newest first (the pair; coordinators when shared).
        POST: log a check-in (the pair)."""
        mentorship = self.get_object()
        if request.method == "GET":
            authorize(request.user, "mentoring.view_checkins", mentorship)
            return Response(
                CheckInSerializer(
                    selectors.checkins(mentorship), many=True, context={"request": request}
                ).data
            )
        authorize(request.user, "mentoring.change_mentorship", mentorship)
        body = CheckInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        checkin = services.log_checkin(
            mentorship=mentorship,
            author=request.user,
            on=body.validated_data["date"],
            notes=body.validated_data["notes"],
            next_steps=body.validated_data.get("next_steps", ""),
        )
        return Response(
            CheckInSerializer(checkin, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "list": "cop.signed_in",
        "retrieve": "mentoring.view_mentorship",
        "pause": "mentoring.change_mentorship",
        "resume": "mentoring.change_mentorship",
        "complete": "mentoring.change_mentorship",
        "agreement": "mentoring.change_mentorship",
        "extend": "mentoring.change_mentorship",
        "feedback": "mentoring.change_mentorship",
        "check_ins": ("mentoring.view_checkins", "mentoring.change_mentorship"),
    }


# --- onboarding ------------------------------------------------------------------------------


class OnboardingStepSerializer(serializers.ModelSerializer):
    community = serializers.SlugField(source="community.slug")
    description_html = MarkdownHTMLField("description")
    auto_kind = serializers.ChoiceField(
        choices=[("", "ticked by hand"), *AUTO_KIND_CHOICES],
        required=False,
        allow_blank=True,
        help_text="What ticks the step by itself; empty for a step ticked by hand.",
    )
    done = serializers.SerializerMethodField()
    how = serializers.SerializerMethodField()
    done_at = serializers.SerializerMethodField()

    class Meta:
        model = OnboardingStep
        fields = [
            "id",
            "community",
            "position",
            "title",
            "description",
            "description_html",
            "auto_kind",
            "done",
            "how",
            "done_at",
        ]
        read_only_fields = ["id", "position"]

    def _progress(self, step):
        return self.context.get("progress", {}).get(step.pk)

    def get_done(self, step) -> bool:
        return self._progress(step) is not None

    def get_how(self, step) -> str | None:
        progress = self._progress(step)
        return progress.how if progress else None

    def get_done_at(self, step) -> str | None:
        progress = self._progress(step)
        return serializers.DateTimeField().to_representation(progress.done_at) if progress else None


class TickSerializer(serializers.Serializer):
    done = serializers.BooleanField(default=True, help_text="false unticks a step ticked by hand.")


class MoveSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=[("up", "up"), ("down", "down")])


class OnboardingStepViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """A community's onboarding checklist (`community` is required), with the caller's
    progress: `done`, and `how` (ticked by hand, or by itself from participation).
    Members tick steps; coordinators add, change, reorder and remove them (a removed
    step is archived, with everyone's progress kept)."""

    serializer_class = OnboardingStepSerializer
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = None
    filterset_class = None
    lookup_value_regex = ID_PATTERN
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def _community(self, slug: str) -> Community:
        if not re.fullmatch(r"[-a-zA-Z0-9_]+", slug or ""):
            raise APIValidationError({"community": "Say whose checklist: a community's slug."})
        community = access_community(self.request.user, slug)
        authorize(self.request.user, "mentoring.use_mentoring", community)
        return community

    def _step(self, pk, *, edit: bool = False) -> OnboardingStep:
        community = owning_community("onboarding_steps", pk)
        self._community(community.slug)
        if edit:
            authorize(self.request.user, "mentoring.edit_onboarding", community)
        step = OnboardingStep.objects.select_related("community").get(pk=pk)
        if step.archived:
            raise Http404("This step is no longer on the checklist.")
        return step

    def _checklist(self, community: Community) -> Response:
        user = self.request.user
        membership = membership_of(user, community)
        items = selectors.onboarding_checklist(
            membership=membership, community=community, user=user
        )
        progress = {item["step"].pk: item["progress"] for item in items if item["progress"]}
        steps = [item["step"] for item in items]
        return Response(
            OnboardingStepSerializer(steps, many=True, context={"progress": progress}).data
        )

    def get_queryset(self):
        return OnboardingStep.objects.none()  # the checklist is built by the selector

    @extend_schema(
        parameters=[OpenApiParameter("community", REQUIRED_SLUG_SCHEMA, required=True)],
        responses=OnboardingStepSerializer(many=True),
    )
    def list(self, request, *args, **kwargs):
        """The checklist with your progress; steps you did tick themselves first."""
        return self._checklist(self._community(request.query_params.get("community", "")))

    @extend_schema(request=OnboardingStepSerializer, responses={201: OnboardingStepSerializer})
    def create(self, request, *args, **kwargs):
        """Add a step at the end of the checklist (coordinators)."""
        body = OnboardingStepSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        community = self._community(body.validated_data["community"]["slug"])
        authorize(request.user, "mentoring.edit_onboarding", community)
        step = services.add_onboarding_step(
            community=community,
            title=body.validated_data["title"],
            description=body.validated_data.get("description", ""),
            auto_kind=body.validated_data.get("auto_kind", ""),
        )
        return Response(OnboardingStepSerializer(step).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OnboardingStepSerializer, responses=OnboardingStepSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Change a step's title, description or what ticks it (coordinators)."""
        step = self._step(kwargs["pk"], edit=True)
        body = OnboardingStepSerializer(step, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        step = services.update_onboarding_step(
            step=step,
            title=data.get("title", step.title),
            description=data.get("description", step.description),
            auto_kind=data.get("auto_kind", step.auto_kind),
        )
        return Response(OnboardingStepSerializer(step).data)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            return self.partial_update(request, *args, **kwargs)
        return super().update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        """Take a step off the checklist (coordinators); progress on it is kept."""
        services.remove_onboarding_step(step=self._step(kwargs["pk"], edit=True))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=MoveSerializer, responses=OnboardingStepSerializer(many=True))
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Move a step one place up or down (coordinators); answers the checklist."""
        step = self._step(pk, edit=True)
        body = MoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.move_onboarding_step(step=step, up=body.validated_data["direction"] == "up")
        return self._checklist(step.community)

    @extend_schema(request=TickSerializer, responses=OnboardingStepSerializer(many=True))
    @action(detail=True, methods=["post"])
    def tick(self, request, pk=None):
        """Tick a step you did (or untick one you ticked by hand); answers your checklist."""
        step = self._step(pk)
        body = TickSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.tick_onboarding_step(
            membership=membership_of(request.user, step.community),
            step=step,
            done=body.validated_data["done"],
        )
        return self._checklist(step.community)

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "list": "mentoring.use_mentoring",
        "tick": "mentoring.use_mentoring",
        "create": "mentoring.edit_onboarding",
        "update": "mentoring.edit_onboarding",
        "partial_update": "mentoring.edit_onboarding",
        "destroy": "mentoring.edit_onboarding",
        "move": "mentoring.edit_onboarding",
    }


# --- the coordinators' overview --------------------------------------------------------------


class OverviewSerializer(serializers.Serializer):
    needs_mentor = MentorRequestSerializer(
        many=True, help_text="Open requests nobody was found for: assign a mentor."
    )
    stalled = MentorRequestSerializer(
        many=True, help_text="Overdue, or already offered to two or more mentors."
    )
    running = MentorshipSerializer(many=True)
    ending_soon = serializers.SerializerMethodField(
        help_text="Ids of running mentorships that end within two weeks."
    )
    completed_count = serializers.IntegerField()

    def get_ending_soon(self, data) -> list[int]:
        return [mentorship.pk for mentorship in data["ending_soon"]]


@authorizes("mentoring.view_overview")
@extend_schema(responses=OverviewSerializer)
@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated])
def overview(request, community_slug: str):
    """The coordinators' mentoring overview: requests without a mentor, stalled ones,
    and running mentorships."""
    community = access_community(request.user, community_slug)
    authorize(request.user, "mentoring.view_overview", community)
    data = selectors.coordinator_overview(community)
    return Response(OverviewSerializer(data, context={"request": request}).data)
