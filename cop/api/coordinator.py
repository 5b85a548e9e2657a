"""API of the coordinator tools and thanks, over the same services and declared
permissions as the pages: `communities/{slug}/invitations/bulk/`,
`communities/{slug}/outreach/` (+ `.../outreach/{membership_id}/notes/`) and `thanks/`."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from cop import content
from cop.api.support import MAX_ID, NewestFirst
from cop.models import Membership, Thanks
from cop.permissions import authorize
from cop.selectors.communities import access_community
from cop.services import invitations_bulk, outreach
from cop.services import thanks as thanks_services

# --- Bulk invitations ----------------------------------------------------------------------


class BulkRowInSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=320, allow_blank=True, trim_whitespace=False)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class BulkInviteSerializer(serializers.Serializer):
    rows = BulkRowInSerializer(
        many=True,
        required=False,
        max_length=invitations_bulk.MAX_ROWS,
        help_text="The addresses, each with an optional name. Or send `text`.",
    )
    text = serializers.CharField(
        required=False,
        max_length=invitations_bulk.MAX_BYTES,
        allow_blank=True,
        help_text="A pasted list or CSV: one address per line, optionally `,name`.",
    )
    message = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=invitations_bulk.MAX_MESSAGE_LENGTH,
    )
    dry_run = serializers.BooleanField(
        default=False, help_text="Only check the rows (the preview); invite nobody."
    )

    def validate(self, attrs):
        if attrs.get("rows") and attrs.get("text"):
            raise serializers.ValidationError("Send either `rows` or `text`, not both.")
        if attrs.get("rows"):
            attrs["parsed"] = [
                invitations_bulk.Row(
                    line=n, email=row["email"].strip(), name=row["name"].strip()[:80]
                )
                for n, row in enumerate(attrs["rows"], start=1)
            ]
        else:
            attrs["parsed"] = invitations_bulk.parse_rows(attrs.get("text", ""))
        return attrs


class BulkRowOutSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    email = serializers.CharField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=["valid", "invalid"])
    reason = serializers.CharField(help_text="Why the row is left out; empty when valid.")
    invitation_id = serializers.IntegerField(allow_null=True)


class BulkResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    invited = serializers.IntegerField(help_text="Invitations created (0 on a dry run).")
    valid = serializers.IntegerField()
    invalid = serializers.IntegerField()
    rows = BulkRowOutSerializer(many=True)


class BulkInvitationView(APIView):
    """Invite a list of addresses (coordinators). `dry_run: true` checks every row (bad
    address, duplicate in the list, already a member, already invited) and invites nobody;
    otherwise the valid rows are invited in one transaction and the rest reported. Sending
    the same list again invites nobody twice."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = BulkInviteSerializer

    @extend_schema(request=BulkInviteSerializer, responses={200: BulkResultSerializer})
    def post(self, request, community_slug=None):
        community = access_community(request.user, community_slug)
        authorize(request.user, "cop.invite_members", community)
        serializer = BulkInviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = invitations_bulk.invite_many(
            community=community,
            by=request.user,
            rows=data["parsed"],
            message=data["message"],
            dry_run=data["dry_run"],
        )
        body = {
            "dry_run": result.dry_run,
            "invited": 0 if result.dry_run else len(result.valid),
            "valid": len(result.valid),
            "invalid": len(result.invalid),
            "rows": [row.__dict__ for row in result.rows],
        }
        return Response(BulkResultSerializer(body).data)

    # The declared permission each method reads (the URL walk in the tests checks it);
    # last in the body, as the name hides DRF's `permissions` module above.
    permissions = {"post": "cop.invite_members"}


# --- Outreach ------------------------------------------------------------------------------


class QuietMemberSerializer(serializers.Serializer):
    membership_id = serializers.IntegerField()
    user_id = serializers.IntegerField()
    name = serializers.CharField()
    level = serializers.CharField()
    joined_at = serializers.DateTimeField(allow_null=True)
    last_active_at = serializers.DateTimeField(allow_null=True, help_text="Last contribution.")
    last_seen_at = serializers.DateTimeField(allow_null=True)
    last_note_at = serializers.DateTimeField(allow_null=True)


class OutreachPageSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    by = serializers.CharField()
    next_after = serializers.IntegerField(
        allow_null=True, help_text="Pass as `after` for the next page; null at the end."
    )
    results = QuietMemberSerializer(many=True)


class OutreachQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(
        min_value=outreach.MIN_DAYS, max_value=outreach.MAX_DAYS, default=outreach.DEFAULT_DAYS
    )
    by = serializers.ChoiceField(choices=["activity", "seen"], default="activity")
    after = serializers.IntegerField(min_value=0, max_value=MAX_ID, default=0)


class OutreachView(APIView):
    """Active members quiet for `days` days (no contribution, or `by=seen`: not seen),
    with their last contribution, last visit and the last note sent them; coordinators
    only. Pages of 50 by membership id (`after`)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = OutreachPageSerializer

    @extend_schema(parameters=[OutreachQuerySerializer], responses=OutreachPageSerializer)
    def get(self, request, community_slug=None):
        community = access_community(request.user, community_slug)
        authorize(request.user, "cop.view_outreach", community)
        query = OutreachQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        members, next_after = outreach.quiet_members(community=community, **query.validated_data)
        body = {
            "days": query.validated_data["days"],
            "by": query.validated_data["by"],
            "next_after": next_after,
            "results": [member.__dict__ for member in members],
        }
        return Response(OutreachPageSerializer(body).data)

    # The declared permission each method reads (the URL walk in the tests checks it);
    # last in the body, as the name hides DRF's `permissions` module above.
    permissions = {"get": "cop.view_outreach"}


class PersonalNoteSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=outreach.MAX_NOTE_LENGTH)
    id = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class PersonalNoteView(APIView):
    """Send a personal note to a member (coordinators): a notification in Copse and, by
    the member's preference, an email. One per member a week; 30 a day."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = PersonalNoteSerializer

    @extend_schema(
        request=PersonalNoteSerializer,
        responses={201: PersonalNoteSerializer},
        parameters=[OpenApiParameter("membership_id", int, OpenApiParameter.PATH)],
    )
    def post(self, request, community_slug=None, membership_id=None):
        community = access_community(request.user, community_slug)
        authorize(request.user, "cop.send_personal_note", community)
        member = (
            Membership.objects.filter(pk=membership_id, community=community)
            .select_related("user")
            .first()
        )
        if member is None:
            return Response({"detail": "No such member."}, status=status.HTTP_404_NOT_FOUND)
        serializer = PersonalNoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = outreach.send_personal_note(
            community=community,
            by=request.user,
            recipient=member.user,
            body=serializer.validated_data["body"],
        )
        return Response(PersonalNoteSerializer(note).data, status=status.HTTP_201_CREATED)

    # The declared permission each method reads (the URL walk in the tests checks it);
    # last in the body, as the name hides DRF's `permissions` module above.
    permissions = {"post": "cop.send_personal_note"}


# --- Thanks --------------------------------------------------------------------------------

THANKABLE_HELP = "story, reply or practice"


class ThanksInSerializer(serializers.Serializer):
    kind = serializers.SlugField(max_length=30, help_text=THANKABLE_HELP)
    object_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class ThanksSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    object_id = serializers.IntegerField()
    community = serializers.SlugField(source="community.slug")
    created_at = serializers.DateTimeField()


def _kind_key(thanks: Thanks) -> str:
    found = content.kind_of_content_type(thanks.content_type_id)
    return found.key if found else ""


class ThanksView(ListAPIView):
    """GET: what the caller thanked, newest first. POST `{"kind", "object_id"}`: thank
    the item's author (once per item; not one's own)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ThanksSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Thanks.objects.none()
        return Thanks.objects.filter(user=self.request.user).select_related("community")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        for thanks in page:
            thanks.kind = _kind_key(thanks)
        return self.get_paginated_response(ThanksSerializer(page, many=True).data)

    @extend_schema(
        request=ThanksInSerializer, responses={201: ThanksSerializer, 200: ThanksSerializer}
    )
    def post(self, request):
        serializer = ThanksInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        kind, obj = content.resolve(
            request.user, serializer.validated_data["kind"], serializer.validated_data["object_id"]
        )
        authorize(request.user, "cop.thank", kind.community(obj))
        thanks, created = thanks_services.thank(user=request.user, kind=kind, obj=obj)
        thanks.kind = kind.key
        return Response(
            ThanksSerializer(thanks).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    # The declared permission each method reads (the URL walk in the tests checks it);
    # last in the body, as the name hides DRF's `permissions` module above.
    permissions = {"get": "cop.signed_in", "post": "cop.thank"}


class ThanksItemView(APIView):
    """DELETE: take back one's thanks for an item."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, kind=None, object_id=None):
        found, obj = content.resolve(request.user, kind, object_id)
        authorize(request.user, "cop.thank", found.community(obj))
        if not thanks_services.withdraw_thanks(user=request.user, key=found.key, pk=obj.pk):
            return Response(
                {"detail": "You had not thanked this."}, status=status.HTTP_404_NOT_FOUND
            )
        return Response(status=status.HTTP_204_NO_CONTENT)

    # The declared permission each method reads (the URL walk in the tests checks it);
    # last in the body, as the name hides DRF's `permissions` module above.
    permissions = {"delete": "cop.thank"}
