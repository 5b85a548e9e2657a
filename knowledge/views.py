"""Pages of the knowledge app. Thin: fetch and authorise (404 for what the viewer may not
see, 403 with a reason for what they may see but not do), call one service, render or
redirect. Services raise ValidationError with a message the person is shown."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from cop.confirm import confirmation, undo_message
from cop.markdown import render_markdown
from cop.models import Community
from cop.pagination import KeysetPage, cursor_key, keyset_page
from cop.permissions import allowed, authorize, authorizes, permission_required
from cop.selectors.communities import access_community, mark_thanked, visible_communities
from cop.selectors.conversation import comment_context
from cop.views.support import act, add_refusal, community_context, community_for, error_text, submit
from meetings.selectors import agenda_meetings as upcoming_for_agenda

from . import search as search_backend
from . import selectors, sharing, similarity
from .enums import EntryKind, EntryStatus, ProblemStatus, TermStatus
from .expertise import STRONG, who_has_helped
from .export import export_filename, export_zip
from .forms import (
    MARKDOWN_FIELDS,
    MARKDOWN_LABELS,
    EntryForm,
    MergeForm,
    NoteForm,
    ProblemForm,
    ReplyForm,
    SearchForm,
    StoryForm,
    TermForm,
    ValidationForm,
)
from .gaps import ANSWER_DAYS, UNANSWERED_SHARE, WINDOW_DAYS, knowledge_gaps
from .rendering import link_glossary
from .services import entries, glossary, problems, stories, validation
from .services.common import can_undo_delete, restore, soft_delete

PAGE_SIZE = 20


def _previews(form) -> list[tuple[str, str]]:
    """The Markdown fields of a bound form rendered as the page will show them."""
    previews = []
    for name in MARKDOWN_FIELDS:
        if name in form.fields and form.data.get(name, "").strip():
            previews.append((form.fields[name].label, render_markdown(form.data.get(name, ""))))
    return previews


def _page(request: HttpRequest, items, field: str) -> KeysetPage:
    """One "older/newer" page of a list ordered by `field`, newest first."""
    return keyset_page(
        items,
        field=field,
        size=PAGE_SIZE,
        older=request.GET.get("older", ""),
        newer=request.GET.get("newer", ""),
    )


def _query(**filters) -> str:
    """The list filters as a query-string prefix for pagination links."""
    kept = {key: value for key, value in filters.items() if value}
    return urlencode(kept) + "&" if kept else ""


def _wants_preview(request: HttpRequest) -> bool:
    return request.method == "POST" and "preview" in request.POST


# Fetchers for `permission_required`: they find what the URL names (404 for missing and
# invisible alike), keep it on the request for the view (`request.community`,
# `request.item`) and return what the permission is about.


def _community(request: HttpRequest, slug: str, **_) -> Community:
    request.community = access_community(request.user, slug)
    return request.community


def _item(access):
    """The fetcher of an item of the community: `access(user, community, pk)`, or
    `access(user, community, kind, pk)` on the pages that serve several kinds."""

    def fetch(request: HttpRequest, slug: str, pk: int, kind: str | None = None, **_):
        community = _community(request, slug)
        key = (pk,) if kind is None else (kind, pk)
        request.item = access(request.user, community, *key)
        return request.item

    return fetch


def _term(request: HttpRequest, slug: str, pk: int) -> Community:
    """The glossary term is decided by the community: the permission is about it."""
    _item(selectors.access_term)(request, slug, pk)
    return request.community


def _live_item(user, community: Community, kind: str, pk: int):
    access = {
        "story": selectors.access_story,
        "problem": selectors.access_problem,
        "reply": selectors.access_reply,
        "entry": selectors.access_entry,
    }[kind]
    return access(user, community, pk)


# --- home --------------------------------------------------------------------------------


@authorizes("cop.view_community")
def knowledge_home(request: HttpRequest, slug: str) -> HttpResponse:
    community = access_community(request.user, slug)
    return render(
        request,
        "knowledge/home.html",
        community_context(
            request,
            community,
            can_post=allowed(request.user, "knowledge.ask_problem", community),
            **selectors.knowledge_home(community),
        ),
    )


# --- stories -----------------------------------------------------------------------------


@authorizes("cop.view_community")
def story_list(request: HttpRequest, slug: str) -> HttpResponse:
    community = access_community(request.user, slug)
    tag = request.GET.get("tag", "")[:60]
    page = _page(request, selectors.story_list(community, tag=tag), "created_at")
    return render(
        request,
        "knowledge/story_list.html",
        community_context(
            request,
            community,
            page=page,
            tag=tag,
            query=_query(tag=tag),
            can_post=allowed(request.user, "knowledge.tell_story", community),
        ),
    )


@authorizes("cop.view_community", "knowledge.view")
def story_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = access_community(request.user, slug)
    story = selectors.access_story(request.user, community, pk)
    mark_thanked(request.user, "story", [story])
    return render(
        request,
        "knowledge/story_detail.html",
        community_context(
            request,
            community,
            story=story,
            related_entry=(
                story.entry
                if story.entry
                and story.entry.deleted_at is None
                and allowed(request.user, "knowledge.view", story.entry)
                else None
            ),
            can_edit=allowed(request.user, "knowledge.edit_story", story),
            can_delete=allowed(request.user, "knowledge.delete", story),
            **comment_context(request, story),
        ),
    )


def _story_form_page(request, community, *, story=None):
    initial = {}
    if story is not None:
        initial = {
            "title": story.title, "situation": story.situation, "action": story.action,
            "outcome": story.outcome, "lesson": story.lesson, "tags": list(story.tags.all()),
            "problem": story.problem, "entry": story.entry, "meeting": story.meeting,
        }  # fmt: skip
    else:
        if request.GET.get("problem", "").isdigit():
            initial["problem"] = request.GET["problem"]
        if request.GET.get("meeting", "").isdigit():
            initial["meeting"] = request.GET["meeting"]
    form = StoryForm(request.POST or None, initial=initial, community=community)
    return _compose_page(
        request,
        community,
        form=form,
        item=story,
        create=lambda data: stories.tell_story(community=community, author=request.user, **data),
        edit=lambda data: stories.edit_story(story=story, by=request.user, **data),
        created=_("Thank you for telling your story."),
        saved=_("Your story is saved."),
        heading=(_("Tell a story"), _("Edit your story")),
        intro=_(
            "A story of practice: the situation you were in, what you did, how it "
            "turned out and what you learned."
        ),
        submit=_("Post story"),
        list_url_name="knowledge:story_list",
    )


def _compose_page(
    request,
    community,
    *,
    form,
    item,
    create,
    edit,
    created,
    saved,
    heading,
    intro,
    submit,
    list_url_name,
    suggest=None,
):
    """The write page shared by stories and problems: preview, or save through the
    service (`create` for a new item, `edit` for an existing one) and go to it.

    With `suggest` (problems), similar items are shown beside the title; a new problem
    whose title closely matches one is held once ("asked before?") until it is posted
    again, so nobody posts a duplicate without having seen the original."""
    suggestions = suggest(request.POST) if suggest and request.method == "POST" else []
    held = (
        item is None
        and request.method == "POST"
        and not request.POST.get("seen_similar")
        and any(s.score >= similarity.STRONG_SCORE for s in suggestions)
    )
    return _write_page(
        request,
        community,
        form=form,
        save=lambda data: create(_tags_listed(data)) if item is None else edit(_tags_listed(data)),
        success=created if item is None else saved,
        hold=held,
        heading=heading[0] if item is None else heading[1],
        intro=intro,
        submit=submit if item is None else _("Save"),
        cancel_url=item.get_absolute_url()
        if item
        else reverse(list_url_name, kwargs={"slug": community.slug}),
        suggest=suggest is not None,
        suggestions=suggestions,
        held=held and form.is_valid(),
    )


def _tags_listed(data: dict) -> dict:
    return {**data, "tags": list(data.get("tags") or [])}


def _write_page(request, community, *, form, save, success="", hold=False, **page):
    """knowledge/form.html for `form`: a preview of its Markdown fields, or on a valid POST
    (unless held) `save(cleaned_data)` through a service and a redirect to the item it
    returns, with the `success` message; the service's ValidationError lands on the
    form. `page` is the rest of the template's context."""
    previews = []
    if _wants_preview(request):
        previews = _previews(form)
    elif request.method == "POST" and form.is_valid() and not hold:
        try:
            item = save(form.cleaned_data)
        except ValidationError as error:
            add_refusal(form, error)
        else:
            if success:
                messages.success(request, success)
            return redirect(item.get_absolute_url())
    return render(
        request,
        "knowledge/form.html",
        community_context(request, community, form=form, previews=previews, **page),
    )


@login_required
@permission_required("knowledge.tell_story", obj=_community)
def story_create(request: HttpRequest, slug: str) -> HttpResponse:
    return _story_form_page(request, request.community)


@login_required
@permission_required("knowledge.edit_story", obj=_item(selectors.access_story))
def story_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _story_form_page(request, request.community, story=request.item)


# --- problems ----------------------------------------------------------------------------


@authorizes("cop.view_community")
def problem_list(request: HttpRequest, slug: str) -> HttpResponse:
    community = access_community(request.user, slug)
    status = request.GET.get("status", "")
    if status not in (*ProblemStatus.values, "unanswered"):
        status = ""
    tag = request.GET.get("tag", "")[:60]
    problems = selectors.problem_list(community, status=status, tag=tag)
    return render(
        request,
        "knowledge/problem_list.html",
        community_context(
            request,
            community,
            # Read only when the list's kept fragment is missing (cop.cache).
            page=SimpleLazyObject(lambda: _page(request, problems, "created_at")),
            cursor=cursor_key(request.GET.get("older", ""), request.GET.get("newer", "")),
            status=status,
            tag=tag,
            query=_query(status=status, tag=tag),
            can_post=allowed(request.user, "knowledge.ask_problem", community),
        ),
    )


def _topics(tags) -> dict[str, str]:
    return {tag.slug: tag.name for tag in tags}


@authorizes("cop.view_community", "knowledge.view")
def problem_detail(request: HttpRequest, slug: str, pk: int, reply_form=None) -> HttpResponse:
    community = access_community(request.user, slug)
    try:
        problem = selectors.access_problem(request.user, community, pk)
    except Http404:
        target = selectors.merged_target(request.user, community, pk)
        if target is None:
            raise
        return redirect(target.get_absolute_url(), permanent=True)
    user = request.user
    replies = selectors.problem_replies(problem, user)
    may_accept = allowed(user, "knowledge.accept_solution", replies[0]) if replies else False
    for reply in replies:
        reply.may_edit = allowed(user, "knowledge.edit_reply", reply)
        reply.may_delete = allowed(user, "knowledge.delete", reply)
        reply.may_endorse = reply.is_solution and allowed(user, "knowledge.endorse", reply)
    mark_thanked(user, "reply", replies)
    promoted = getattr(problem, "promoted_entry", None)
    agenda_meetings = []
    if allowed(user, "knowledge.ask_problem", community) and not problem.is_solved:
        agenda_meetings = list(upcoming_for_agenda(community))
    return render(
        request,
        "knowledge/problem_detail.html",
        community_context(
            request,
            community,
            problem=problem,
            replies=replies,
            reply_form=reply_form or ReplyForm(),
            can_reply=allowed(user, "knowledge.reply", problem),
            can_accept=may_accept,
            can_edit=allowed(user, "knowledge.edit_problem", problem),
            can_delete=allowed(user, "knowledge.delete", problem),
            can_promote=problem.is_solved
            and promoted is None
            and allowed(user, "knowledge.promote", problem),
            promoted=(
                promoted
                if promoted
                and promoted.deleted_at is None
                and allowed(user, "knowledge.view", promoted)
                else None
            ),
            can_tell_story=allowed(user, "knowledge.tell_story", community),
            agenda_meetings=agenda_meetings,
            related=similarity.related(
                user, problem=problem, community=community, topics=_topics(problem.tags.all())
            ),
            can_merge=allowed(user, "knowledge.merge_problem", problem),
        ),
    )


def _problem_form_page(request, community, *, problem=None):
    initial = {}
    if problem is not None:
        initial = {
            "title": problem.title, "context": problem.context, "tried": problem.tried,
            "tags": list(problem.tags.all()),
        }  # fmt: skip
    form = ProblemForm(
        request.POST or None,
        initial=initial,
        community=community,
        similar_url=reverse("knowledge:problem_similar", kwargs={"slug": community.slug}),
    )
    return _compose_page(
        request,
        community,
        form=form,
        item=problem,
        create=lambda data: problems.ask_problem(community=community, author=request.user, **data),
        edit=lambda data: problems.edit_problem(problem=problem, by=request.user, **data),
        created=_("Your problem is posted. Members will be able to reply."),
        saved=_("Your problem is saved."),
        heading=(_("Bring a problem"), _("Edit your problem")),
        intro=_(
            "Say what you are trying to do and what you tried. Members answer; you "
            "accept the answers that solved it."
        ),
        submit=_("Post problem"),
        list_url_name="knowledge:problem_list",
        suggest=None if problem else (lambda data: _similar_to_form(request, community, data)),
    )


@login_required
@permission_required("knowledge.ask_problem", obj=_community)
def problem_create(request: HttpRequest, slug: str) -> HttpResponse:
    return _problem_form_page(request, request.community)


def _similar_to_form(request, community, data) -> list[similarity.Suggestion]:
    """Suggestions for the title (and chosen topics) of a problem being written."""
    chosen = set(data.getlist("tags")) if hasattr(data, "getlist") else set()
    tags = [tag for tag in community.tags.all() if str(tag.pk) in chosen]
    return similarity.similar(
        request.user,
        title=data.get("title", ""),
        community=community,
        topics=_topics(tags),
    )


@authorizes("knowledge.find_similar")
def problem_similar(request: HttpRequest, slug: str) -> HttpResponse:
    """The "asked before?" box of the problem form, refreshed as the title is typed
    (HTMX): similar problems and practices the viewer may see, each with its reasons."""
    community = community_for(request, slug, "knowledge.find_similar")
    return render(
        request,
        "knowledge/_similar.html",
        {
            "community": community,
            "suggestions": _similar_to_form(request, community, request.GET),
            "title": similarity.clean_title(request.GET.get("title", "")),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@permission_required("knowledge.merge_problem", obj=_item(selectors.access_problem))
def problem_merge(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A coordinator merges this problem into another: GET shows the likely originals
    (similar problems of the community, with reasons) and asks which; POST merges."""
    community = request.community
    problem = request.item
    form = MergeForm(request.POST or None, initial={"into": request.GET.get("into", "")})
    if request.method == "POST" and form.is_valid():
        into = selectors.access_problem(request.user, community, form.cleaned_data["into"])
        try:
            problems.merge_problem(duplicate=problem, into=into, by=request.user)
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(
                request,
                _("“%(title)s” is merged into this problem; its replies are here now.")
                % {"title": problem.title},
            )
            return redirect(into.get_absolute_url())
    candidates = [
        s
        for s in similarity.similar(
            request.user,
            title=problem.title,
            topics=_topics(problem.tags.all()),
            exclude_problem=problem.pk,
            limit=10,
            min_score=0.15,
        )
        if s.kind == "problem" and s.document.community_id == community.pk
    ]
    return render(
        request,
        "knowledge/problem_merge.html",
        community_context(request, community, problem=problem, form=form, candidates=candidates),
    )


@login_required
@permission_required("knowledge.edit_problem", obj=_item(selectors.access_problem))
def problem_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _problem_form_page(request, request.community, problem=request.item)


@login_required
@require_POST
@permission_required("knowledge.reply", obj=_item(selectors.access_problem))
def problem_reply(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    problem = request.item
    form = ReplyForm(request.POST)
    if _wants_preview(request):
        form.is_valid()
        response = problem_detail(request, slug, pk, reply_form=form)
        return response
    done = submit(
        request,
        form,
        lambda data: problems.post_reply(problem=problem, author=request.user, body=data["body"]),
        success=_("Your reply is posted."),
    )
    if done:
        return redirect(done.result.get_absolute_url())
    return problem_detail(request, slug, pk, reply_form=form)


@login_required
@permission_required("knowledge.edit_reply", obj=_item(selectors.access_reply))
def reply_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = request.community
    reply = request.item
    return _write_page(
        request,
        community,
        form=ReplyForm(request.POST or None, initial={"body": reply.body}),
        save=lambda data: problems.edit_reply(reply=reply, by=request.user, body=data["body"]),
        heading=_("Edit your reply"),
        intro=_("On “%(title)s”.") % {"title": reply.problem.title},
        submit=_("Save"),
        cancel_url=reply.get_absolute_url(),
    )


def _act(request, action, success: str, *, redirect_to: str) -> HttpResponse:
    act(request, action, success=success)
    return redirect(redirect_to)


@login_required
@require_POST
@permission_required("knowledge.accept_solution", obj=_item(selectors.access_reply))
def reply_accept(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    reply = request.item
    if request.POST.get("undo"):
        return _act(
            request,
            lambda: problems.unaccept_solution(reply=reply, by=request.user),
            _("That reply is no longer marked as a solution."),
            redirect_to=reply.get_absolute_url(),
        )
    return _act(
        request,
        lambda: problems.accept_solution(reply=reply, by=request.user),
        _("Marked as a solution. Thank you for closing the loop."),
        redirect_to=reply.get_absolute_url(),
    )


@authorizes("knowledge.endorse")
@login_required
@require_POST
def reply_endorse(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    reply = _item(selectors.access_reply)(request, slug, pk)
    if request.POST.get("undo"):
        validation.withdraw_endorsement(user=request.user, reply=reply)
        return redirect(reply.get_absolute_url())
    authorize(request.user, "knowledge.endorse", reply)
    return _act(
        request,
        lambda: validation.endorse_solution(reply=reply, user=request.user),
        _("Thank you: others will see this worked for you too."),
        redirect_to=reply.get_absolute_url(),
    )


@login_required
@permission_required("knowledge.promote", obj=_item(selectors.access_problem))
def problem_promote(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = request.community
    problem = request.item
    draft = entries.promotion_draft(problem)
    form = EntryForm(request.POST or None, initial=draft, community=community)
    for name in ("owner", "review_date", "summary"):
        form.fields.pop(name, None)
    return _write_page(
        request,
        community,
        form=form,
        save=lambda data: entries.promote_problem(
            problem=problem,
            by=request.user,
            title=data["title"],
            body=data["body"],
            kind=data["kind"],
            tags=list(data.get("tags") or []),
        ),
        success=_("The practice is saved as a draft. Publish it when it reads well."),
        heading=_("Turn this problem into a practice"),
        intro=_(
            "Pre-filled from the problem and its accepted solutions, each credited to "
            "its author. Shape it into something a peer can follow."
        ),
        submit=_("Save as draft"),
        cancel_url=problem.get_absolute_url(),
    )


# --- practice entries --------------------------------------------------------------------


@authorizes("cop.view_community")
def entry_list(request: HttpRequest, slug: str) -> HttpResponse:
    community = access_community(request.user, slug)
    status = request.GET.get("status", "")
    status = status if status in EntryStatus.values else ""
    kind = request.GET.get("kind", "")
    kind = kind if kind in EntryKind.values else ""
    tag = request.GET.get("tag", "")[:60]
    review = "due" if request.GET.get("review") == "due" else ""
    page = _page(
        request,
        selectors.entry_list(
            community, status=status, kind=kind, tag=tag, user=request.user, review_due=bool(review)
        ),
        "updated_at",
    )
    return render(
        request,
        "knowledge/entry_list.html",
        community_context(
            request,
            community,
            page=page,
            status=status,
            kind=kind,
            tag=tag,
            query=_query(status=status, kind=kind, tag=tag, review=review),
            review=review,
            statuses=EntryStatus.choices,
            kinds=EntryKind.choices,
            can_post=allowed(request.user, "knowledge.write_entry", community),
            shared=sharing.first_shared(community, request.user, request.GET),
        ),
    )


@authorizes("cop.view_community", "knowledge.view")
def entry_detail(request: HttpRequest, slug: str, pk: int, note_form=None) -> HttpResponse:
    community = access_community(request.user, slug)
    entry = selectors.access_entry(request.user, community, pk)
    user = request.user
    mark_thanked(user, "practice", [entry])
    body_html = link_glossary(render_markdown(entry.body), selectors.glossary_links(community))
    transitions = []
    if allowed(user, "knowledge.change_status", entry):
        transitions = [
            (status, EntryStatus(status).label)
            for status in entries.TRANSITIONS.get(entry.status, ())
        ]
        transitions.sort(key=lambda item: item[0])
    return render(
        request,
        "knowledge/entry_detail.html",
        community_context(
            request,
            community,
            entry=entry,
            body_html=body_html,
            validation=selectors.entry_validation(entry, user),
            note_form=note_form or NoteForm(),
            validation_form=ValidationForm(),
            can_edit=allowed(user, "knowledge.edit_entry", entry),
            can_delete=allowed(user, "knowledge.delete", entry),
            can_endorse=allowed(user, "knowledge.endorse", entry)
            and entry.status in (EntryStatus.NOT_VALIDATED, EntryStatus.VALIDATED),
            can_validate=allowed(user, "knowledge.validate_as_expert", entry),
            can_add_note=allowed(user, "knowledge.add_note", entry),
            can_share=allowed(user, "knowledge.share_practice", entry),
            transitions=transitions,
            **comment_context(request, entry),
        ),
    )


def _entry_form_page(request, community, *, entry=None):
    initial = {"owner": request.user}
    if entry is not None:
        initial = {
            "title": entry.title, "body": entry.body, "kind": entry.kind,
            "tags": list(entry.tags.all()), "owner": entry.owner, "review_date": entry.review_date,
        }  # fmt: skip
    form = EntryForm(request.POST or None, initial=initial, community=community)
    if entry is None:
        form.fields.pop("summary")

    def save(data):
        if entry is None:
            return entries.write_entry(
                community=community,
                author=request.user,
                publish="publish" in request.POST,
                **_tags_listed(data),
            )
        return entries.edit_entry(entry=entry, by=request.user, **_tags_listed(data))

    return _write_page(
        request,
        community,
        form=form,
        save=save,
        success=_("Your practice is saved.") if entry is None else _("Saved as a new revision."),
        heading=_("Document a practice") if entry is None else _("Edit practice"),
        intro=_(
            "A how-to, a lesson learned, a tool or a case study. Save it as a draft, or "
            "publish it for members to try and validate."
        ),
        submit=_("Save draft") if entry is None else _("Save"),
        publish=entry is None,
        cancel_url=entry.get_absolute_url()
        if entry
        else reverse("knowledge:entry_list", kwargs={"slug": community.slug}),
    )


@login_required
@permission_required("knowledge.write_entry", obj=_community)
def entry_create(request: HttpRequest, slug: str) -> HttpResponse:
    return _entry_form_page(request, request.community)


@login_required
@permission_required("knowledge.edit_entry", obj=_item(selectors.access_entry))
def entry_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _entry_form_page(request, request.community, entry=request.item)


@authorizes("knowledge.change_status")
@login_required
@require_http_methods(["GET", "POST"])
def entry_status(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """POST moves the practice through its life cycle; archiving is asked first (GET
    `?to=archived` shows the confirmation)."""
    community = access_community(request.user, slug)
    entry = selectors.access_entry(request.user, community, pk)
    if request.method == "GET":
        if request.GET.get("to") != EntryStatus.ARCHIVED or not allowed(
            request.user, "knowledge.change_status", entry
        ):
            return redirect(entry)
        return confirmation(
            request,
            question=_("Archive “%(title)s”?") % {"title": entry.title},
            detail=_(
                "An archived practice is kept for the record but no longer shown as current "
                "practice. It can be reopened later."
            ),
            button=_("Archive"),
            cancel_url=entry.get_absolute_url(),
            hidden={"to": EntryStatus.ARCHIVED},
            community=community,
        )
    authorize(request.user, "knowledge.change_status", entry)
    to = request.POST.get("to", "")
    return _act(
        request,
        lambda: entries.change_status(entry=entry, to=to, by=request.user),
        _("The practice's status is updated."),
        redirect_to=entry.get_absolute_url(),
    )


@authorizes("knowledge.endorse")
@login_required
@require_POST
def entry_endorse(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    entry = _item(selectors.access_entry)(request, slug, pk)
    if request.POST.get("undo"):
        validation.withdraw_endorsement(user=request.user, entry=entry)
        done, error = True, ""
    else:
        authorize(request.user, "knowledge.endorse", entry)
        try:
            validation.endorse_entry(entry=entry, user=request.user)
            done, error = True, ""
        except ValidationError as exc:
            done, error = False, error_text(exc)
    if request.htmx:
        entry.refresh_from_db(fields=["status"])
        return render(
            request,
            "knowledge/_endorse.html",
            {
                "community": request.community,
                "entry": entry,
                "validation": selectors.entry_validation(entry, request.user),
                "can_endorse": True,
                "error": error,
            },
        )
    if error:
        messages.error(request, error)
    elif done and not request.POST.get("undo"):
        messages.success(request, _("Thank you: your “this worked for me” is counted."))
    return redirect(entry.get_absolute_url())


@login_required
@require_POST
@permission_required("knowledge.validate_as_expert", obj=_item(selectors.access_entry))
def entry_validate(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    entry = request.item
    form = ValidationForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    return _act(
        request,
        lambda: validation.validate_as_expert(entry=entry, by=request.user, comment=comment),
        _("You validated this practice. Its author and owner are told."),
        redirect_to=entry.get_absolute_url(),
    )


@login_required
@require_POST
@permission_required("knowledge.add_note", obj=_item(selectors.access_entry))
def entry_note(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    entry = request.item
    form = NoteForm(request.POST)
    if submit(
        request,
        form,
        lambda data: entries.add_note(entry=entry, author=request.user, **data),
        success=_("Your note is shown beside the practice."),
    ):
        return redirect(entry.get_absolute_url() + "#notes")
    return entry_detail(request, slug, pk, note_form=form)


@authorizes("cop.view_community", "knowledge.view")
def entry_history(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = access_community(request.user, slug)
    entry = selectors.access_entry(request.user, community, pk)
    return render(
        request,
        "knowledge/entry_history.html",
        community_context(
            request,
            community,
            entry=entry,
            history=selectors.revision_history(entry),
            can_revert=allowed(request.user, "knowledge.revert_entry", entry),
        ),
    )


@login_required
@require_POST
@permission_required("knowledge.revert_entry", obj=_item(selectors.access_entry))
def entry_revert(request: HttpRequest, slug: str, pk: int, number: int) -> HttpResponse:
    entry = request.item
    return _act(
        request,
        lambda: entries.revert_entry(entry=entry, to_number=number, by=request.user),
        _("Reverted. The history keeps every version."),
        redirect_to=reverse("knowledge:entry_history", kwargs={"slug": slug, "pk": pk}),
    )


# --- deletion ----------------------------------------------------------------------------


_KIND_LABELS = {"story": _lazy("story"), "problem": _lazy("problem"), "reply": _lazy("reply"),
                "entry": _lazy("practice")}  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
@permission_required("knowledge.delete", obj=_item(_live_item))
def delete_item(request: HttpRequest, slug: str, kind: str, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes (softly) and offers an Undo."""
    community = request.community
    item = request.item
    title = item.problem.title if kind == "reply" else item.title
    back = item.problem.get_absolute_url() if kind == "reply" else item.get_absolute_url()
    if request.method == "GET":
        return confirmation(
            request,
            question=_("Delete this %(kind)s?") % {"kind": _KIND_LABELS[kind]}
            if kind != "reply"
            else _("Delete your reply to “%(title)s”?") % {"title": title},
            detail=(
                _("“%(title)s” will no longer be shown or found. Nothing is lost: you can undo "
                  "this for a few minutes, and a coordinator can restore it later.")
                % {"title": title}
            ),
            button=_("Delete"),
            cancel_url=back,
            community=community,
        )  # fmt: skip
    soft_delete(item=item, by=request.user)
    undo_message(
        request,
        _("Deleted. You can undo this for a few minutes; a coordinator can restore it later."),
        reverse(f"knowledge:{kind}_restore", kwargs={"slug": slug, "pk": pk}),
    )
    if kind == "reply":
        return redirect(item.problem.get_absolute_url())
    return redirect("knowledge:home", slug=community.slug)


@login_required
@permission_required("knowledge.view_deleted", obj=_community)
def deleted_page(request: HttpRequest, slug: str) -> HttpResponse:
    community = request.community
    return render(
        request,
        "knowledge/deleted.html",
        community_context(request, community, **selectors.deleted_items(community)),
    )


@login_required
@require_POST
@permission_required("knowledge.restore", obj=_item(selectors.access_deleted))
def restore_item(request: HttpRequest, slug: str, kind: str, pk: int) -> HttpResponse:
    """Restore a deleted item: a coordinator from the deleted page, or whoever deleted it
    with Undo (back to the item then)."""
    item = request.item
    undoing = can_undo_delete(request.user, item)
    if undoing:
        target = item.problem.get_absolute_url() if kind == "reply" else item.get_absolute_url()
    else:
        target = reverse("knowledge:deleted", kwargs={"slug": slug})
    return _act(request, lambda: restore(item=item, by=request.user), _("Restored."),
                redirect_to=target)  # fmt: skip


# --- expertise finder ---------------------------------------------------------------------


@authorizes("cop.view_community")
def experts_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Who has helped with a topic: members ranked by accepted solutions, validated
    practices, talks and answers on it, with the evidence; members may opt out."""
    community = access_community(request.user, slug)

    topics = list(community.tags.order_by("name"))
    chosen = request.GET.get("topic", "")[:60]
    topic = next((t for t in topics if t.slug == chosen), None)
    return render(
        request,
        "knowledge/experts.html",
        community_context(
            request,
            community,
            topics=topics,
            topic=topic,
            helpers=who_has_helped(community, topic) if topic else [],
            strong=STRONG,
        ),
    )


# --- gaps ---------------------------------------------------------------------------------


@authorizes("knowledge.view_gaps")
def gaps_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Knowledge gaps (coordinators): where problems stay unanswered, solved problems
    have no validated practice, nobody is recognised as expert, practices are past
    review; each with its figure, its evidence and a next step."""
    community = community_for(request, slug, "knowledge.view_gaps")

    return render(
        request,
        "knowledge/gaps.html",
        community_context(
            request,
            community,
            gaps=knowledge_gaps(community),
            answer_days=ANSWER_DAYS,
            unanswered_percent=int(UNANSWERED_SHARE * 100),
            window_days=WINDOW_DAYS,
        ),
    )


# --- glossary ----------------------------------------------------------------------------


@authorizes("knowledge.propose_term")
def glossary_page(request: HttpRequest, slug: str) -> HttpResponse:
    community = access_community(request.user, slug)
    can_post = allowed(request.user, "knowledge.propose_term", community)
    form = TermForm(request.POST or None)
    previews = []
    if request.method == "POST":
        authorize(request.user, "knowledge.propose_term", community)
        if _wants_preview(request):
            previews = _previews(form)
        elif form.is_valid():
            try:
                term = glossary.propose_term(
                    community=community, by=request.user, **form.cleaned_data
                )
                messages.success(
                    request,
                    _("“%(term)s” is in the glossary.") % {"term": term.term}
                    if term.status == "accepted"
                    else _("Thank you. A coordinator will review “%(term)s”.")
                    % {"term": term.term},
                )
                return redirect(term.get_absolute_url())
            except ValidationError as error:
                add_refusal(form, error)
    terms = list(selectors.glossary(community))
    return render(
        request,
        "knowledge/glossary.html",
        community_context(
            request,
            community,
            terms=[t for t in terms if t.status == TermStatus.ACCEPTED],
            proposed=[t for t in terms if t.status == TermStatus.PROPOSED],
            form=form,
            previews=previews,
            can_post=can_post,
            can_accept=allowed(request.user, "knowledge.decide_term", community),
        ),
    )


@login_required
@require_POST
@permission_required("knowledge.decide_term", obj=_term)
def term_accept(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    term = request.item
    return _act(
        request,
        lambda: glossary.accept_term(term=term, by=request.user),
        _("The term is accepted and will be linked from practices."),
        redirect_to=term.get_absolute_url(),
    )


@login_required
@require_POST
@permission_required("knowledge.decide_term", obj=_term)
def term_decline(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A coordinator declines a proposed term, with an optional reason for its proposer."""
    term = request.item
    reason = request.POST.get("reason", "")[:1000]
    return _act(
        request,
        lambda: glossary.decline_term(term=term, by=request.user, reason=reason),
        _("“%(term)s” was declined; whoever proposed it is told.") % {"term": term.term},
        redirect_to=reverse("knowledge:glossary", kwargs={"slug": slug}) + "#proposed",
    )


# --- search, preview, export -------------------------------------------------------------


def search_page(request: HttpRequest) -> HttpResponse:
    communities = list(visible_communities(request.user).order_by("name"))
    form = SearchForm(request.GET or None, communities=communities)
    hits = []
    query = ""
    if form.is_valid():
        data = form.cleaned_data
        query = data["q"]
        hits = search_backend.search(
            request.user,
            query,
            kind=data["kind"],
            status=data["status"],
            community=data["community"],
            tag=data["tag"] or "",
        )
    return render(request, "knowledge/search.html", {"form": form, "hits": hits, "query": query})


@permission_required("cop.signed_in")
@login_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """Sanitized HTML of the Markdown fields posted (for the HTMX preview)."""
    previews = []
    for name in MARKDOWN_FIELDS:
        text = request.POST.get(name, "")[:50000]
        if text.strip():
            previews.append((MARKDOWN_LABELS[name], render_markdown(text)))
    return render(request, "knowledge/_preview.html", {"previews": previews})


@login_required
@permission_required("knowledge.export", obj=_community)
def export(request: HttpRequest, slug: str) -> HttpResponse:
    community = request.community
    response = HttpResponse(export_zip(community), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(community)}"'
    return response
