"""Pages of following and moderation. Thin: fetch (404 for missing and invisible alike)
and authorise with the declared permissions, call one service, render or redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cop.content import resolve
from cop.next_url import safe_next
from cop.pagination import keyset_page
from cop.permissions import allowed, authorize, authorizes, permission_required
from cop.rules import has_accepted_conduct, membership_of
from cop.selectors.communities import access_community
from cop.views.support import act, community_context, community_for, submit

from . import selectors
from .forms import ConductForm, FlagForm, ModerationForm
from .services import bookmarks, conduct, follows, moderation


def _back(request: HttpRequest, fallback: str) -> str:
    return safe_next(request, fallback)


# --- Code of conduct ------------------------------------------------------------------------


@authorizes("cop.view_community")
def conduct_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The code of conduct in force; members who have not accepted it accept it here."""
    community = access_community(request.user, slug)
    membership = membership_of(request.user, community)
    return render(
        request,
        "care/conduct.html",
        community_context(
            request,
            community,
            must_accept=membership is not None
            and membership.is_active
            and not has_accepted_conduct(request.user, community),
            can_change=allowed(request.user, "care.change_conduct", community),
            history=community.conduct_versions.only(
                "version", "material", "change_note", "created_at"
            )[:20],
            next=safe_next(request, ""),
        ),
    )


@authorizes("care.accept_conduct")
@login_required
@require_POST
def conduct_accept(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_for(request, slug, "care.accept_conduct")
    conduct.accept_conduct(membership=membership_of(request.user, community))
    messages.success(request, _("Thank you: you accepted the code of conduct."))
    return redirect(_back(request, community.get_absolute_url()))


@authorizes("care.change_conduct")
@login_required
def conduct_edit(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_for(request, slug, "care.change_conduct")
    form = ConductForm(request.POST or None, initial={"text": community.conduct})
    if submit(
        request,
        form,
        lambda data: conduct.update_conduct(community=community, by=request.user, **data),
        success=_("The code of conduct is saved."),
    ):
        return redirect("care:conduct", slug=community.slug)
    return render(
        request, "care/conduct_edit.html", community_context(request, community, form=form)
    )


# --- Flags ---------------------------------------------------------------------------------


@authorizes("care.flag")
@login_required
def flag(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    kind, obj = resolve(request.user, key, pk)
    authorize(request.user, "care.flag", obj)
    community = kind.community(obj)
    form = FlagForm(request.POST or None)
    if submit(
        request,
        form,
        lambda data: moderation.flag_content(user=request.user, obj=obj, **data),
        success=_("Thank you. The coordinators will review it and decide what to do."),
    ):
        return redirect(kind.url(obj))
    return render(
        request,
        "care/flag.html",
        community_context(
            request,
            community,
            form=form,
            kind=kind,
            item=obj,
            item_title=kind.title(obj),
            item_url=kind.url(obj),
        ),
    )


# --- Moderation queue ------------------------------------------------------------------------


@authorizes("care.view_queue")
def moderation_queue(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_for(request, slug, "care.view_queue")
    page = keyset_page(
        moderation.open_cases(community),
        field="last_flagged_at",
        size=20,
        older=request.GET.get("older", ""),
        newer=request.GET.get("newer", ""),
    )
    flags = moderation.case_flags(page.object_list)
    cases = [
        (case, flags.get(case.pk, []), ModerationForm(prefix=f"case{case.pk}")) for case in page
    ]
    return render(
        request, "care/queue.html", community_context(request, community, page=page, cases=cases)
    )


@authorizes("care.moderate")
@login_required
@require_POST
def moderate(request: HttpRequest, slug: str, case_id: int) -> HttpResponse:
    community = access_community(request.user, slug)
    case = selectors.access_case(community, case_id)
    authorize(request.user, "care.moderate", case)
    form = ModerationForm(request.POST, prefix=f"case{case.pk}")
    if form.is_valid():
        try:
            moderation.moderate(case=case, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Done: the author is told and the audit log has it."))
    else:
        messages.error(request, _("Choose what to do with it."))
    return redirect("care:queue", slug=community.slug)


# --- Bookmarks and follows --------------------------------------------------------------------


def _toggle(
    request: HttpRequest, key: str, pk: int, permission: str, *, add, remove, added, removed
):
    """Add a bookmark or a follow (with `permission` on the item) or, with `remove`, take
    one back, then go back where the member was."""
    kind, obj = resolve(request.user, key, pk)
    if request.POST.get("remove"):
        remove(user=request.user, obj=obj)
        messages.success(request, removed)
    else:
        authorize(request.user, permission, obj)
        act(request, lambda: add(user=request.user, obj=obj), success=added)
    return redirect(_back(request, kind.url(obj)))


@authorizes("care.bookmark")
@login_required
@require_POST
def bookmark_toggle(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    return _toggle(
        request,
        key,
        pk,
        "care.bookmark",
        add=bookmarks.bookmark,
        remove=bookmarks.unbookmark,
        added=_("Saved. Find it again on your Saved page."),
        removed=_("Removed from your saved items."),
    )


@authorizes("care.follow")
@login_required
@require_POST
def follow_toggle(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    return _toggle(
        request,
        key,
        pk,
        "care.follow",
        add=follows.follow,
        remove=follows.unfollow,
        added=_("You follow this now: what is new there reaches you as your preferences say."),
        removed=_("You no longer follow this."),
    )


@permission_required("care.signed_in")
@login_required
def saved(request: HttpRequest) -> HttpResponse:
    """The member's saved items (newest first, older/newer pages) and what they follow."""
    page, entries = selectors.saved_page(
        request.user, older=request.GET.get("older", ""), newer=request.GET.get("newer", "")
    )
    return render(
        request,
        "care/saved.html",
        {"page": page, "entries": entries, "follows": selectors.follows_of(request.user)},
    )


@authorizes("cop.view_community")
@login_required
def topics(request: HttpRequest, slug: str) -> HttpResponse:
    """The community's topics, each with a Follow button (two queries whatever their number)."""
    community = access_community(request.user, slug)
    return render(
        request,
        "care/topics.html",
        community_context(
            request,
            community,
            topics=list(community.tags.order_by("name").only("id", "name", "slug")),
            following=selectors.followed_ids(request.user, "topic", community),
        ),
    )
