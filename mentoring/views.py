"""Pages of the mentoring app: thin views over the services and selectors."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cop.models import User
from cop.next_url import safe_next
from cop.permissions import allowed, authorize, authorizes
from cop.rules import membership_of
from cop.selectors.communities import access_community
from cop.views.support import act, error_text, submit

from . import selectors, services
from .enums import MentorshipStatus
from .forms import (
    AgreementForm,
    AssignForm,
    CheckInForm,
    CompleteForm,
    DeclineForm,
    ExtendForm,
    FeedbackForm,
    OfferForm,
    RequestForm,
    StepForm,
)
from .models import OnboardingStep


def _community(request: HttpRequest, slug: str):
    community = access_community(request.user, slug)
    return community, membership_of(request.user, community)


def _render(request, template, community, membership, **context) -> HttpResponse:
    return render(request, template, {"community": community, "membership": membership, **context})


@authorizes("cop.view_community")
def home(request: HttpRequest, slug: str) -> HttpResponse:
    """The Mentoring tab: mentors on offer, and the viewer's own requests and mentorships."""
    community, membership = _community(request, slug)
    context = {"mentors": list(selectors.mentor_directory(community))}
    if allowed(request.user, "mentoring.use_mentoring", community):
        context.update(
            offer=selectors.offer_of(request.user, community),
            my_requests=selectors.my_requests(request.user, community),
            inbox=selectors.inbox(request.user, community),
            as_mentee=selectors.mentorships_of(request.user, community, as_mentor=False),
            as_mentor=selectors.mentorships_of(request.user, community, as_mentor=True),
        )
    return _render(request, "mentoring/home.html", community, membership, **context)


@authorizes("mentoring.request_mentor")
@login_required
def find(request: HttpRequest, slug: str) -> HttpResponse:
    """Find a mentor: the explained ranking for the chosen topics and time zone, and the
    request form. "Show matches" re-ranks without sending anything."""
    community, membership = _community(request, slug)
    authorize(request.user, "mentoring.request_mentor", community)
    data = request.POST if request.method == "POST" else request.GET
    topic_ids = {int(t) for t in data.getlist("topics") if t.isdigit()}
    tz = data.get("timezone") or request.user.timezone
    candidates = services.rank_candidates(
        community=community,
        requester=request.user,
        topic_ids=topic_ids,
        timezone_name=tz,
    )
    sending = request.method == "POST" and "send" in request.POST
    initial = {"timezone": tz, "topics": sorted(topic_ids)}
    if sending:
        form = RequestForm(request.POST, community=community, candidates=candidates)
    else:
        initial.update({k: data[k] for k in ("goals", "cadence") if data.get(k)})
        form = RequestForm(initial=initial, community=community, candidates=candidates)
    if sending and form.is_valid():
        mentor = None
        if form.cleaned_data["mentor"]:
            mentor = next(
                (c.mentor for c in candidates if c.mentor.pk == form.cleaned_data["mentor"]), None
            )
        try:
            mentor_request = services.request_mentor(
                community=community,
                requester=request.user,
                goals=form.cleaned_data["goals"],
                topics=list(form.cleaned_data["topics"]),
                cadence=form.cleaned_data["cadence"],
                timezone_name=form.cleaned_data["timezone"],
                mentor=mentor,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if mentor_request.current_mentor:
                messages.success(
                    request,
                    _("Your request went to %(name)s. You will hear back here and by email.")
                    % {"name": mentor_request.current_mentor.name},
                )
            else:
                messages.info(
                    request,
                    _("Nobody is free right now; the coordinators will help find a mentor."),
                )
            return redirect(mentor_request.get_absolute_url())
    return _render(
        request,
        "mentoring/find.html",
        community,
        membership,
        form=form,
        candidates=candidates,
        live_requests=selectors.my_requests(request.user, community),
    )


@authorizes("mentoring.offer_mentoring")
@login_required
def offer(request: HttpRequest, slug: str) -> HttpResponse:
    """Offer to mentor, or change the offer; pause and resume it."""
    community, membership = _community(request, slug)
    authorize(request.user, "mentoring.offer_mentoring", community)
    current = selectors.offer_of(request.user, community)
    if request.method == "POST" and request.POST.get("action") in ("pause", "resume"):
        if current is None:
            raise Http404("No offer.")
        if request.POST["action"] == "pause":
            services.pause_offer(offer=current)
            messages.success(request, _("Your offer is paused: you get no new requests."))
        else:
            services.resume_offer(offer=current)
            messages.success(request, _("Your offer is open again."))
        return redirect("mentoring_offer", slug=community.slug)
    initial = None if current else {"timezone": request.user.timezone}
    form = OfferForm(
        request.POST or None,
        community=community,
        offer=current,
        **({"initial": initial} if initial else {}),
    )
    if submit(
        request,
        form,
        lambda data: services.save_offer(
            community=community,
            mentor=request.user,
            topics=list(data["topics"]),
            capacity=data["capacity"],
            availability=data["availability"],
            timezone_name=data["timezone"],
            languages=data["languages"],
        ),
        success=_("Your mentor offer is saved. Thank you!"),
    ):
        return redirect("mentoring_inbox", slug=community.slug)
    return _render(request, "mentoring/offer.html", community, membership, form=form, offer=current)


@authorizes("mentoring.use_mentoring")
@login_required
def inbox(request: HttpRequest, slug: str) -> HttpResponse:
    """The mentor's inbox: requests waiting for their answer, and their mentees."""
    community, membership = _community(request, slug)
    authorize(request.user, "mentoring.use_mentoring", community)
    return _render(
        request,
        "mentoring/inbox.html",
        community,
        membership,
        offer=selectors.offer_of(request.user, community),
        requests=selectors.inbox(request.user, community),
        mentees=selectors.mentorships_of(request.user, community, as_mentor=True),
        decline_form=DeclineForm(),
    )


@authorizes("cop.view_community", "mentoring.view_request")
@login_required
def request_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One request: its goals and history; accept/decline for the mentor it waits on,
    withdraw for the requester, assign for coordinators."""
    community, membership = _community(request, slug)
    mentor_request = selectors.access_request(request.user, community, pk)
    context = {
        "mentor_request": mentor_request,
        "can_answer": allowed(request.user, "mentoring.answer_request", mentor_request),
        "can_withdraw": allowed(request.user, "mentoring.withdraw_request", mentor_request),
        "decline_form": DeclineForm(),
    }
    if allowed(request.user, "mentoring.assign_mentor", mentor_request):
        offers = [
            o
            for o in selectors.assignable_mentors(community)
            if o.mentor_id != mentor_request.requester_id
        ]
        context["assign_form"] = AssignForm(offers=offers)
    mentorship = getattr(mentor_request, "mentorship", None)
    context["mentorship"] = mentorship
    return _render(request, "mentoring/request.html", community, membership, **context)


def _request_action(request: HttpRequest, slug: str, pk: int, permission: str):
    """The community and the request, 404 when the viewer cannot see it, 403 without
    `permission` on it."""
    community, _membership = _community(request, slug)
    mentor_request = selectors.access_request(request.user, community, pk)
    authorize(request.user, permission, mentor_request)
    return community, mentor_request


def _answer_message(request: HttpRequest) -> str:
    """The mentor's optional message with an answer (the one field of the answer form)."""
    form = DeclineForm(request.POST)
    return form.cleaned_data["message"] if form.is_valid() else ""


@authorizes("mentoring.answer_request")
@login_required
@require_POST
def accept(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _comm, mentor_request = _request_action(request, slug, pk, "mentoring.answer_request")
    message = _answer_message(request)
    done = act(
        request,
        lambda: services.accept_request(
            request=mentor_request, mentor=request.user, message=message
        ),
        success=lambda mentorship: (
            _("You are now %(name)s's mentor.") % {"name": mentorship.mentee}
        ),
    )
    return redirect((done.result if done else mentor_request).get_absolute_url())


@authorizes("mentoring.answer_request")
@login_required
@require_POST
def decline(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community, mentor_request = _request_action(request, slug, pk, "mentoring.answer_request")
    message = _answer_message(request)
    act(
        request,
        lambda: services.decline_request(
            request=mentor_request, mentor=request.user, message=message
        ),
        success=_("Declined. The request passes to the next mentor."),
    )
    return redirect("mentoring_inbox", slug=community.slug)


@authorizes("mentoring.withdraw_request")
@login_required
@require_POST
def withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community, mentor_request = _request_action(request, slug, pk, "mentoring.withdraw_request")
    act(
        request,
        lambda: services.withdraw_request(request=mentor_request, by=request.user),
        success=_("Your request is withdrawn."),
    )
    return redirect("mentoring_home", slug=community.slug)


@authorizes("mentoring.assign_mentor")
@login_required
@require_POST
def assign(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community, mentor_request = _request_action(request, slug, pk, "mentoring.assign_mentor")
    form = AssignForm(request.POST, offers=selectors.assignable_mentors(community))
    if not form.is_valid():
        messages.error(request, _("Choose one of the mentors in the list."))
        return redirect(mentor_request.get_absolute_url())
    mentor = get_object_or_404(User, pk=form.cleaned_data["mentor"])
    act(
        request,
        lambda: services.assign_mentor(request=mentor_request, mentor=mentor, by=request.user),
        success=_("The request now waits for %(name)s's answer.") % {"name": mentor.name},
    )
    return redirect(safe_next(request, mentor_request.get_absolute_url()))


@authorizes("cop.view_community", "mentoring.view_mentorship")
@login_required
def mentorship_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The mentorship page: agreement, check-ins and the pair's actions. Coordinators
    see the summary, and the check-ins only when the pair shares them."""
    community, membership = _community(request, slug)
    mentorship = selectors.access_mentorship(request.user, community, pk)
    is_party = allowed(request.user, "mentoring.change_mentorship", mentorship)
    context = {
        "mentorship": mentorship,
        "is_party": is_party,
        "show_checkins": allowed(request.user, "mentoring.view_checkins", mentorship),
    }
    if context["show_checkins"]:
        context["checkins"] = selectors.checkins(mentorship)
    if is_party:
        context["acceptance_message"] = selectors.acceptance_message(mentorship)
        completed = mentorship.status == MentorshipStatus.COMPLETED
        my_side = (
            "mentor_feedback" if request.user.pk == mentorship.mentor_id else "mentee_feedback"
        )
        context.update(
            checkin_form=None if completed else CheckInForm(),
            agreement_form=None
            if completed
            else AgreementForm(
                initial={
                    "goals": mentorship.goals,
                    "cadence": mentorship.cadence,
                    "share_checkins": mentorship.share_checkins_with_coordinators,
                }
            ),
            extend_form=None
            if completed
            else ExtendForm(initial={"end_date": mentorship.end_date}),
            complete_form=None if completed else CompleteForm(),
            feedback_form=FeedbackForm()
            if completed and not getattr(mentorship, my_side)
            else None,
        )
    return _render(request, "mentoring/mentorship.html", community, membership, **context)


MENTORSHIP_ACTIONS = {
    "checkin": CheckInForm,
    "agreement": AgreementForm,
    "extend": ExtendForm,
    "complete": CompleteForm,
    "feedback": FeedbackForm,
    "pause": None,
    "resume": None,
}


@authorizes("mentoring.change_mentorship")
@login_required
@require_POST
def mentorship_action(request: HttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    """One of the pair changes the mentorship (`action` names what)."""
    community, _membership = _community(request, slug)
    mentorship = selectors.access_mentorship(request.user, community, pk)
    authorize(request.user, "mentoring.change_mentorship", mentorship)
    if action not in MENTORSHIP_ACTIONS:
        raise Http404("No such action.")
    form_class = MENTORSHIP_ACTIONS[action]
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return redirect(mentorship.get_absolute_url())
    data = form.cleaned_data if form else {}
    user = request.user
    try:
        if action == "checkin":
            services.log_checkin(
                mentorship=mentorship,
                author=user,
                on=data["date"],
                notes=data["notes"],
                next_steps=data["next_steps"],
            )
            done = _("Check-in logged.")
        elif action == "agreement":
            services.update_agreement(
                mentorship=mentorship,
                by=user,
                goals=data["goals"],
                cadence=data["cadence"],
                share_checkins=data["share_checkins"],
            )
            done = _("The agreement is updated.")
        elif action == "extend":
            services.extend_mentorship(mentorship=mentorship, by=user, end_date=data["end_date"])
            done = _("The mentorship now ends on %(d)s.") % {"d": data["end_date"].isoformat()}
        elif action == "complete":
            services.complete_mentorship(
                mentorship=mentorship,
                by=user,
                reflection=data["reflection"],
                feedback=data["feedback"],
            )
            done = _("Completed. Thank you both for the time you gave each other.")
        elif action == "feedback":
            services.leave_feedback(mentorship=mentorship, by=user, feedback=data["feedback"])
            done = _("Thank you for your feedback.")
        elif action == "pause":
            services.pause_mentorship(mentorship=mentorship, by=user)
            done = _("Paused. Resume whenever you are both ready.")
        else:
            services.resume_mentorship(mentorship=mentorship, by=user)
            done = _("Resumed.")
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, done)
    return redirect(mentorship.get_absolute_url())


@authorizes("mentoring.view_overview")
@login_required
def overview(request: HttpRequest, slug: str) -> HttpResponse:
    """The coordinators' view: requests without a mentor, stalled ones, running mentorships."""
    community, membership = _community(request, slug)
    authorize(request.user, "mentoring.view_overview", community)
    data = selectors.coordinator_overview(community)
    offers = selectors.assignable_mentors(community)
    return _render(
        request,
        "mentoring/overview.html",
        community,
        membership,
        assign_form=AssignForm(offers=offers),
        has_mentors=bool(offers),
        **data,
    )


@authorizes("mentoring.use_mentoring")
@login_required
def onboarding(request: HttpRequest, slug: str) -> HttpResponse:
    """The member's onboarding checklist; manual steps are ticked here."""
    community, membership = _community(request, slug)
    authorize(request.user, "mentoring.use_mentoring", community)
    if request.method == "POST":
        step = get_object_or_404(
            OnboardingStep, pk=request.POST.get("step", 0), community=community
        )
        try:
            services.tick_onboarding_step(
                membership=membership, step=step, done=request.POST.get("done") == "1"
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        return redirect(safe_next(request, reverse("mentoring_onboarding", args=[slug])))
    items = selectors.onboarding_checklist(
        membership=membership, community=community, user=request.user
    )
    return _render(
        request,
        "mentoring/onboarding.html",
        community,
        membership,
        items=items,
        done_count=sum(1 for item in items if item["progress"]),
        can_edit=allowed(request.user, "mentoring.edit_onboarding", community),
    )


@authorizes("mentoring.edit_onboarding")
@login_required
def onboarding_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Coordinators edit the checklist: add, change, reorder and remove steps."""
    community, membership = _community(request, slug)
    authorize(request.user, "mentoring.edit_onboarding", community)
    form = StepForm()
    if request.method == "POST":
        action = request.POST.get("action", "add")
        step = None
        if action != "add":
            step = get_object_or_404(
                OnboardingStep, pk=request.POST.get("step", 0), community=community, archived=False
            )
        if action in ("up", "down"):
            services.move_onboarding_step(step=step, up=action == "up")
            return redirect("mentoring_onboarding_edit", slug=slug)
        if action == "remove":
            services.remove_onboarding_step(step=step)
            messages.success(request, _("“%(t)s” is off the checklist.") % {"t": step.title})
            return redirect("mentoring_onboarding_edit", slug=slug)
        form = StepForm(request.POST, prefix=f"s{step.pk}" if step else None)
        if form.is_valid() and act(
            request,
            lambda: (
                services.add_onboarding_step(community=community, **form.cleaned_data)
                if step is None
                else services.update_onboarding_step(step=step, **form.cleaned_data)
            ),
            success=_("The checklist is saved."),
        ):
            return redirect("mentoring_onboarding_edit", slug=slug)
        if step is not None:
            messages.error(request, _("The step was not saved: a title is needed."))
            return redirect("mentoring_onboarding_edit", slug=slug)
    steps = selectors.onboarding_steps(community)
    return _render(
        request,
        "mentoring/onboarding_edit.html",
        community,
        membership,
        form=form,
        steps=[
            (
                step,
                StepForm(
                    initial={
                        "title": step.title,
                        "description": step.description,
                        "auto_kind": step.auto_kind,
                    },
                    prefix=f"s{step.pk}",
                ),
            )
            for step in steps
        ],
    )
