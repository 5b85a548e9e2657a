"""REST API of shared practices.

- GET `communities/{slug}/shared-practices/`: what related communities shared into this
  one, as the caller may see it (the same selector as the page); GET `.../{id}/` one of
  them, read-only: the source practice as it is now. There is no write method on these
  addresses: a shared practice is edited only at its source.
- GET, POST `practices/{id}/shares/`: where a practice is shared; a coordinator of its
  community shares it with a related community (`knowledge.share_practice`).
- DELETE `practices/{id}/shares/{share_id}/`: stop sharing (`knowledge.unshare_practice`).
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cop.api.support import CommunityInURL, CursorPagination
from cop.markdown import render_markdown
from cop.models import Community
from cop.permissions import allowed, authorize
from cop.selectors.communities import access_community

from . import selectors, sharing
from .models import PracticeEntry, SharedPractice


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Community
        fields = ["slug", "name", "license"]
        read_only_fields = fields


class SharedPracticeSerializer(serializers.ModelSerializer):
    practice = serializers.IntegerField(source="entry_id", read_only=True)
    title = serializers.CharField(source="entry.title", read_only=True)
    kind = serializers.CharField(source="entry.kind", read_only=True)
    status = serializers.CharField(source="entry.status", read_only=True)
    endorsement_count = serializers.IntegerField(source="entry.endorsement_count", read_only=True)
    author = serializers.SerializerMethodField()
    source = SourceSerializer(source="entry.community", read_only=True)
    source_url = serializers.SerializerMethodField(help_text="The practice in its own community.")
    updated_at = serializers.DateTimeField(source="entry.updated_at", read_only=True)

    class Meta:
        model = SharedPractice
        fields = [
            "id",
            "practice",
            "title",
            "kind",
            "status",
            "endorsement_count",
            "author",
            "source",
            "source_url",
            "shared_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_author(self, share) -> str:
        author = share.entry.author
        return author.name if author else ""

    def get_source_url(self, share) -> str:
        return self.context["request"].build_absolute_uri(share.entry.get_absolute_url())


class SharedPracticeDetailSerializer(SharedPracticeSerializer):
    body = serializers.CharField(source="entry.body", read_only=True)
    body_html = serializers.SerializerMethodField(help_text="The body as sanitized HTML.")

    class Meta(SharedPracticeSerializer.Meta):
        fields = [*SharedPracticeSerializer.Meta.fields, "body", "body_html"]
        read_only_fields = fields

    def get_body_html(self, share) -> str:
        return render_markdown(share.entry.body)


class ShareSerializer(serializers.ModelSerializer):
    community = serializers.SlugField(source="community.slug", read_only=True)

    class Meta:
        model = SharedPractice
        fields = ["id", "community", "shared_at"]
        read_only_fields = fields


class ShareRequestSerializer(serializers.Serializer):
    community = serializers.SlugField(max_length=60, help_text="A related community's slug.")


class NewestShareFirst(CursorPagination):
    ordering = ("-shared_at", "-id")


class SharedPracticeListView(CommunityInURL, generics.ListAPIView):
    """Practices shared into the community from related ones."""

    serializer_class = SharedPracticeSerializer
    pagination_class = NewestShareFirst
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return SharedPractice.objects.none()
        return sharing.shared_into(self.community(), self.request.user)

    # The declared permission each method reads (the URL walk in the tests checks it);
    # last in the body, as the name hides DRF's `permissions` module above.
    permissions = {"get": "cop.view_community"}


class SharedPracticeView(CommunityInURL, generics.RetrieveAPIView):
    """One shared practice, read-only: the source practice as it is now."""

    serializer_class = SharedPracticeDetailSerializer
    permission_classes = [permissions.AllowAny]

    def get_object(self):
        return sharing.access_share(self.request.user, self.community(), self.kwargs["pk"])

    # The declared permission each method reads (the URL walk in the tests checks it);
    # last in the body, as the name hides DRF's `permissions` module above.
    permissions = {"get": "cop.view_community"}


def _entry_for(user, pk: int) -> PracticeEntry:
    """The practice `pk` if `user` may see it (404 otherwise, as everywhere)."""
    community = Community.objects.filter(entries__pk=pk).first()
    if community is None:
        raise Http404("Not found.")
    return selectors.access_entry(user, access_community(user, community.slug), pk)


class PracticeSharesView(APIView):
    """Where a practice is shared, and sharing it with a related community."""

    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(responses=ShareSerializer(many=True), summary="Where a practice is shared")
    def get(self, request, pk: int):
        entry = _entry_for(request.user, pk)
        shares = sharing.shares_of(entry)
        if not allowed(request.user, "knowledge.share_practice", entry):
            # others learn only of the communities they may see themselves
            shares = [
                share
                for share in shares
                if allowed(request.user, "cop.view_community", share.community)
            ]
        return Response(ShareSerializer(shares, many=True).data)

    @extend_schema(
        request=ShareRequestSerializer,
        responses={201: ShareSerializer},
        summary="Share a practice with a related community",
    )
    def post(self, request, pk: int):
        entry = _entry_for(request.user, pk)
        authorize(request.user, "knowledge.share_practice", entry)
        body = ShareRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        into = sharing.share_targets(entry).filter(slug=body.validated_data["community"]).first()
        if into is None:
            raise serializers.ValidationError(
                {"community": ["Not a related community this practice can be shared with."]}
            )
        share = sharing.share_practice(entry=entry, into=into, by=request.user)
        return Response(ShareSerializer(share).data, status=status.HTTP_201_CREATED)

    # The declared permission each method reads (the URL walk in the tests checks it);
    # last in the body, as the name hides DRF's `permissions` module above.
    permissions = {"get": "cop.view_community", "post": "knowledge.share_practice"}


class PracticeShareView(APIView):
    """Stop sharing a practice with one community."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={204: None}, summary="Stop sharing a practice")
    def delete(self, request, pk: int, share_id: int):
        entry = _entry_for(request.user, pk)
        share = sharing.shares_of(entry).filter(pk=share_id).first()
        if share is None:
            raise Http404("Not found.")
        share.entry = entry
        authorize(request.user, "knowledge.unshare_practice", share)
        sharing.unshare_practice(share=share, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # The declared permission each method reads (the URL walk in the tests checks it);
    # last in the body, as the name hides DRF's `permissions` module above.
    permissions = {"delete": "knowledge.unshare_practice"}
