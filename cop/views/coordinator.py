"""Coordinator tools: bulk invitations, the outreach list with personal notes, the
sponsor report; and the thanks button members use on stories, answers and practices."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cop import content
from cop.forms.coordinator import (
    BulkInviteForm,
    OutreachFilterForm,
    PersonalNoteForm,
    ReportPeriodForm,
)
from cop.models import Membership
from cop.next_url import safe_next
from cop.permissions import authorize, authorizes
from cop.report import report_pdf, sponsor_report
from cop.services import invitations_bulk, outreach
from cop.services import thanks as thanks_services
from cop.views.dashboard import people_charts, section_views
from cop.views.support import community_context, community_for, error_text, submit


@login_required
@authorizes("cop.invite_members")
def bulk_invite(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the form. POST `step=preview`: every row valid or not, with its reason, and a
    confirm button carrying the list. POST `step=confirm`: invite the valid rows and show
    the result (a second confirm invites nobody twice)."""
    community = community_for(request, slug, "cop.invite_members")
    form = BulkInviteForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        confirm = request.POST.get("step") == "confirm"
        try:
            result = invitations_bulk.invite_many(
                community=community,
                by=request.user,
                rows=form.cleaned_data["parsed"],
                message=form.cleaned_data["message"],
                dry_run=not confirm,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # The preview carries what was uploaded as text, so confirming needs no file.
            form = BulkInviteForm(
                initial={"rows": form.cleaned_data["text"], "message": form.cleaned_data["message"]}
            )
    return render(
        request,
        "cop/invite_bulk.html",
        community_context(request, community, form=form, result=result),
    )


@login_required
@authorizes("cop.view_outreach")
def outreach_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Members quiet for N days, with their last contribution and last visit."""
    community = community_for(request, slug, "cop.view_outreach")
    filters = OutreachFilterForm(request.GET or None)
    days, by = outreach.DEFAULT_DAYS, "activity"
    if filters.is_bound and filters.is_valid():
        days = filters.cleaned_data["days"] or outreach.DEFAULT_DAYS
        by = filters.cleaned_data["by"] or "activity"
    after = request.GET.get("after", "")
    after = int(after) if after.isdigit() and len(after) < 19 else 0
    members, next_after = outreach.quiet_members(community=community, days=days, by=by, after=after)
    return render(
        request,
        "cop/outreach.html",
        community_context(
            request,
            community,
            filters=filters if filters.is_bound else OutreachFilterForm(),
            members=members,
            days=days,
            by=by,
            next_after=next_after,
            after=after,
        ),
    )


@login_required
@authorizes("cop.send_personal_note")
def personal_note(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    """Write a personal note to one member (GET the form, POST sends it)."""
    community = community_for(request, slug, "cop.send_personal_note")
    member = (
        Membership.objects.filter(pk=membership_id, community=community)
        .select_related("user")
        .only(
            "id", "community_id", "user__id", "user__display_name", "user__email", "user__is_active"
        )
        .first()
    )
    if member is None:
        raise Http404("No such member.")
    back = safe_next(request, reverse("outreach", kwargs={"slug": community.slug}))
    form = PersonalNoteForm(request.POST or None)
    if submit(
        request,
        form,
        lambda data: outreach.send_personal_note(
            community=community, by=request.user, recipient=member.user, body=data["body"]
        ),
        success=_("Your note to %(name)s was sent.") % {"name": member.user.name},
    ):
        return redirect(back)
    return render(
        request,
        "cop/personal_note.html",
        community_context(request, community, form=form, member=member, back=back),
    )


@login_required
@require_POST
@authorizes("cop.thank")
def toggle_thanks(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Thank the author of an item, or (`undo`) take the thanks back; back to the item."""
    found, obj = content.resolve(request.user, kind, pk)
    community = found.community(obj)
    authorize(request.user, "cop.thank", community)
    try:
        if request.POST.get("undo"):
            thanks_services.withdraw_thanks(user=request.user, key=kind, pk=obj.pk)
            messages.success(request, _("Your thanks was taken back."))
        else:
            thanks_services.thank(user=request.user, kind=found, obj=obj)
            messages.success(request, _("Thanks sent to the author."))
    except ValidationError as error:
        messages.error(request, error_text(error))
    return redirect(safe_next(request, found.url(obj)))


def _report_period(request: HttpRequest) -> tuple[ReportPeriodForm, tuple | None]:
    today = timezone.localdate()
    default = (today - timedelta(days=89), today)
    data = request.GET if "start" in request.GET or "end" in request.GET else None
    form = ReportPeriodForm(data, initial={"start": default[0], "end": default[1]})
    if data is None:
        return form, default
    if form.is_valid():
        return form, (form.cleaned_data["start"], form.cleaned_data["end"])
    return form, None


def _report_request(request: HttpRequest, slug: str):
    """The community (403 unless the viewer may see its sponsor report), the period
    form and the chosen dates (None while the form is invalid)."""
    community = community_for(request, slug, "cop.view_sponsor_report")
    return (community, *_report_period(request))


@login_required
@authorizes("cop.view_sponsor_report")
def sponsor_report_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The printable sponsor report for a chosen period (coordinators and staff)."""
    community, form, dates = _report_request(request, slug)
    report = charts = None
    if dates is not None:
        report = sponsor_report(community=community, start=dates[0], end=dates[1])
        charts = people_charts(report.data)
        form = ReportPeriodForm(initial={"start": dates[0], "end": dates[1]})
    return render(
        request,
        "cop/sponsor_report.html",
        community_context(
            request,
            community,
            form=form,
            report=report,
            charts=charts,
            dates=dates,
            period=report.period if report else None,
            sections=section_views(report.data) if report else [],
        ),
    )


@login_required
@authorizes("cop.view_sponsor_report")
def sponsor_report_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """The same report as a PDF download."""
    community, form, dates = _report_request(request, slug)
    if dates is None:
        return render(
            request,
            "cop/sponsor_report.html",
            community_context(request, community, form=form, report=None, charts=None, sections=[]),
            status=400,
        )
    report = sponsor_report(community=community, start=dates[0], end=dates[1])
    response = HttpResponse(report_pdf(report), content_type="application/pdf")
    name = f"{community.slug}-report-{dates[0]:%Y%m%d}-{dates[1]:%Y%m%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
