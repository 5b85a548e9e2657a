"""What the knowledge API's view sets share: paginations, fields, the edit,
soft-delete and restore mixins, the community-item serializers."""

import re
from collections.abc import Callable

from django.db.models import Model, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cop.api.support import (
    ID_PATTERN,
    CursorPagination,
    MarkdownHTMLField,
    community_tags,
    owning_community,
)
from cop.models import Community, Tag
from cop.permissions import authorize
from cop.selectors.communities import access_community

from .. import selectors
from ..enums import EntryKind
from ..models import PracticeEntry
from ..services.common import restore, soft_delete

SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def _inline_enum(values) -> dict:
    # Wrapped so that the schema keeps this choice set inline: `kind` is also the
    # meetings' field, whose enum component owns the name.
    return {"allOf": [{"type": "string", "enum": list(values)}]}


@extend_schema_field(_inline_enum(EntryKind.values))
class EntryKindField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=EntryKind.choices, **kwargs)


class RecentlyUpdated(CursorPagination):
    ordering = ("-updated_at", "-id")


class Alphabetical(CursorPagination):
    ordering = ("term", "id")


class AuthorSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class TagNamesField(serializers.ListField):
    """Tags as their names; written as names or slugs of the community's vocabulary."""

    child = serializers.CharField(max_length=60)

    def to_representation(self, data):
        return [tag.name for tag in data.all()]


def _tags(community: Community, names: list[str] | None) -> list[Tag] | None:
    return None if names is None else community_tags(community, names, field="tags")


def _absolute(serializer, obj) -> str:
    return serializer.context["request"].build_absolute_uri(obj.get_absolute_url())


def _community_for(user, slug: str) -> Community:
    return access_community(user, slug)


class _CommunityItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """A view set of one kind of community item. An item is read by id through its
    access helper (404 for missing and invisible alike) and answered as the list shows
    it; a new one is created in the community its body names by slug."""

    lookup_value_regex = ID_PATTERN
    model: type[Model]
    # `selectors.access_<kind>(user, community, pk)`, as a staticmethod.
    access: Callable
    # The Community relation to the model, for `owning_community`.
    owner_lookup: str

    @classmethod
    def queryset_for(cls, user) -> QuerySet:
        """What `user` may see, as the list shows it: live items, newest first."""
        return (
            selectors.live_in_visible(cls.model, user)
            .prefetch_related("tags")
            .order_by("-created_at", "-id")
        )

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # the schema is built with no caller
            return self.model.objects.none()
        return self.queryset_for(self.request.user)

    def get_object(self):
        pk = self.kwargs["pk"]
        item = self.access(self.request.user, owning_community(self.owner_lookup, pk), pk)
        return self.get_queryset().get(pk=item.pk)

    def community_to_create_in(self, serializer) -> Community:
        return _community_for(self.request.user, serializer.validated_data["community"]["slug"])

    def answer_created(self, serializer, item) -> None:
        serializer.instance = self.get_queryset().get(pk=item.pk)


class EditMixin(mixins.UpdateModelMixin):
    """PATCH/PUT edit an item through its service (the author; a practice's owner too):
    `edit(item=, user=, values=, tags=)` gets the `edited_fields`, those left out at
    their present value, and the tags. `community` cannot change."""

    edited_fields: tuple[str, ...]

    def perform_update(self, serializer):
        item = serializer.instance
        data = serializer.validated_data
        values = {name: data.get(name, getattr(item, name)) for name in self.edited_fields}
        tags = _tags(item.community, data.get("tags"))
        if tags is None:
            tags = list(item.tags.all())
        self.edit(item=item, user=self.request.user, values=values, tags=tags)
        serializer.instance = self.get_object()


class SoftDeleteMixin(mixins.DestroyModelMixin):
    """DELETE hides the item (author or coordinator); its history stays, nothing is lost."""

    def perform_destroy(self, instance):
        authorize(self.request.user, "knowledge.delete", instance)
        soft_delete(item=instance, by=self.request.user)


class RestoreMixin:
    """POST `{id}/restore/` brings back a deleted item (coordinators); nothing was lost."""

    restore_kind = ""  # the kind `selectors.access_deleted` knows: story, problem, entry

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def restore(self, request, pk=None):
        """Restore a deleted item (coordinators of its community)."""
        _restore(request.user, self.owner_lookup, self.restore_kind, pk)
        return Response(self.get_serializer(self.get_object()).data)


def _restore(user, owner_lookup: str, kind: str, pk) -> None:
    """Restore a deleted item of `kind` after the same checks as the restore page."""
    community = owning_community(owner_lookup, pk)
    item = selectors.access_deleted(user, community, kind, pk)
    authorize(user, "knowledge.restore", item)
    restore(item=item, by=user)


class CommunityItemSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    community = serializers.SlugField(source="community.slug")
    author = AuthorSerializer(read_only=True)
    tags = TagNamesField(required=False)

    def get_url(self, obj) -> str:
        return _absolute(self, obj)


class PracticeSerializer(CommunityItemSerializer):
    body_html = MarkdownHTMLField("body")
    kind = EntryKindField(default=EntryKind.HOW_TO)
    owner = AuthorSerializer(read_only=True)
    publish = serializers.BooleanField(
        write_only=True, default=False, help_text="Publish at once (not validated) or keep a draft."
    )
    endorsement_count = serializers.IntegerField(read_only=True, allow_null=True, default=None)

    class Meta:
        model = PracticeEntry
        fields = [
            "id",
            "url",
            "community",
            "title",
            "body",
            "body_html",
            "kind",
            "tags",
            "status",
            "author",
            "owner",
            "review_date",
            "publish",
            "endorsement_count",
            "validated_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "status", "validated_at", "created_at", "updated_at"]


class PromoteSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    body = serializers.CharField(required=False, allow_blank=True, max_length=100000)
    kind = EntryKindField(required=False)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, max_length=100
    )
