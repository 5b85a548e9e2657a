"""REST API of the mentoring app: mentor offers, mentor requests with accept and
decline, mentorships and their check-ins.

Over the mentoring services, selectors and `rules` predicates: a request or a
mentorship is 404 to anyone who may not see it (as on the pages), and a refused action
is 403 with the rule's reason.
"""

import re

from django.db.models import Q
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response

from cop.api_support import CursorPagination, MarkdownHTMLField
from cop.models import Community, Tag, User
from cop.selectors import access_community

from . import selectors, services
from .enums import Cadence
from .models import CheckIn, MentorOffer, MentorRequest, Mentorship
from .rules import (
    can_answer_request,
    can_change_mentorship,
    can_offer_mentoring,
    can_request_mentor,
    can_view_checkins,
    can_withdraw_request,
)

ID_PATTERN = r"[0-9]{1,18}"
MAX_ID = 2**63 - 1


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
    wanted = {name.strip().lower() for name in names if name.strip()}
    found = [
        tag
        for tag in Tag.objects.filter(community=community)
        if tag.name.lower() in wanted or tag.slug in wanted
    ]
    unknown = sorted(wanted - {t.name.lower() for t in found} - {t.slug for t in found})
    if unknown:
        raise APIValidationError({"topics": f"Not topics of this community: {', '.join(unknown)}."})
    return found


def _community_of(model, pk) -> Community:
    community = Community.objects.filter(**{f"{model}__pk": pk}).first()
    if community is None:
        raise Http404("Not found.")
    return community


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
        from django.urls import reverse

        path = reverse("mentoring_find", kwargs={"slug": offer.community.slug})
        return self.context["request"].build_absolute_uri(path)


class MentorOfferViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """The mentors of a community (`community` is required), and offering to mentor:
    POST creates or changes the caller's own offer there."""

    serializer_class = MentorOfferSerializer
    pagination_class = ById
    filterset_class = None

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "community", OpenApiTypes.STR, required=True, description="A community's slug."
            )
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

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
        if not can_offer_mentoring(user, community):
            raise PermissionDenied("Only active members of this community can offer mentoring.")
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


class MentorRequestViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Requests the caller made or that wait for the caller's answer as a mentor."""

    serializer_class = MentorRequestSerializer
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = ById
    filterset_class = None
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MentorRequest.objects.none()
        user = self.request.user
        return (
            MentorRequest.objects.filter(Q(requester=user) | Q(current_mentor=user))
            .select_related("community", "requester", "current_mentor")
            .prefetch_related("topics")
            .order_by("-id")
        )

    def get_object(self) -> MentorRequest:
        pk = self.kwargs["pk"]
        return selectors.access_request(self.request.user, _community_of("mentor_requests", pk), pk)

    def perform_create(self, serializer):
        user = self.request.user
        data = serializer.validated_data
        community = access_community(user, data["community"]["slug"])
        if not can_request_mentor(user, community):
            raise PermissionDenied("Only active members of this community can ask for a mentor.")
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
            self.request.user, _community_of("mentor_requests", pk), pk
        )
        if not can_answer_request(self.request.user, request_obj):
            raise PermissionDenied("Only the mentor this request is offered to can answer it.")
        return request_obj

    @extend_schema(request=None, responses={201: MentorshipSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept the request offered to you: a mentorship starts."""
        mentorship = services.accept_request(request=self._answerable(pk), mentor=request.user)
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
        if not can_withdraw_request(request.user, request_obj):
            raise PermissionDenied("Only the person who asked can withdraw an open request.")
        services.withdraw_request(request=request_obj, by=request.user)
        return Response(self.get_serializer(self.get_object()).data)


class CompleteSerializer(serializers.Serializer):
    reflection = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    feedback = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class MentorshipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's mentorships, as mentor or mentee, newest first."""

    serializer_class = MentorshipSerializer
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = ById
    filterset_class = None
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Mentorship.objects.none()
        user = self.request.user
        return (
            Mentorship.objects.filter(Q(mentor=user) | Q(mentee=user))
            .select_related("community", "mentor", "mentee")
            .order_by("-id")
        )

    def get_object(self) -> Mentorship:
        pk = self.kwargs["pk"]
        return selectors.access_mentorship(self.request.user, _community_of("mentorships", pk), pk)

    def _changed(self, request, change, **kwargs):
        mentorship = self.get_object()
        if not can_change_mentorship(request.user, mentorship):
            raise PermissionDenied("Only the mentor and the mentee can change the mentorship.")
        change(mentorship=mentorship, by=request.user, **kwargs)
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
        body = CompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._changed(request, services.complete_mentorship, **body.validated_data)

    @extend_schema(methods=["GET"], responses=CheckInSerializer(many=True))
    @extend_schema(methods=["POST"], request=CheckInSerializer, responses={201: CheckInSerializer})
    @action(detail=True, methods=["get", "post"], url_path="check-ins", pagination_class=None)
    def check_ins(self, request, pk=None):
        """GET: the check-ins, newest first (the pair; coordinators when shared).
        POST: log a check-in (the pair)."""
        mentorship = self.get_object()
        if request.method == "GET":
            if not can_view_checkins(request.user, mentorship):
                raise PermissionDenied("Only the pair see their check-in notes.")
            return Response(
                CheckInSerializer(
                    selectors.checkins(mentorship), many=True, context={"request": request}
                ).data
            )
        if not can_change_mentorship(request.user, mentorship):
            raise PermissionDenied("Only the mentor and the mentee log check-ins.")
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
