"""Pages of shared practices: sharing one from its source, the target's list of what was
shared into it, and the read-only view of one (the source entry, live)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from cop.confirm import confirmation
from cop.markdown import render_markdown
from cop.pagination import keyset_page
from cop.permissions import authorize, authorizes
from cop.rules import membership_of
from cop.selectors.communities import access_community

from . import selectors, sharing
from .forms_sharing import ShareForm
from .rendering import link_glossary

PAGE_SIZE = 20


def _context(request, community, **extra) -> dict:
    return {"community": community, "membership": membership_of(request.user, community), **extra}


@login_required
@authorizes("knowledge.share_practice")
def share_entry(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A coordinator of the practice's community shares it with a related community."""
    community = access_community(request.user, slug)
    entry = selectors.access_entry(request.user, community, pk)
    authorize(request.user, "knowledge.share_practice", entry)
    form = ShareForm(request.POST or None, targets=sharing.share_targets(entry))
    if request.method == "POST" and form.is_valid():
        try:
            sharing.share_practice(
                entry=entry, into=form.cleaned_data["community"], by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Shared with %(target)s: its members see it read-only, with your edits.")
                % {"target": form.cleaned_data["community"].name},
            )
            return redirect(entry.get_absolute_url())
    return render(
        request,
        "knowledge/share_form.html",
        _context(request, community, entry=entry, form=form, shares=sharing.shares_of(entry)),
    )


@login_required
@require_http_methods(["GET", "POST"])
@authorizes("knowledge.unshare_practice")
def unshare_entry(request: HttpRequest, slug: str, pk: int, share_id: int) -> HttpResponse:
    """Stop showing a practice in a community (coordinators of either side)."""
    community = access_community(request.user, slug)
    entry = selectors.access_entry(request.user, community, pk)
    share = sharing.shares_of(entry).filter(pk=share_id).first()
    if share is None:
        raise Http404("No such share.")
    share.entry = entry
    authorize(request.user, "knowledge.unshare_practice", share)
    if request.method == "POST":
        sharing.unshare_practice(share=share, by=request.user)
        messages.success(
            request, _("No longer shared with %(target)s.") % {"target": share.community.name}
        )
        return redirect(entry.get_absolute_url())
    return confirmation(
        request,
        question=_("Stop sharing “%(title)s” with %(target)s?")
        % {"title": entry.title, "target": share.community.name},
        detail=_("Its members will no longer see it. The practice itself stays as it is."),
        button=_("Stop sharing"),
        cancel_url=entry.get_absolute_url(),
        community=community,
    )


@require_safe
@authorizes("cop.view_community")
def shared_list(request: HttpRequest, slug: str) -> HttpResponse:
    """What related communities shared into this one, newest first, in pages."""
    community = access_community(request.user, slug)
    page = keyset_page(
        sharing.shared_into(community, request.user),
        field="shared_at",
        size=PAGE_SIZE,
        older=request.GET.get("older", ""),
        newer=request.GET.get("newer", ""),
    )
    return render(request, "knowledge/shared_list.html", _context(request, community, page=page))


@require_safe
@authorizes("cop.view_community")
def shared_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One shared practice, read-only: the source entry as it is now, with its validation
    at the source, its attribution and a link back. Nothing here edits it."""
    community = access_community(request.user, slug)
    share = sharing.access_share(request.user, community, pk)
    entry = share.entry
    body_html = link_glossary(
        render_markdown(entry.body), selectors.glossary_links(entry.community)
    )
    return render(
        request,
        "knowledge/shared_detail.html",
        _context(
            request,
            community,
            share=share,
            entry=entry,
            body_html=body_html,
            validation=selectors.entry_validation(entry, request.user),
        ),
    )
