"""Constellation pages (a community's related communities) and the site-wide network page.

Thin: fetch and authorise through the declared permissions, call one service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cop.confirm import confirmation
from cop.extensions import NETWORK_COLUMNS
from cop.forms.core import DeclineForm
from cop.forms.network import NetworkFilterForm, RelationRequestForm
from cop.permissions import allowed, authorize, authorizes
from cop.selectors import communities as selectors
from cop.selectors import network as selectors_network
from cop.services import constellations
from cop.views.communities import _community_context
from cop.views.support import community_for


@login_required
@authorizes("cop.request_relation")
def community_relations(request: HttpRequest, slug: str) -> HttpResponse:
    """Coordinators: the communities related to this one, the requests to answer and the
    ones waiting for the other side, and the form to ask a new one."""
    community = community_for(request, slug, "cop.request_relation")
    candidates = selectors_network.relation_candidates(community, request.user)
    form = RelationRequestForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        other = form.cleaned_data["community"]
        try:
            constellations.request_relation(
                community=community,
                other=other,
                by=request.user,
                message=form.cleaned_data["message"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Asked %(other)s. It becomes related once one of its coordinators accepts.")
                % {"other": other.name},
            )
            return redirect("community_relations", slug=community.slug)
    return render(
        request,
        "cop/relations.html",
        _community_context(
            request,
            community,
            form=form,
            relations=selectors_network.relations_page(community),
        ),
    )


ACTIONS = ("accept", "decline", "end")


@login_required
@require_http_methods(["GET", "POST"])
@authorizes("cop.answer_relation", "cop.end_relation")
def relation_action(request: HttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    """Accept, decline or end one relation: GET asks, POST does it."""
    community = selectors.access_community(request.user, slug)
    if action not in ACTIONS:
        raise Http404("No such action.")
    relation = selectors_network.access_relation(community, pk)
    if action == "end":
        authorize(request.user, "cop.end_relation", relation)
    else:
        authorize(request.user, "cop.answer_relation", relation)
    if action in ("accept", "decline") and relation.to_community_id != community.pk:
        raise Http404("Answered from the asked community's page.")
    other = relation.other_side(community)
    back = reverse("community_relations", kwargs={"slug": community.slug})
    form = DeclineForm(request.POST or None) if action == "decline" else None
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            if action == "accept":
                constellations.accept_relation(relation=relation, by=request.user)
                messages.success(request, _("%(other)s is now related.") % {"other": other.name})
            elif action == "decline":
                constellations.decline_relation(
                    relation=relation, by=request.user, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("Declined."))
            else:
                constellations.end_relation(relation=relation, by=request.user, side=community)
                messages.success(
                    request, _("Ended the relation with %(other)s.") % {"other": other.name}
                )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(back)
    questions = {
        "accept": _("Relate %(this)s to %(other)s?"),
        "decline": _("Decline the request from %(other)s?"),
        "end": _("End the relation between %(this)s and %(other)s?"),
    }
    details = {
        "accept": _(
            "Members of both communities will see each other on the community home; "
            "coordinators can share practices and co-host meetings."
        ),
        "decline": _("Its coordinators are told, with your reason if you give one."),
        "end": _(
            "Practices shared and meetings co-hosted between the two stop showing on the "
            "other side. Its coordinators are told."
        ),
    }
    buttons = {"accept": _("Accept"), "decline": _("Decline"), "end": _("End the relation")}
    return confirmation(
        request,
        question=questions[action] % {"this": community.name, "other": other.name},
        detail=details[action],
        button=buttons[action],
        cancel_url=back,
        community=community,
    )


def related_section(*, community, user, membership) -> dict | None:
    """The community home's "Related communities" section: those the viewer may see;
    coordinators also get the way to the relations page (and an empty state)."""
    related = selectors_network.related_communities(community, user)
    is_coordinator = allowed(user, "cop.request_relation", community)
    if not related and not is_coordinator:
        return None
    return {"related": related, "is_coordinator": is_coordinator, "community": community}


@login_required
@authorizes("cop.view_network")
def network(request: HttpRequest) -> HttpResponse:
    """Every community at a glance: domain, stage and health figures; for staff and for
    people the site admin allows (`cop.view_network`)."""
    authorize(request.user, "cop.view_network")
    form = NetworkFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors_network.network_rows(
        search=filters.get("q", ""),
        stage=filters.get("stage", ""),
        sort=filters.get("sort") or "name",
    )
    return render(
        request,
        "cop/network.html",
        {
            "form": form,
            "rows": rows,
            "columns": NETWORK_COLUMNS,
            "limit": selectors_network.NETWORK_LIMIT,
        },
    )
