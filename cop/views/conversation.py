"""Pages of comments (posting, replying, quoting, editing, deleting, reacting, and the
coordinators' hide and restore) and of announcements. Parse, fetch (404 for missing and
invisible alike), authorise, call the service, redirect or render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cop.confirm import confirmation
from cop.enums import ReactionKind
from cop.forms.conversation import AnnouncementForm, CommentEditForm, CommentForm
from cop.pagination import keyset_page
from cop.permissions import allowed, authorize, authorizes
from cop.selectors import communities as selectors
from cop.selectors.conversation import (
    access_announcement,
    access_comment,
    access_target,
    announcement_list,
)
from cop.services import announcements as announcement_services
from cop.services import comments as comment_services
from cop.views.support import community_context, community_for, submit


def _comment_url(comment) -> str:
    return f"{comment.target.get_absolute_url()}#comment-{comment.pk}"


def _comment_for(request: HttpRequest, slug: str, pk: int, permission: str):
    """The community and its comment (404 when the viewer cannot see either), 403
    without `permission` on the comment."""
    community = selectors.access_community(request.user, slug)
    comment = access_comment(request.user, pk, community=community)
    authorize(request.user, permission, comment)
    return community, comment


def _quoted(text: str, who: str) -> str:
    """A comment's text as a Markdown quote, to start a reply with."""
    lines = text.strip().splitlines()[:20]
    return "\n".join(f"> {line}" if line else ">" for line in lines) + f"\n>\n> — {who}\n\n"


@authorizes("cop.comment_on")
@login_required
def comment_create(request: HttpRequest, slug: str, key: str, pk: int) -> HttpResponse:
    """GET: the comment form alone (to reply to or quote a comment, or after an error);
    POST: post the comment and go back to it on the item's page."""
    community = selectors.access_community(request.user, slug)
    target = access_target(request.user, key, pk, community=community)
    authorize(request.user, "cop.comment_on", target)
    parent = quote = None
    initial = {}
    if request.method == "GET":
        for name in ("parent", "quote"):
            raw = request.GET.get(name, "")
            if raw.isdigit() and len(raw) < 19:
                found = access_comment(request.user, int(raw), community=community)
                if found.target != target:
                    found = None
                if name == "parent":
                    parent = found
                else:
                    quote = found
        if quote is not None:
            initial["body"] = _quoted(quote.body, quote.author.name if quote.author else "")
            parent = parent or quote
        if parent is not None:
            initial["parent"] = parent.pk
    form = CommentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and form.cleaned_data["parent"]:
        parent = access_comment(request.user, form.cleaned_data["parent"], community=community)
    done = submit(
        request,
        form,
        lambda data: comment_services.post_comment(
            target=target, author=request.user, body=data["body"], parent=parent
        ),
        success=_("Your comment is posted."),
    )
    if done:
        return redirect(f"{target.get_absolute_url()}#comment-{done.result.pk}")
    return render(
        request,
        "cop/comment_form.html",
        community_context(request, community, form=form, target=target, parent=parent),
    )


@authorizes("cop.edit_comment")
@login_required
def comment_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community, comment = _comment_for(request, slug, pk, "cop.edit_comment")
    form = CommentEditForm(request.POST or None, initial={"body": comment.body})
    if submit(
        request,
        form,
        lambda data: comment_services.edit_comment(
            comment=comment, by=request.user, body=data["body"]
        ),
        success=_("Your comment is saved."),
    ):
        return redirect(_comment_url(comment))
    return render(
        request,
        "cop/comment_form.html",
        community_context(request, community, form=form, target=comment.target, editing=comment),
    )


@authorizes("cop.delete_comment")
@login_required
def comment_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community, comment = _comment_for(request, slug, pk, "cop.delete_comment")
    back = comment.target.get_absolute_url()
    if request.method != "POST":
        return confirmation(
            request,
            question=_("Delete this comment?"),
            detail=comment.body[:300],
            button=_("Delete"),
            cancel_url=_comment_url(comment),
            community=community,
        )
    comment_services.delete_comment(comment=comment, by=request.user)
    messages.success(request, _("The comment is deleted."))
    return redirect(f"{back}#comments")


@authorizes("cop.moderate_comment")
@login_required
@require_POST
def comment_moderate(request: HttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    """A coordinator hides a comment pending review, or restores it."""
    _community, comment = _comment_for(request, slug, pk, "cop.moderate_comment")
    if action == "hide":
        comment_services.hide_comment(comment=comment, by=request.user)
        messages.success(request, _("The comment is hidden pending review."))
    else:
        comment_services.restore_comment(comment=comment, by=request.user)
        messages.success(request, _("The comment shows to everyone again."))
    return redirect(_comment_url(comment))


@authorizes("cop.react_to_comment")
@login_required
@require_POST
def comment_react(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Give or take back a reaction (a button per kind)."""
    _community, comment = _comment_for(request, slug, pk, "cop.react_to_comment")
    kind = request.POST.get("kind", "")
    if kind not in ReactionKind.values:
        messages.error(request, _("Not a reaction Copse knows."))
    else:
        comment_services.toggle_reaction(comment=comment, user=request.user, kind=kind)
    return redirect(_comment_url(comment))


# --- Announcements -------------------------------------------------------------------------


@authorizes("cop.view_announcements")
def announcements(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_for(request, slug, "cop.view_announcements")
    page = keyset_page(
        announcement_list(community),
        field="created_at",
        size=20,
        older=request.GET.get("older", ""),
        newer=request.GET.get("newer", ""),
    )
    return render(
        request,
        "cop/announcement_list.html",
        community_context(
            request,
            community,
            page=page,
            can_announce=allowed(request.user, "cop.post_announcement", community),
        ),
    )


@authorizes("cop.post_announcement")
@login_required
def announcement_create(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_for(request, slug, "cop.post_announcement")
    form = AnnouncementForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: announcement_services.post_announcement(
            community=community, author=request.user, **data
        ),
        success=_("Your announcement is on its way to the members."),
    )
    if done:
        return redirect(done.result)
    return render(
        request, "cop/announcement_form.html", community_context(request, community, form=form)
    )


@authorizes("cop.view_community")
def announcement_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    announcement = access_announcement(request.user, community, pk)
    return render(
        request,
        "cop/announcement_detail.html",
        community_context(
            request,
            community,
            announcement=announcement,
            show_progress=allowed(request.user, "cop.view_announcement_progress", community),
        ),
    )
