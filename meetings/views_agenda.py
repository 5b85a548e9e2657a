"""Agenda suggestions for a meeting's hosts: /c/<slug>/meetings/<id>/agenda/suggestions/.

The suggestions come from `cop.extensions.agenda_suggestions` (the knowledge app fills
it; meetings never imports knowledge). Accepting posts a suggestion's key: the view
finds it again among those offered to this host, so nothing else can be posted in its
name, and calls `services.accept_agenda_suggestion`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cop.extensions import agenda_suggestions
from cop.permissions import authorizes
from cop.rules import membership_of

from . import services
from .enums import MeetingStatus
from .views import managed_meeting

MAX_KEY_LENGTH = 60


def agenda_is_open(meeting) -> bool:
    return meeting.status == MeetingStatus.SCHEDULED and not meeting.has_started


@login_required
@require_http_methods(["GET", "POST"])
@authorizes("meetings.change_meeting")
def agenda_suggestions_page(request: HttpRequest, slug: str, meeting_id: int) -> HttpResponse:
    meeting = managed_meeting(request, slug, meeting_id, "meetings.change_meeting")
    is_open = agenda_is_open(meeting)
    suggestions = agenda_suggestions(user=request.user, meeting=meeting) if is_open else []
    if request.method == "POST":
        key = request.POST.get("key", "")[:MAX_KEY_LENGTH]
        chosen = next((s for s in suggestions if s.key == key), None)
        if chosen is None:
            messages.error(request, _("That suggestion is no longer offered."))
            return redirect("meetings:agenda_suggestions", slug=slug, meeting_id=meeting.pk)
        try:
            services.accept_agenda_suggestion(meeting=meeting, by=request.user, suggestion=chosen)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("meetings:agenda_suggestions", slug=slug, meeting_id=meeting.pk)
        messages.success(request, _("“%(title)s” is on the agenda.") % {"title": chosen.title})
        return redirect("meetings:agenda_suggestions", slug=slug, meeting_id=meeting.pk)
    return render(
        request,
        "meetings/agenda_suggestions.html",
        {
            "community": meeting.community,
            "membership": membership_of(request.user, meeting.community),
            "meeting": meeting,
            "suggestions": suggestions,
            "is_open": is_open,
        },
    )
