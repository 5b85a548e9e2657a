"""Consequential actions ask first and can be undone.

A destructive action's address answers GET with a confirmation page (a form, so it
works without JavaScript) and does the action on POST. After a soft deletion or a
removal, the flash message carries an Undo button (`undo_message`)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

UNDO_TAG = "undo "


def confirmation(
    request: HttpRequest,
    *,
    question: str,
    button: str,
    cancel_url: str,
    detail: str = "",
    hidden: dict | None = None,
    community=None,
) -> HttpResponse:
    """The page that asks before `request.path` does something that cannot be taken back
    lightly; its form posts to the same address."""
    return render(
        request,
        "cop/confirm.html",
        {
            "question": question,
            "detail": detail,
            "button": button,
            "cancel_url": cancel_url,
            "hidden": hidden or {},
            "action": request.get_full_path(),
            "community": community,
        },
    )


def undo_message(request: HttpRequest, text: str, undo_url: str) -> None:
    """A success message with an Undo button that posts to `undo_url`."""
    messages.success(request, text, extra_tags=UNDO_TAG + undo_url)


def undo_url(message) -> str:
    """The Undo address a message carries, or ""."""
    tags = getattr(message, "extra_tags", "") or ""
    return tags[len(UNDO_TAG) :] if tags.startswith(UNDO_TAG) else ""
