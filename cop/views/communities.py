"""Community pages: directory, home, settings, membership flows and member profiles.

Views are thin: fetch and authorise (404 for what the viewer may not see), call
one service, render or redirect. Services raise ValidationError with a message
that is shown to the person.
"""

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cop import cache
from cop.charts import column_chart
from cop.confirm import confirmation, undo_message
from cop.enums import InvitationStatus, Level, MembershipStatus, Role
from cop.extensions import HOME_SECTIONS
from cop.forms.core import (
    CommunityForm,
    CommunitySettingsForm,
    DeclineForm,
    InviteForm,
    JoinRequestForm,
    MembershipProfileForm,
)
from cop.models import Community, Membership, Tag
from cop.next_url import safe_next
from cop.permissions import allowed, authorize, authorizes, permission_required
from cop.rules import (
    forget_memberships,
    membership_of,
)
from cop.selectors import communities as selectors
from cop.selectors.conversation import pinned_announcements
from cop.services import communities as community_services
from cop.services.participation import LEVEL_ORDER, next_step


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _ids(values: list[str]) -> list[int]:
    """The numeric ids among form values (anything else is ignored)."""
    return [int(value) for value in values if value.isdigit() and len(value) < 19]


def _community_context(request: HttpRequest, community: Community, **extra) -> dict:
    return {
        "community": community,
        "membership": membership_of(request.user, community),
        "conduct_url": reverse("care:conduct", kwargs={"slug": community.slug}),
        **extra,
    }


def community_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    communities = selectors.community_directory(request.user, search=search)
    page = Paginator(communities, 24).get_page(request.GET.get("page"))
    return render(
        request,
        "cop/community_list.html",
        {
            "page": page,
            "search": search,
            "can_start": request.user.is_authenticated,
        },
    )


@permission_required("cop.signed_in")
@login_required
def my_communities(request: HttpRequest) -> HttpResponse:
    memberships = selectors.my_memberships(request.user)
    return render(request, "cop/my_communities.html", {"memberships": memberships})


@permission_required("cop.signed_in")
@login_required
def community_create(request: HttpRequest) -> HttpResponse:
    verified = allowed(request.user, "cop.add_community")
    form = CommunityForm(request.POST or None)
    if request.method == "POST" and verified and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "tags"}
        try:
            community = community_services.create_community(
                creator=request.user, tags=form.cleaned_data["tags"], **data
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(
                request, _("%(name)s is started. You are its coordinator.") % {"name": community}
            )
            return redirect(community)
    return render(request, "cop/community_form.html", {"form": form, "verified": verified})


@authorizes("cop.view_community")
def community_home(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    membership = membership_of(request.user, community)
    sections = []
    for section in HOME_SECTIONS:
        context = section.context(community=community, user=request.user, membership=membership)
        if context is not None:
            sections.append({"template": section.template, "context": context})
    is_member = membership is not None and membership.is_active
    return render(
        request,
        "cop/community_home.html",
        _community_context(
            request,
            community,
            sections=sections,
            coordinators=list(selectors.coordinators(community)),
            newcomers=selectors.newcomers_to_welcome(community) if is_member else [],
            member_count=community.memberships.filter(status=MembershipStatus.ACTIVE).count(),
            can_join=allowed(request.user, "cop.join_community", community),
            can_request=allowed(request.user, "cop.request_to_join_community", community),
            step=next_step(membership) if is_member else None,
            level_order=LEVEL_ORDER,
            pinned=pinned_announcements(community),
        ),
    )


@authorizes("cop.change_community")
@login_required
def community_edit(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    authorize(request.user, "cop.change_community", community)
    old_slug = community.slug
    form = CommunitySettingsForm(request.POST or None, instance=community)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "tags"}
        try:
            community = community_services.update_community(
                community=community, tags=form.cleaned_data["tags"], **data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("community_edit", slug=community.slug)
    if form.errors:
        community.slug = old_slug  # the page's links must keep working
    return render(
        request, "cop/community_edit.html", _community_context(request, community, form=form)
    )


@authorizes("cop.request_to_join_community", "cop.join_community", "cop.view_community")
@login_required
def community_join(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    if allowed(request.user, "cop.join_community", community) and request.method == "POST":
        community_services.join_community(community=community, user=request.user)
        forget_memberships(request.user)
        messages.success(request, _("Welcome to %(name)s!") % {"name": community})
        return redirect(community)
    if not allowed(request.user, "cop.request_to_join_community", community):
        membership = membership_of(request.user, community)
        if membership and membership.is_active:
            messages.info(request, _("You are already a member."))
        elif membership and membership.status == MembershipStatus.PENDING:
            messages.info(request, _("Your request is waiting for a coordinator."))
        elif membership and membership.status == MembershipStatus.REMOVED:
            messages.error(
                request,
                _("You were removed from this community. A coordinator can invite you back."),
            )
        elif not allowed(request.user, "cop.join_community", community):
            messages.error(request, _("This community is by invitation only."))
        return redirect(community)
    form = JoinRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            community_services.join_community(
                community=community, user=request.user, message=form.cleaned_data["message"]
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(
                request, _("Your request is sent. The coordinators will answer it soon.")
            )
        return redirect(community)
    return render(
        request, "cop/community_join.html", _community_context(request, community, form=form)
    )


@authorizes("cop.leave_community", "cop.view_community")
@login_required
def community_leave(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    if not allowed(request.user, "cop.leave_community", community):
        raise Http404("Not a member.")
    membership = membership_of(request.user, community)
    if request.method == "POST":
        try:
            community_services.leave_community(membership=membership)
        except ValidationError as error:
            messages.error(request, _error_text(error))
            return redirect("community_leave", slug=community.slug)
        forget_memberships(request.user)
        messages.success(request, _("You left %(name)s.") % {"name": community})
        return redirect(community) if community.is_public else redirect("community_list")
    return render(request, "cop/community_leave.html", _community_context(request, community))


def _page_number(raw: str | None) -> int:
    """The page a `page` parameter names (`Paginator.get_page`: anything but a number is
    the first; a page past the end is the last, kept under its own number)."""
    try:
        return max(int(raw or 1), 1)
    except ValueError:
        return 1


@authorizes("cop.view_community")
def community_members(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    level = request.GET.get("level", "")
    expertise = request.GET.get("expertise", "")
    members = selectors.member_directory(community, level=level, expertise=expertise)
    counts = selectors.kept_level_counts(community)

    def read_page():
        paginator = Paginator(members.only(*selectors.DIRECTORY_COLUMNS), 50)
        size = selectors.directory_size(counts, level=level, expertise=expertise)
        if size is not None:  # the level counts already tell: no COUNT(*) of the members
            paginator.count = size
        return paginator.get_page(request.GET.get("page"))

    coordinator = allowed(request.user, "cop.manage_members", community)
    return render(
        request,
        "cop/community_members.html",
        _community_context(
            request,
            community,
            # Read only when the kept rows are missing (a coordinator's are never kept).
            page=SimpleLazyObject(read_page),
            page_key=_page_number(request.GET.get("page")),
            members_scope=cache.members(community.pk),
            level=level,
            expertise=expertise,
            levels=Level.choices,
            tags=list(community.tags.all()),
            is_coordinator=coordinator,
            pending=list(selectors.pending_requests(community)) if coordinator else [],
            counts=counts,
        ),
    )


@authorizes("cop.look_up_members")
@login_required
def member_suggestions(request: HttpRequest, slug: str) -> JsonResponse:
    """Members whose name or email starts with `q`, for @mention autocomplete (active
    members only; at most 8). Each comes with the handle to type: the display name
    without spaces."""
    community = selectors.access_community(request.user, slug)
    authorize(request.user, "cop.look_up_members", community)
    query = request.GET.get("q", "").strip().lstrip("@").replace("\x00", "")[:40]
    members = Membership.objects.filter(
        community=community, status=MembershipStatus.ACTIVE
    ).exclude(user=request.user)
    if query:
        members = members.filter(
            Q(user__display_name__istartswith=query)
            | Q(user__display_name__icontains=f" {query}")
            | Q(user__email__istartswith=query)
        )
    people = [
        {"name": m.user.name, "handle": m.user.name.replace(" ", "")}
        for m in members.select_related("user").order_by("user__display_name")[:8]
    ]
    return JsonResponse({"members": people})


@authorizes("cop.view_coordination")
@login_required
def community_audit(request: HttpRequest, slug: str) -> HttpResponse:
    """The coordinators' audit log: who removed, demoted, deleted, restored, archived,
    cancelled or ended what, and when; newest first."""
    community = selectors.access_community(request.user, slug)
    authorize(request.user, "cop.view_coordination", community)
    entries = community.audit.select_related("actor").order_by("-created_at", "-pk")
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "cop/audit_log.html", _community_context(request, community, page=page))


@authorizes("cop.view_community")
def member_profile(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    member = selectors.access_member(community, user_id)
    is_self = request.user.is_authenticated and member.user_id == request.user.pk
    monthly, chart = [], None
    if is_self:
        monthly = selectors.monthly_points(member)
        chart = column_chart(
            [row["month"] for row in monthly],
            {_("Points"): [row["points"] for row in monthly]},
            title=_("Your participation, month by month"),
        )
    return render(
        request,
        "cop/member_profile.html",
        _community_context(
            request,
            community,
            member=member,
            is_self=is_self,
            events=selectors.recent_participation(member),
            history=selectors.level_history(member),
            step=next_step(member) if is_self else None,
            is_coordinator=allowed(request.user, "cop.manage_members", community),
            recognised=list(member.recognised_expertise.order_by("name")),
            topics=(
                list(community.tags.order_by("name"))
                if allowed(request.user, "cop.manage_members", community)
                else []
            ),
            level_order=LEVEL_ORDER,
            monthly=monthly,
            monthly_chart=chart,
        ),
    )


@authorizes("cop.view_community")
@login_required
def membership_edit(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    membership = membership_of(request.user, community)
    if membership is None or not membership.is_active:
        raise Http404("Not a member.")
    form = MembershipProfileForm(request.POST or None, instance=membership)
    if request.method == "POST" and form.is_valid():
        community_services.update_membership_profile(
            membership=membership,
            introduction=form.cleaned_data["introduction"],
            expertise=list(form.cleaned_data["expertise"]),
            listed_as_helper=form.cleaned_data["listed_as_helper"],
            in_spotlight=form.cleaned_data["in_spotlight"],
        )
        messages.success(request, _("Your introduction is saved."))
        return redirect("member_profile", slug=community.slug, user_id=request.user.pk)
    return render(
        request, "cop/membership_edit.html", _community_context(request, community, form=form)
    )


@authorizes("cop.manage_members")
@login_required
@require_http_methods(["GET", "POST"])
def member_action(request: HttpRequest, slug: str, membership_id: int, action: str) -> HttpResponse:
    """Coordinator actions on a membership: approve, decline, remove (and undo it),
    promote, demote, recognise expertise. Removing and demoting answer GET with a
    confirmation page first."""
    community = selectors.access_community(request.user, slug)
    authorize(request.user, "cop.manage_members", community)
    membership = (
        Membership.objects.filter(pk=membership_id, community=community)
        .select_related("user", "community")
        .first()
    )
    if membership is None:
        raise Http404("No such membership.")
    name = membership.user.name
    back = safe_next(request, reverse("community_members", args=[community.slug]))
    if request.method == "GET":
        if action not in ("remove", "demote"):
            raise Http404("Nothing to confirm.")
        return _confirm_member_action(request, community, membership, action, back)
    undo = ""
    try:
        if action == "approve":
            community_services.approve_request(membership=membership, by=request.user)
            message = _("%(name)s is now a member.") % {"name": name}
        elif action == "decline":
            form = DeclineForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            community_services.decline_request(
                membership=membership, by=request.user, reason=reason
            )
            message = _("You declined %(name)s's request.") % {"name": name}
        elif action == "remove":
            community_services.remove_member(membership=membership, by=request.user)
            message = _("%(name)s was removed.") % {"name": name}
            undo = reverse("member_action", args=[community.slug, membership.pk, "undo_remove"])
        elif action == "undo_remove":
            community_services.undo_removal(membership=membership, by=request.user)
            message = _("%(name)s is a member again.") % {"name": name}
        elif action == "promote":
            community_services.set_role(
                membership=membership, role=Role.COORDINATOR, by=request.user
            )
            message = _("%(name)s is now a coordinator.") % {"name": name}
        elif action == "expertise":
            tags = Tag.objects.filter(
                community=community, pk__in=_ids(request.POST.getlist("recognised_expertise"))
            )
            community_services.recognise_expertise(
                membership=membership, by=request.user, tags=list(tags)
            )
            message = _("%(name)s's recognised expertise was saved.") % {"name": name}
        elif action == "demote":
            community_services.set_role(membership=membership, role=Role.MEMBER, by=request.user)
            message = _("%(name)s is no longer a coordinator.") % {"name": name}
        else:
            raise Http404("Unknown action.")
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        if undo:
            undo_message(request, message, undo)
        else:
            messages.success(request, message)
    forget_memberships(request.user)
    return redirect(back)


def _confirm_member_action(request, community, membership, action, back) -> HttpResponse:
    name = membership.user.name
    itself = membership.user_id == request.user.pk
    if action == "remove":
        return confirmation(
            request,
            question=_("Remove %(name)s from %(community)s?") % {"name": name,
                                                               "community": community.name},
            detail=_("They lose access to the community's members-only pages and stop "
                     "hearing its news. You can undo this for a few minutes; after that, "
                     "invite them again."),
            button=_("Remove %(name)s") % {"name": name},
            cancel_url=back,
            hidden={"next": back},
            community=community,
        )  # fmt: skip
    return confirmation(
        request,
        question=_("Step down as coordinator of %(community)s?") % {"community": community.name}
        if itself
        else _("Remove %(name)s's coordinator role?") % {"name": name},
        detail=_("You stay a member, but can no longer manage members, meetings or settings.")
        if itself
        else _("%(name)s stays a member, but can no longer manage the community.")
        % {"name": name},
        button=_("Step down") if itself else _("Remove coordinator role"),
        cancel_url=back,
        hidden={"next": back},
        community=community,
    )  # fmt: skip


@authorizes("cop.manage_members")
@login_required
def community_invite(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    authorize(request.user, "cop.manage_members", community)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sent, problems = [], []
        for email in form.cleaned_data["emails"]:
            try:
                community_services.invite(
                    community=community,
                    by=request.user,
                    email=email,
                    message=form.cleaned_data["message"],
                )
            except ValidationError as error:
                problems.append(_error_text(error))
            else:
                sent.append(email)
        if sent:
            messages.success(
                request, _("Invitations sent to %(emails)s.") % {"emails": ", ".join(sent)}
            )
        for problem in problems:
            messages.warning(request, problem)
        return redirect("community_invite", slug=community.slug)
    invitations = community.invitations.filter(status=InvitationStatus.PENDING).select_related(
        "invited_by"
    )[:100]
    return render(
        request,
        "cop/community_invite.html",
        _community_context(request, community, form=form, invitations=invitations),
    )


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link. Visitors are sent to sign up or log in and come back here."""
    try:
        invitation = community_services.invitation_from_token(token)
    except ValidationError as error:
        return render(
            request, "cop/invitation_invalid.html", {"reason": _error_text(error)}, status=400
        )
    here = reverse("accept_invitation", kwargs={"token": token})
    if request.user.is_authenticated and request.method == "POST":
        try:
            membership = community_services.accept_invitation(token=token, user=request.user)
        except ValidationError as error:
            if getattr(error, "code", None) != "address":
                return render(
                    request,
                    "cop/invitation_invalid.html",
                    {"reason": _error_text(error)},
                    status=400,
                )
            messages.error(request, _error_text(error))
        else:
            forget_memberships(request.user)
            messages.success(
                request, _("Welcome to %(name)s!") % {"name": membership.community.name}
            )
            return redirect(membership.community)
    address_ok = address_unverified = False
    if request.user.is_authenticated:
        address = EmailAddress.objects.filter(
            user=request.user, email__iexact=invitation.email
        ).first()
        address_ok = address is not None and address.verified
        address_unverified = address is not None and not address.verified
    return render(
        request,
        "cop/invitation_accept.html",
        {
            "invitation": invitation,
            "community": invitation.community,
            "next": here,
            "address_ok": address_ok,
            "address_unverified": address_unverified,
        },
    )
