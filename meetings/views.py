"""Views of the meetings app: thin, each authorises, calls one service or selector and
renders. Community pages live under /c/<slug>/meetings/, the personal ones under
/meetings/."""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from cop.confirm import confirmation
from cop.next_url import safe_next
from cop.permissions import allowed, authorize, authorizes, permission_required
from cop.selectors.communities import access_community
from cop.selectors.conversation import comment_context
from cop.views.support import act, community_context, community_for, error_text, submit

from . import cohosts, listing, selectors, services
from .enums import EditScope, MeetingStatus, RSVPAnswer, SeriesStatus
from .forms import (
    AgendaItemForm,
    AgendaStatusForm,
    AttendanceForm,
    CancelForm,
    EditMeetingForm,
    MeetingForm,
    NotesForm,
    RSVPForm,
    SeriesForm,
)
from .ical import calendar_for
from .models import AgendaItem
from .recurrence import describe_rule, last_occurrence, occurrence_window
from .rules import (
    can_manage_meeting,
    can_propose_agenda_item,
    can_rsvp,
    can_schedule_meeting,
    can_vote_agenda_item,
)

CALENDAR_FIRST_YEAR = 1970
CALENDAR_YEARS_AHEAD = 11


def _community_context(request, community, **extra) -> dict:
    return community_context(
        request, community, zone_name=timezone.get_current_timezone_name(), **extra
    )


def _meeting_form_page(request, template: str, meeting, form) -> HttpResponse:
    return render(
        request,
        template,
        _community_context(request, meeting.community, form=form, meeting=meeting),
    )


def _viewer_zone(request) -> str:
    return timezone.get_current_timezone_name()


# --- community pages -----------------------------------------------------------------------


@authorizes("cop.view_community")
def community_meetings(request: HttpRequest, slug: str) -> HttpResponse:
    """The Meetings tab: upcoming and past meetings and a month calendar."""
    community = access_community(request.user, slug)
    today = timezone.localdate()
    try:
        year, month = (int(x) for x in request.GET.get("month", "").split("-"))
        date(year, month, 1)
    except ValueError:
        year, month = today.year, today.month
    # Months at the ends of the calendar (year 1, 9999) cannot be laid out or converted
    # between zones: the calendar stays within the years meetings can be in.
    year = min(max(year, CALENDAR_FIRST_YEAR), today.year + CALENDAR_YEARS_AHEAD)
    tab = selectors.meetings_tab(community, request.user, year=year, month=month)
    context = _community_context(
        request,
        community,
        tab=tab,
        list_scope=listing.list_scope(community.pk),
        network=listing.NETWORK,
        weekday_names=[(WEEKDAYS_ABBR[i], WEEKDAYS[i]) for i in range(7)],
        can_schedule=can_schedule_meeting(request.user, community),
        series_list=selectors.community_series(community)
        if can_schedule_meeting(request.user, community)
        else [],
    )
    return render(request, "meetings/community_meetings.html", context)


def _service_fields(data: dict, *names: str) -> dict:
    """The form's answers for the scheduling services: what a meeting and a series
    share (`services.SERIES_FIELDS`, the hosts, the time zone as `timezone_name`) and
    `names`."""
    return {
        "timezone_name": data["timezone"],
        **{name: data[name] for name in (*services.SERIES_FIELDS, "hosts", *names)},
    }


def _members(community):
    return selectors.active_members(community)


@authorizes("meetings.add_meeting")
@login_required
def schedule_meeting(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_for(request, slug, "meetings.add_meeting")
    form = MeetingForm(
        request.POST or None,
        members=_members(community),
        cohost_choices=cohosts.cohost_choices(community),
        initial={"timezone": _viewer_zone(request), "hosts": [request.user], "kind": "regular"},
    )
    done = submit(
        request,
        form,
        lambda data: services.schedule_meeting(
            community=community,
            by=request.user,
            cohosts=list(data.get("cohosts") or ()),
            **_service_fields(data, "starts_at", "ends_at", "agenda"),
        ),
        success=_("The meeting is scheduled."),
    )
    if done:
        return redirect(done.result)
    return render(
        request,
        "meetings/meeting_form.html",
        _community_context(request, community, form=form, heading=_("Schedule a meeting")),
    )


@authorizes("meetings.add_series")
@login_required
def create_series(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_for(request, slug, "meetings.add_series")
    form = SeriesForm(
        request.POST or None,
        members=_members(community),
        initial={
            "timezone": _viewer_zone(request),
            "hosts": [request.user],
            "frequency": "weekly",
            "interval": 1,
            "end": "never",
            "duration_minutes": 60,
            "kind": "regular",
            "starts_on": timezone.localdate(),
        },
    )
    done = submit(
        request,
        form,
        lambda data: services.create_series(
            community=community,
            by=request.user,
            **_service_fields(data, "rrule", "starts_on", "start_time", "duration_minutes"),
        ),
        success=lambda series: (
            _("The series is set up: %(n)s meetings are scheduled.")
            % {"n": series.meetings.count()}
        ),
    )
    if done:
        return redirect(done.result)
    return render(
        request,
        "meetings/series_form.html",
        _community_context(request, community, form=form),
    )


@authorizes("cop.view_community")
def series_detail(request: HttpRequest, slug: str, series_id: int) -> HttpResponse:
    series = selectors.access_series(request.user, slug, series_id)
    community = series.community
    can_manage = can_schedule_meeting(request.user, community) or any(
        h.pk == request.user.pk for h in series.hosts.all()
    )
    meetings = selectors.series_meetings(series, request.user)
    ends_on = last_occurrence(
        series.rrule, starts_on=series.starts_on, start_time=series.start_time
    )
    return render(
        request,
        "meetings/series_detail.html",
        _community_context(
            request,
            community,
            series=series,
            rule_text=describe_rule(series.rrule),
            ends_on=ends_on,
            # "Confirmed until" means something only short of the series' own end.
            show_confirmed_until=series.status == SeriesStatus.ACTIVE
            and (ends_on is None or series.confirmed_until < ends_on),
            meetings=meetings,
            can_manage=can_manage,
        ),
    )


@authorizes("meetings.add_series")
def series_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The next dates a series form would give, for the live preview on the form (a
    fragment; coordinators only). Only the recurrence and time fields are read."""
    community = community_for(request, slug, "meetings.add_series")
    data = request.GET.copy()
    data["title"] = data["location"] = "-"  # not part of the rhythm
    data["kind"] = "regular"
    data.pop("online_url", None)
    data.pop("capacity", None)
    form = SeriesForm(data, members=_members(community))
    form.fields["hosts"].required = False
    dates, errors = [], []
    if form.is_valid():
        cleaned = form.cleaned_data
        first = max(cleaned["starts_on"], timezone.localdate())
        window = occurrence_window(
            cleaned["rrule"],
            starts_on=cleaned["starts_on"],
            start_time=cleaned["start_time"],
            duration=timedelta(minutes=cleaned["duration_minutes"]),
            tz_name=cleaned["timezone"],
            after=first,
            until=first + timedelta(days=400),
        )
        dates = [start for _day, start, _end in window[:5]]
        zone = cleaned["timezone"]
    else:
        recurrence = {"frequency", "interval", "weekdays", "nth", "weekday", "monthday",
                      "starts_on", "start_time", "duration_minutes", "timezone", "end",
                      "until", "count"}  # fmt: skip
        errors = [
            f"{form.fields[name].label}: {e}" if name in form.fields else e
            for name, es in form.errors.items()
            if name in recurrence | {"__all__"}
            for e in es
        ]
        zone = ""
    return render(
        request,
        "meetings/_series_preview.html",
        {"dates": dates, "errors": errors, "zone": zone},
    )


def _series_manager(request, slug, series_id):
    series = selectors.access_series(request.user, slug, series_id)
    authorize(request.user, "meetings.change_series", series)
    return series


@authorizes("meetings.change_series")
@login_required
@require_POST
def confirm_series(request: HttpRequest, slug: str, series_id: int) -> HttpResponse:
    series = _series_manager(request, slug, series_id)
    act(
        request,
        lambda: services.confirm_series(series=series, by=request.user),
        success=_("Thank you: the series keeps running."),
    )
    return redirect(series)


@authorizes("meetings.change_series")
@login_required
@require_http_methods(["GET", "POST"])
def end_series(request: HttpRequest, slug: str, series_id: int) -> HttpResponse:
    """GET asks for confirmation; POST ends the series."""
    series = _series_manager(request, slug, series_id)
    if request.method == "GET":
        upcoming = series.meetings.filter(
            status=MeetingStatus.SCHEDULED, starts_at__gt=timezone.now()
        ).count()
        return confirmation(
            request,
            question=_("End the series “%(title)s”?") % {"title": series.title},
            detail=ngettext(
                "Its %(n)d future meeting is cancelled and everyone who answered is told. "
                "This cannot be undone: a new series would have to be started.",
                "Its %(n)d future meetings are cancelled and everyone who answered is told. "
                "This cannot be undone: a new series would have to be started.",
                upcoming,
            )
            % {"n": upcoming},
            button=_("End the series"),
            cancel_url=series.get_absolute_url(),
            community=series.community,
        )
    services.end_series(series=series, by=request.user)
    messages.success(request, _("The series has ended; its future meetings are cancelled."))
    return redirect(series)


# --- one meeting ---------------------------------------------------------------------------


def _detail_context(request, meeting) -> dict:
    view = selectors.meeting_view(meeting, request.user)
    user = request.user
    return _community_context(
        request,
        meeting.community,
        meeting=meeting,
        view=view,
        can_rsvp=can_rsvp(user, meeting) and not meeting.has_started,
        can_manage=can_manage_meeting(user, meeting),
        can_propose=can_propose_agenda_item(user, meeting) and not meeting.has_started,
        can_vote=can_vote_agenda_item(user, meeting) and not meeting.has_started,
        agenda_form=AgendaItemForm(),
        answers=RSVPAnswer,
        attended=user.is_authenticated and any(a.user_id == user.pk for a in view.attendances),
    )


@authorizes("meetings.view_meeting")
def meeting_detail(request: HttpRequest, slug: str, meeting_id: int) -> HttpResponse:
    meeting = selectors.access_meeting(request.user, slug, meeting_id)
    context = _detail_context(request, meeting)
    # Stories members told from this meeting (the knowledge app links them here).
    context["stories"] = list(
        meeting.stories.filter(deleted_at__isnull=True).select_related("author")[:20]
    )
    context["speakers"] = selectors.speakers(meeting)
    context["cohosts"] = list(cohosts.shown_cohosts(request.user).filter(meeting=meeting))
    context.update(comment_context(request, meeting))
    return render(request, "meetings/meeting_detail.html", context)


@authorizes("meetings.rsvp", "meetings.view_meeting")
@login_required
@require_POST
def rsvp(request: HttpRequest, slug: str, meeting_id: int) -> HttpResponse:
    """Answer for a meeting. With HTMX the RSVP panel is re-rendered in place; without
    JavaScript the browser is sent back to the meeting page."""
    meeting = selectors.access_meeting(request.user, slug, meeting_id)
    form = RSVPForm(request.POST)
    error = ""
    if not form.is_valid():
        error = _("Choose going, maybe or not going.")
    elif not allowed(request.user, "meetings.rsvp", meeting):
        error = _("Only members of the community can answer. Join it first.")
    else:
        try:
            services.rsvp(meeting=meeting, user=request.user, answer=form.cleaned_data["answer"])
        except ValidationError as exc:
            error = error_text(exc)
    if request.htmx:
        context = _detail_context(request, meeting)
        context["rsvp_error"] = error
        # 200 even with an error: HTMX swaps only successful responses, and the panel
        # carries the message.
        # The list of who is coming changes too: sent along out of band.
        return HttpResponse(
            render_to_string("meetings/_rsvp.html", context, request=request)
            + render_to_string(
                "meetings/_whos_coming.html", {**context, "oob": True}, request=request
            )
        )
    if error:
        messages.error(request, error)
    return redirect(meeting)


def managed_meeting(request, slug, meeting_id, permission: str):
    """The meeting, 404 when the viewer cannot see it, 403 without `permission` on it."""
    meeting = selectors.access_meeting(request.user, slug, meeting_id)
    authorize(request.user, permission, meeting)
    return meeting


@authorizes("meetings.change_meeting")
@login_required
def edit_meeting(request: HttpRequest, slug: str, meeting_id: int) -> HttpResponse:
    meeting = managed_meeting(request, slug, meeting_id, "meetings.change_meeting")
    community = meeting.community
    choices = cohosts.cohost_choices(community)
    form = EditMeetingForm(
        request.POST or None,
        meeting=meeting,
        members=_members(community),
        cohost_choices=choices,
        initial={
            **MeetingForm.initial_for(meeting),
            "scope": EditScope.THIS,
            "cohosts": [c.pk for c in cohosts.cohosts_of(meeting)] if choices else [],
        },
    )
    if submit(
        request,
        form,
        lambda data: services.edit_meeting(
            meeting=meeting,
            by=request.user,
            scope=data.get("scope") or EditScope.THIS,
            hosts=data["hosts"],
            cohosts=data.get("cohosts"),
            **{key: data[key] for key in services.MEETING_FIELDS},
        ),
        success=_("The meeting is saved."),
    ):
        return redirect(meeting)
    return render(
        request,
        "meetings/meeting_form.html",
        _community_context(
            request, community, form=form, meeting=meeting, heading=_("Edit the meeting")
        ),
    )


@authorizes("meetings.change_meeting")
@login_required
def cancel_meeting(request: HttpRequest, slug: str, meeting_id: int) -> HttpResponse:
    meeting = managed_meeting(request, slug, meeting_id, "meetings.change_meeting")
    form = CancelForm(request.POST or None)
    if submit(
        request,
        form,
        lambda data: services.cancel_meeting(
            meeting=meeting, by=request.user, reason=data["reason"]
        ),
        success=_("The meeting is cancelled; everyone who answered is told."),
    ):
        return redirect(meeting)
    return _meeting_form_page(request, "meetings/meeting_cancel.html", meeting, form)


@authorizes("meetings.propose_agenda_item")
@login_required
@require_POST
def propose_agenda_item(request: HttpRequest, slug: str, meeting_id: int) -> HttpResponse:
    meeting = managed_meeting(request, slug, meeting_id, "meetings.propose_agenda_item")
    form = AgendaItemForm(request.POST)
    if form.is_valid():
        act(
            request,
            lambda: services.propose_agenda_item(
                meeting=meeting, by=request.user, **form.cleaned_data
            ),
            success=_("Thank you: your topic is proposed."),
        )
    else:
        messages.error(request, _("Say what the topic is (200 characters at most)."))
    return redirect(meeting.get_absolute_url() + "#agenda")


@authorizes("meetings.propose_agenda_item")
@login_required
@require_POST
def propose_problem(request: HttpRequest, slug: str) -> HttpResponse:
    """From a problem's page: put the problem on an upcoming meeting's agenda."""

    community = access_community(request.user, slug)
    problem_id, meeting_id = request.POST.get("problem", ""), request.POST.get("meeting", "")
    if not (
        problem_id.isdigit() and meeting_id.isdigit() and max(len(problem_id), len(meeting_id)) < 19
    ):
        messages.error(request, _("Choose a meeting."))
        return redirect(safe_next(request, community.get_absolute_url()))
    meeting = managed_meeting(request, slug, int(meeting_id), "meetings.propose_agenda_item")
    try:
        services.propose_agenda_item(meeting=meeting, by=request.user, problem_id=int(problem_id))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect(safe_next(request, community.get_absolute_url()))
    messages.success(
        request,
        _("The problem is proposed for “%(meeting)s”.") % {"meeting": meeting.title},
    )
    return redirect(meeting.get_absolute_url() + "#agenda")


def _managed_item(request, slug, meeting_id, item_id, permission: str):
    """The meeting (as managed_meeting) and its agenda item (404 when not its own)."""
    meeting = managed_meeting(request, slug, meeting_id, permission)
    return meeting, get_object_or_404(AgendaItem, pk=item_id, meeting=meeting)


def _agenda_answer(request, meeting) -> HttpResponse:
    """With HTMX the agenda re-rendered in place; without, back to it on the page."""
    if request.htmx:
        return render(request, "meetings/_agenda.html", _detail_context(request, meeting))
    return redirect(meeting.get_absolute_url() + "#agenda")


@authorizes("meetings.vote_agenda_item")
@login_required
@require_POST
def vote_agenda_item(request: HttpRequest, slug: str, meeting_id: int, item_id: int):
    meeting, item = _managed_item(request, slug, meeting_id, item_id, "meetings.vote_agenda_item")
    services.vote_agenda_item(item=item, user=request.user, vote=request.POST.get("vote") != "0")
    return _agenda_answer(request, meeting)


@authorizes("meetings.change_meeting")
@login_required
@require_POST
def agenda_item_status(request: HttpRequest, slug: str, meeting_id: int, item_id: int):
    meeting, item = _managed_item(request, slug, meeting_id, item_id, "meetings.change_meeting")
    form = AgendaStatusForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Unknown status."), status=400)
    services.set_agenda_item_status(item=item, by=request.user, status=form.cleaned_data["status"])
    return _agenda_answer(request, meeting)


@authorizes("meetings.change_meeting")
@login_required
@require_POST
def move_agenda_item(request: HttpRequest, slug: str, meeting_id: int, item_id: int):
    meeting, item = _managed_item(request, slug, meeting_id, item_id, "meetings.change_meeting")
    try:
        services.move_agenda_item(item=item, by=request.user, up=request.POST.get("up") == "1")
    except ValidationError as exc:
        return HttpResponse(error_text(exc), status=400)
    return _agenda_answer(request, meeting)


@authorizes("meetings.change_meeting")
@login_required
def attendance(request: HttpRequest, slug: str, meeting_id: int) -> HttpResponse:
    meeting = managed_meeting(request, slug, meeting_id, "meetings.change_meeting")
    members = _members(meeting.community)
    answered = members.filter(meeting_rsvps__meeting=meeting).distinct()
    others = members.exclude(meeting_rsvps__meeting=meeting)
    marked = list(meeting.attendances.values_list("user_id", "walk_in"))
    form = AttendanceForm(
        request.POST or None,
        answered=answered,
        others=others,
        initial={
            "attendees": [uid for uid, walk_in in marked if not walk_in]
            or list(
                answered.filter(
                    meeting_rsvps__meeting=meeting,
                    meeting_rsvps__answer=RSVPAnswer.GOING,
                    meeting_rsvps__waitlisted=False,
                ).values_list("pk", flat=True)
            ),
            "walk_ins": [uid for uid, walk_in in marked if walk_in],
        },
    )
    if submit(
        request,
        form,
        lambda data: services.mark_attendance(
            meeting=meeting, by=request.user, attendees=data["attendees"], walk_ins=data["walk_ins"]
        ),
        success=_("Attendance is saved. Thank you for hosting."),
    ):
        return redirect(meeting)
    return _meeting_form_page(request, "meetings/attendance.html", meeting, form)


@authorizes("meetings.change_meeting")
@login_required
def notes(request: HttpRequest, slug: str, meeting_id: int) -> HttpResponse:
    meeting = managed_meeting(request, slug, meeting_id, "meetings.change_meeting")
    form = NotesForm(request.POST or None, initial={"notes": meeting.notes})
    if submit(
        request,
        form,
        lambda data: services.write_notes(meeting=meeting, by=request.user, notes=data["notes"]),
        success=_("The notes are saved."),
    ):
        return redirect(meeting.get_absolute_url() + "#notes")
    return _meeting_form_page(request, "meetings/notes_form.html", meeting, form)


# --- calendar feeds ------------------------------------------------------------------------


def _ics(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@authorizes("meetings.view_meeting")
def meeting_ics(request: HttpRequest, slug: str, meeting_id: int) -> HttpResponse:
    meeting = selectors.access_meeting(request.user, slug, meeting_id)
    body = calendar_for([meeting], name=meeting.title)
    return _ics(body, f"{slugify(meeting.title) or 'meeting'}-{meeting.pk}.ics")


@authorizes("cop.view_community")
def community_ics(request: HttpRequest, slug: str) -> HttpResponse:
    """The community's feed: anyone for a public community; a private one is 404 to
    everyone but its members (and calendar apps subscribe without a session, so its
    members use their personal feed)."""
    community = access_community(request.user, slug)
    meetings = selectors.community_feed_meetings(community, request.user)
    body = calendar_for(meetings, name=community.name)
    return _ics(body, f"{community.slug}.ics")


def personal_ics(request: HttpRequest, token: str) -> HttpResponse:
    user = selectors.user_for_feed_token(token)
    body = calendar_for(
        selectors.personal_feed_meetings(user), name=_("%(name)s's meetings") % {"name": user.name}
    )
    return _ics(body, "copse-meetings.ics")


# --- personal pages ------------------------------------------------------------------------


@permission_required("cop.signed_in")
@login_required
def my_meetings(request: HttpRequest) -> HttpResponse:
    token = services.feed_token_for(user=request.user)
    feed_url = request.build_absolute_uri(reverse("meetings:personal_ics", args=[token.token]))
    return render(
        request,
        "meetings/my_meetings.html",
        {
            "meetings": selectors.my_meetings(request.user),
            "feed_url": feed_url,
            "zone_name": timezone.get_current_timezone_name(),
        },
    )


@permission_required("cop.signed_in")
@login_required
@require_POST
def revoke_feed(request: HttpRequest) -> HttpResponse:
    services.revoke_feed_token(user=request.user)
    messages.success(
        request,
        _("Your calendar feed has a new address; the old one no longer works."),
    )
    return redirect("meetings:mine")
