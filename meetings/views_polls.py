"""Pages of scheduling polls, under /c/<slug>/meetings/polls/: the list, a new poll,
and one poll where members vote and coordinators turn the best slot into a meeting.
Every slot is shown in the viewer's own zone."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cop.confirm import confirmation
from cop.permissions import allowed, authorize, authorizes
from cop.selectors.communities import access_community
from cop.views.support import act, add_refusal, community_context, community_for

from . import polls, selectors
from .enums import PollAnswer
from .forms import PollForm, PollVoteForm


def _poll_for(request, slug, poll_id, permission: str):
    """The poll (404 when the viewer cannot see it), 403 without `permission` on it."""
    poll = selectors.access_poll(request.user, slug, poll_id)
    authorize(request.user, permission, poll)
    return poll


def _context(request, community, **extra) -> dict:
    """A poll page's context: slots are shown in the viewer's zone."""
    return community_context(
        request, community, zone_name=timezone.get_current_timezone_name(), **extra
    )


@authorizes("cop.view_community")
def poll_list(request: HttpRequest, slug: str) -> HttpResponse:
    community = access_community(request.user, slug)
    context = _context(
        request,
        community,
        polls=selectors.community_polls(community),
        can_create=allowed(request.user, "meetings.create_poll", community),
    )
    return render(request, "meetings/poll_list.html", context)


@authorizes("meetings.create_poll")
@login_required
@require_http_methods(["GET", "POST"])
def poll_create(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_for(request, slug, "meetings.create_poll")
    form = PollForm(
        request.POST or None,
        initial={"timezone": timezone.get_current_timezone_name(), "kind": "regular"},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            poll = polls.create_poll(
                community=community,
                by=request.user,
                title=data["title"],
                kind=data["kind"],
                description=data["description"],
                duration_minutes=data["duration_minutes"],
                timezone_name=data["timezone"],
                slots=polls.local_slots(data["slots"], data["timezone"]),
            )
        except ValidationError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, _("The poll is open: members can now vote."))
            return redirect(poll)
    return render(request, "meetings/poll_form.html", _context(request, community, form=form))


@authorizes("cop.view_community")
def poll_detail(request: HttpRequest, slug: str, poll_id: int) -> HttpResponse:
    poll = selectors.access_poll(request.user, slug, poll_id)
    view = selectors.poll_view(poll, request.user)
    context = _context(
        request,
        poll.community,
        poll=poll,
        view=view,
        answers=PollAnswer,
        can_vote=allowed(request.user, "meetings.vote_poll", poll),
        can_decide=allowed(request.user, "meetings.decide_poll", poll),
    )
    return render(request, "meetings/poll_detail.html", context)


@authorizes("meetings.vote_poll")
@login_required
@require_POST
def poll_vote(request: HttpRequest, slug: str, poll_id: int) -> HttpResponse:
    poll = _poll_for(request, slug, poll_id, "meetings.vote_poll")
    form = PollVoteForm(request.POST, slots=list(poll.slots.all()))
    if not form.is_valid():
        messages.error(request, _("Answer yes, if need be or no."))
        return redirect(poll)
    act(
        request,
        lambda: polls.vote(
            poll=poll,
            user=request.user,
            answers=form.answers(),
            rsvp_if_chosen=form.cleaned_data["rsvp_if_chosen"],
        ),
        success=_("Thank you: your answers are saved."),
    )
    return redirect(poll)


@authorizes("meetings.decide_poll")
@login_required
@require_POST
def poll_schedule(request: HttpRequest, slug: str, poll_id: int) -> HttpResponse:
    poll = _poll_for(request, slug, poll_id, "meetings.decide_poll")
    raw = request.POST.get("slot", "")
    slot = get_object_or_404(poll.slots, pk=int(raw)) if raw.isdigit() and len(raw) < 19 else None
    if slot is None:
        messages.error(request, _("Choose a slot."))
        return redirect(poll)
    done = act(
        request,
        lambda: polls.schedule_from_poll(poll=poll, slot=slot, by=request.user),
        success=_("The meeting is scheduled."),
    )
    return redirect(done.result if done else poll)


@login_required
@require_http_methods(["GET", "POST"])
@authorizes("meetings.decide_poll")
def poll_close(request: HttpRequest, slug: str, poll_id: int) -> HttpResponse:
    """GET: a confirmation page (closing cannot be undone). POST: close the poll."""
    poll = _poll_for(request, slug, poll_id, "meetings.decide_poll")
    if request.method != "POST":
        return confirmation(
            request,
            question=_("Close the poll “%(title)s” without a meeting?") % {"title": poll.title},
            detail=_(
                "Members can no longer answer, and no meeting is made from it. A closed "
                "poll cannot be opened again."
            ),
            button=_("Close the poll"),
            cancel_url=poll.get_absolute_url(),
            community=poll.community,
        )
    act(
        request,
        lambda: polls.close_poll(poll=poll, by=request.user),
        success=_("The poll is closed; no meeting was made from it."),
    )
    return redirect(poll)
