"""Pages reached from a meeting's emails without signing in, and the hosts' guest list.

- /meetings/answer/<token>/: a one-click answer. GET shows what the link would do
  and a button; only the POST changes the answer (mail scanners follow links).
- /meetings/guest/<token>/: a guest's page of their one meeting: its details, the
  speakers, their answer, joining the community. Nothing else of the community.
- /c/<slug>/meetings/<id>/guests/: hosts invite guests and mark speakers.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cop.permissions import allowed, authorize, authorizes
from cop.views.support import add_refusal, error_text

from . import guests as guest_services
from . import selectors, services
from .enums import RSVPAnswer
from .forms import GuestForm, GuestSpeakerForm, RSVPForm
from .links import read_guest_token, read_rsvp_token
from .models import RSVP, MeetingGuest
from .rules import is_guest, is_member_of_meetings_community
from .views import managed_meeting


def _invalid(request, reason: str, *, status: int = 400) -> HttpResponse:
    return render(request, "meetings/link_invalid.html", {"reason": reason}, status=status)


def _from_token(read):
    """The view gets what the URL's token names (and the token); a bad or expired token
    gets the invalid-link page instead."""

    def decorator(view):
        @wraps(view)
        def page(request: HttpRequest, token: str) -> HttpResponse:
            try:
                found = read(token)
            except ValidationError as exc:
                return _invalid(request, error_text(exc))
            return view(request, found, token)

        return page

    return decorator


def _answer(meeting, person, answer: str) -> tuple[RSVP | None, str]:
    """Answer for `person` as the link or the guest page asks: the RSVP, or the refusal."""
    try:
        authorize(person, "meetings.rsvp", meeting)
        return services.rsvp(meeting=meeting, user=person, answer=answer), ""
    except ValidationError as exc:
        return None, error_text(exc)
    except PermissionDenied as exc:
        return None, str(exc)


@authorizes("meetings.rsvp")
@require_http_methods(["GET", "POST"])
@_from_token(read_rsvp_token)
def rsvp_link(request: HttpRequest, link, token: str) -> HttpResponse:
    """A one-click answer from an email: confirm on GET, answer on POST."""
    meeting, person = link.meeting, link.user
    if not (is_member_of_meetings_community | is_guest)(person, meeting):
        return _invalid(request, _("You can no longer answer for this meeting."), status=403)
    done, error = None, ""
    if request.method == "POST":
        done, error = _answer(meeting, person, link.answer)
    current = done or RSVP.objects.filter(meeting=meeting, user=person).first()
    context = {
        "meeting": meeting,
        "person": person,
        "answer": RSVPAnswer(link.answer),
        "current": current,
        "position": services.waitlist_position(current) if current else None,
        "done": done is not None,
        "error": error,
        "can_answer": allowed(person, "meetings.rsvp", meeting) and not meeting.has_started,
        "zone_name": person.timezone or meeting.timezone,
    }
    return render(request, "meetings/rsvp_link.html", context, status=400 if error else 200)


@authorizes("meetings.rsvp")
@require_http_methods(["GET", "POST"])
@_from_token(read_guest_token)
def guest_page(request: HttpRequest, guest, token: str) -> HttpResponse:
    """A guest's own page of their meeting; POST answers or joins the community."""
    meeting = guest.meeting
    error = ""
    if request.method == "POST":
        if "join" in request.POST:
            try:
                membership = guest_services.join_from_guest(guest=guest)
            except ValidationError as exc:
                error = error_text(exc)
            else:
                return render(
                    request,
                    "meetings/guest_joined.html",
                    {
                        "meeting": meeting,
                        "community": meeting.community,
                        "membership": membership,
                        "has_password": guest.user.has_usable_password(),
                    },
                )
        else:
            form = RSVPForm(request.POST)
            if not form.is_valid():
                error = _("Choose going, maybe or not going.")
            else:
                _done, error = _answer(meeting, guest.user, form.cleaned_data["answer"])
            if not error:
                return redirect("meetings:guest", token=token)
    mine = RSVP.objects.filter(meeting=meeting, user=guest.user).first()
    context = {
        "guest": guest,
        "meeting": meeting,
        "community": meeting.community,
        "speakers": selectors.speakers(meeting),
        "hosts": list(meeting.hosts.all()),
        "mine": mine,
        "position": services.waitlist_position(mine) if mine else None,
        "answers": RSVPAnswer,
        "error": error,
        "zone_name": guest.user.timezone or meeting.timezone,
        "token": token,
    }
    return render(request, "meetings/guest_page.html", context, status=400 if error else 200)


@authorizes("meetings.manage_guests")
@login_required
@require_http_methods(["GET", "POST"])
def meeting_guests(request: HttpRequest, slug: str, meeting_id: int) -> HttpResponse:
    """Hosts invite guests by email and see who they invited and what they answered."""
    meeting = managed_meeting(request, slug, meeting_id, "meetings.manage_guests")
    form = GuestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            guest = guest_services.invite_guest(
                meeting=meeting, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, _("%(email)s is invited.") % {"email": guest.email})
            return redirect("meetings:guests", slug=slug, meeting_id=meeting.pk)
    context = {
        "community": meeting.community,
        "meeting": meeting,
        "form": form,
        "guests": selectors.meeting_guests(meeting),
        "zone_name": meeting.timezone,
    }
    return render(request, "meetings/guests.html", context)


@authorizes("meetings.manage_guests")
@login_required
@require_http_methods(["POST"])
def guest_change(request: HttpRequest, slug: str, meeting_id: int, guest_id: int) -> HttpResponse:
    """Mark a guest as speaker with a bio, or withdraw their invitation."""
    meeting = managed_meeting(request, slug, meeting_id, "meetings.manage_guests")
    guest = get_object_or_404(MeetingGuest, pk=guest_id, meeting=meeting)
    if "withdraw" in request.POST:
        guest_services.withdraw_guest(guest=guest, by=request.user)
        messages.success(request, _("The invitation is withdrawn."))
    else:
        form = GuestSpeakerForm(request.POST)
        if form.is_valid():
            guest_services.update_guest(guest=guest, by=request.user, **form.cleaned_data)
            messages.success(request, _("Saved."))
        else:
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("meetings:guests", slug=slug, meeting_id=meeting.pk)
