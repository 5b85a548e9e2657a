"""The feedback page of a meeting: attendees give theirs, hosts and coordinators read
the summary. /c/<slug>/meetings/<id>/feedback/"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cop.permissions import allowed, authorizes, refusal
from cop.rules import membership_of

from . import feedback, selectors
from .forms import FeedbackForm
from .models import MeetingFeedback


@authorizes("meetings.view_meeting")
@login_required
@require_http_methods(["GET", "POST"])
def meeting_feedback(request: HttpRequest, slug: str, meeting_id: int) -> HttpResponse:
    meeting = selectors.access_meeting(request.user, slug, meeting_id)
    can_give = allowed(request.user, "meetings.give_feedback", meeting)
    can_read = allowed(request.user, "meetings.view_feedback", meeting)
    if not can_give and not can_read:
        raise PermissionDenied(refusal("meetings.give_feedback"))
    mine = (
        MeetingFeedback.objects.filter(meeting=meeting, user=request.user).first()
        if can_give
        else None
    )
    initial = {"rating": mine.rating, "keep": mine.keep, "change": mine.change} if mine else {}
    form = FeedbackForm(request.POST or None, initial=initial) if can_give else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(refusal("meetings.give_feedback"))
        if form.is_valid():
            try:
                feedback.give_feedback(meeting=meeting, user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Thank you for your feedback."))
                return redirect("meetings:feedback", slug=slug, meeting_id=meeting.pk)
    context = {
        "community": meeting.community,
        "membership": membership_of(request.user, meeting.community),
        "meeting": meeting,
        "form": form,
        "mine": mine,
        "summary": feedback.summary(meeting) if can_read else None,
        "zone_name": timezone.get_current_timezone_name(),
    }
    return render(request, "meetings/feedback.html", context)
