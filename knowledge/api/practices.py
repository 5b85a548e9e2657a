"""Practice entries: validation, notes, revisions, status."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated
from rest_framework.response import Response

from cop.api.support import (
    MarkdownHTMLField,
    SlugFilter,
)
from cop.permissions import authorize

from .. import selectors
from ..enums import EntryKind, EntryStatus, NoteKind
from ..models import Note, PracticeEntry
from ..services import entries as entry_services
from ..services import validation as validation_services
from .common import (
    AuthorSerializer,
    EditMixin,
    PracticeSerializer,
    RecentlyUpdated,
    RestoreMixin,
    SoftDeleteMixin,
    _CommunityItemViewSet,
    _tags,
)


class ValidateSerializer(serializers.Serializer):
    expert = serializers.BooleanField(
        default=False,
        help_text="false: “this worked for me” (members other than the author); "
        "true: expert validation (coordinators, or members with expertise in its topics).",
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class RevisionSerializer(serializers.Serializer):
    number = serializers.IntegerField(source="revision.number")
    title = serializers.CharField(source="revision.title")
    body = serializers.CharField(source="revision.body")
    summary = serializers.CharField(source="revision.summary")
    author = AuthorSerializer(source="revision.author", allow_null=True)
    created_at = serializers.DateTimeField(source="revision.created_at")
    title_changed = serializers.BooleanField()
    diff = serializers.SerializerMethodField()

    def get_diff(self, item) -> list[str]:
        """Unified diff lines of the body against the revision before."""
        return [text for _css, text in item.lines]


class NoteSerializer(serializers.ModelSerializer):
    author = AuthorSerializer(read_only=True, allow_null=True)
    body_html = MarkdownHTMLField("body")
    kind = serializers.ChoiceField(choices=NoteKind.choices, default=NoteKind.ALTERNATIVE)

    class Meta:
        model = Note
        fields = ["id", "kind", "body", "body_html", "author", "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"body": {"max_length": 10000}}


class RevertSerializer(serializers.Serializer):
    revision = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[EntryStatus.DRAFT, EntryStatus.NOT_VALIDATED, EntryStatus.ARCHIVED],
        help_text="Publish a draft (not_validated), archive, or reopen. Validation is earned.",
    )


class PracticeFilter(django_filters.FilterSet):
    community = SlugFilter(field_name="community__slug")
    status = django_filters.ChoiceFilter(choices=EntryStatus.choices)
    kind = django_filters.ChoiceFilter(choices=EntryKind.choices)
    tag = SlugFilter(field_name="tags__slug", distinct=True)

    class Meta:
        model = PracticeEntry
        fields = ["community", "status", "kind", "tag"]


class PracticeViewSet(
    EditMixin,
    SoftDeleteMixin,
    RestoreMixin,
    _CommunityItemViewSet,
):
    """Practice entries, most recently updated first. Without a `status` filter, archived
    ones are left out, as on the pages."""

    model = PracticeEntry
    access = staticmethod(selectors.access_entry)
    owner_lookup = "entries"
    restore_kind = "entry"

    serializer_class = PracticeSerializer
    filterset_class = PracticeFilter
    pagination_class = RecentlyUpdated

    @classmethod
    def queryset_for(cls, user):
        """Live practices with their owners, most recently updated first."""
        return (
            selectors.live_in_visible(PracticeEntry, user)
            .select_related("owner")
            .prefetch_related("tags")
            .order_by("-updated_at", "-id")
        )

    def get_queryset(self):
        entries = super().get_queryset()
        if self.action == "list" and "status" not in self.request.query_params:
            entries = entries.exclude(status=EntryStatus.ARCHIVED)
        return entries

    edited_fields = ("title", "body", "kind", "review_date")

    def edit(self, *, item, user, values, tags):
        authorize(user, "knowledge.edit_entry", item)
        entry_services.edit_entry(entry=item, by=user, tags=tags, **values)

    def perform_create(self, serializer):
        user = self.request.user
        data = serializer.validated_data
        community = self.community_to_create_in(serializer)
        authorize(user, "knowledge.write_entry", community)
        entry = entry_services.write_entry(
            community=community,
            author=user,
            title=data["title"],
            body=data["body"],
            kind=data.get("kind", EntryKind.HOW_TO),
            tags=_tags(community, data.get("tags", [])),
            review_date=data.get("review_date"),
            publish=data.get("publish", False),
        )
        self.answer_created(serializer, entry)

    @extend_schema(request=StatusChangeSerializer, responses=PracticeSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="status",
        permission_classes=[permissions.IsAuthenticated],
    )
    def change_status(self, request, pk=None):
        """Move the practice through its life cycle (author, owner or coordinator)."""
        entry = self.get_object()
        authorize(request.user, "knowledge.change_status", entry)
        serializer = StatusChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry_services.change_status(
            entry=entry, to=serializer.validated_data["status"], by=request.user
        )
        return Response(
            PracticeSerializer(self.get_object(), context=self.get_serializer_context()).data
        )

    @extend_schema(methods=["POST"], request=ValidateSerializer, responses=PracticeSerializer)
    @extend_schema(methods=["DELETE"], request=None, responses={200: PracticeSerializer})
    @action(
        detail=True, methods=["post", "delete"], permission_classes=[permissions.IsAuthenticated]
    )
    def validate(self, request, pk=None):
        """Peer validation: “this worked for me”, or an expert's validation. DELETE takes
        one's “this worked for me” back (a validation that happened stays)."""
        entry = self.get_object()
        if request.method == "DELETE":
            validation_services.withdraw_endorsement(user=request.user, entry=entry)
            return Response(self.get_serializer(self.get_object()).data)
        body = ValidateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if body.validated_data["expert"]:
            authorize(request.user, "knowledge.validate_as_expert", entry)
            validation_services.validate_as_expert(
                entry=entry, by=request.user, comment=body.validated_data.get("comment", "")
            )
        else:
            authorize(request.user, "knowledge.endorse", entry)
            validation_services.endorse_entry(entry=entry, user=request.user)
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(methods=["GET"], responses=NoteSerializer(many=True))
    @extend_schema(methods=["POST"], request=NoteSerializer, responses={201: NoteSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def notes(self, request, pk=None):
        """GET: dissenting and alternative notes shown beside the practice, oldest first.
        POST `{"kind": "dissent"|"alternative", "body": ...}`: add one (members)."""
        entry = self.get_object()
        if request.method == "GET":
            notes = entry.notes.select_related("author").order_by("created_at", "pk")
            return Response(NoteSerializer(notes, many=True).data)
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        authorize(request.user, "knowledge.add_note", entry)
        body = NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        note = entry_services.add_note(entry=entry, author=request.user, **body.validated_data)
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RevertSerializer, responses=RevisionSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def revert(self, request, pk=None):
        """Bring back the title and body of an earlier revision as a new revision (the
        author or the owner); the history keeps every version. Answers the new one."""
        entry = self.get_object()
        authorize(request.user, "knowledge.revert_entry", entry)
        body = RevertSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry_services.revert_entry(
            entry=entry, to_number=body.validated_data["revision"], by=request.user
        )
        return Response(RevisionSerializer(selectors.revision_history(entry)[0]).data)

    @extend_schema(responses=RevisionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def revisions(self, request, pk=None):
        """Every revision, newest first, each with its diff against the one before."""
        entry = self.get_object()
        history = selectors.revision_history(entry)
        return Response(RevisionSerializer(history, many=True).data)

    # The declared permission each action reads (the URL walk in the tests checks
    # it); last in the body, as the name hides DRF's `permissions` module above.
    permissions = {
        "list": "cop.view_community",
        "retrieve": "knowledge.view",
        "create": "knowledge.write_entry",
        "update": "knowledge.edit_entry",
        "partial_update": "knowledge.edit_entry",
        "destroy": "knowledge.delete",
        "restore": "knowledge.restore",
        "change_status": "knowledge.change_status",
        "validate": ("knowledge.validate_as_expert", "knowledge.endorse"),
        "notes": "knowledge.add_note",
        "revert": "knowledge.revert_entry",
        "revisions": "knowledge.view",
    }
