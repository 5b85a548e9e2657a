"""Value-creation stories: the guided form, the list, a story, its follow-up, and the
coordinators' value matrix."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cop.dashboard import period_for, value_matrix_rows
from cop.enums import ValueCycle
from cop.forms.core import FollowUpForm, ValueStoryForm
from cop.models import ValueFollowUp, ValueStory
from cop.permissions import allowed, authorizes
from cop.selectors import communities as selectors
from cop.selectors.conversation import comment_context
from cop.services import value as value_services
from cop.views.support import community_context, submit


@authorizes("cop.view_community")
def value_story_list(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    stories = (
        ValueStory.objects.filter(community=community)
        .select_related("narrator", "community")
        .order_by("-created_at")[:100]
    )
    return render(
        request,
        "cop/value_list.html",
        community_context(
            request,
            community,
            stories=stories,
            can_tell=allowed(request.user, "cop.tell_value_story", community),
            is_coordinator=allowed(request.user, "cop.view_coordination", community),
        ),
    )


@authorizes("cop.tell_value_story", "cop.view_community")
@login_required
def value_story_create(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    if not allowed(request.user, "cop.tell_value_story", community):
        messages.error(request, _("Join the community to tell its value stories."))
        return redirect(community)
    form = ValueStoryForm(request.POST or None, community=community)
    done = submit(
        request,
        form,
        lambda data: value_services.tell_value_story(
            community=community,
            narrator=request.user,
            **{**data, "meetings": list(data["meetings"]), "entries": list(data["entries"])},
        ),
        success=_("Thank you. Your story is part of the community’s record."),
    )
    if done:
        return redirect(done.result)
    return render(
        request,
        "cop/value_form.html",
        community_context(request, community, form=form, cycles=ValueCycle.choices),
    )


@authorizes("cop.view_community")
def value_story_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    story = (
        ValueStory.objects.filter(community=community, pk=pk)
        .select_related("narrator", "community")
        .prefetch_related("meetings", "entries", "follow_ups")
        .first()
    )
    if story is None:
        raise Http404("No such story.")
    cycles = [
        {"key": key, "label": label, "text": getattr(story, key)}
        for key, label in ValueCycle.choices
    ]
    return render(
        request,
        "cop/value_detail.html",
        community_context(
            request, community, story=story, cycles=cycles, **comment_context(request, story)
        ),
    )


@authorizes("cop.view_community")
@login_required
def value_follow_up(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    follow_up = (
        ValueFollowUp.objects.filter(pk=pk, story__community=community)
        .select_related("story", "story__narrator")
        .first()
    )
    if follow_up is None or follow_up.story.narrator_id != request.user.pk:
        raise Http404("No such question.")
    form = FollowUpForm(
        request.POST or None,
        initial={"outcome": follow_up.outcome, "note": follow_up.note},
    )
    if request.method == "POST" and form.is_valid():
        value_services.answer_follow_up(follow_up=follow_up, by=request.user, **form.cleaned_data)
        messages.success(request, _("Thank you for following up."))
        return redirect(follow_up.story)
    return render(
        request,
        "cop/value_follow_up.html",
        community_context(
            request, community, follow_up=follow_up, story=follow_up.story, form=form
        ),
    )


@authorizes("cop.view_coordination", "cop.view_community")
@login_required
def value_matrix(request: HttpRequest, slug: str) -> HttpResponse:
    """Coordinators: stories per cycle of value beside the activity indicators."""
    community = selectors.access_community(request.user, slug)
    if not allowed(request.user, "cop.view_coordination", community):
        raise Http404("No such page.")
    period = period_for(request.GET.get("period", "90d"))
    matrix = value_matrix_rows(community, period)
    return render(
        request,
        "cop/value_matrix.html",
        community_context(request, community, period=period, **matrix),
    )
