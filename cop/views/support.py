"""What the pages of every app share: a community page's base context, and calling a
service from a form or a button with the message the member sees.

A service refuses with a ValidationError; these helpers turn it into a form error or an
error message, so a page answers with its form again or a redirect, never a 500.
"""

from collections.abc import Callable
from typing import Any, NamedTuple

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest

from cop.permissions import authorize
from cop.rules import membership_of
from cop.selectors.communities import access_community

Success = str | Callable[[Any], str]


class Done(NamedTuple):
    """A service call that went through, with what it returned (truthy even when None)."""

    result: Any


def error_text(exc: ValidationError) -> str:
    """A refusal's messages as one line for the message bar."""
    return " ".join(exc.messages)


def add_refusal(form: Form, exc: ValidationError) -> None:
    """Put a service's refusal on the form: each field's messages on that field when the
    form has it, everything else (and a plain refusal) as a non-field error."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def community_for(request: HttpRequest, slug: str, permission: str):
    """The community of the URL (404 when the viewer may not see it), 403 unless the
    viewer has `permission` on it."""
    community = access_community(request.user, slug)
    authorize(request.user, permission, community)
    return community


def community_context(request: HttpRequest, community, **extra) -> dict:
    """The context every community page starts from: the community and the viewer's
    membership (None for a visitor)."""
    return {"community": community, "membership": membership_of(request.user, community), **extra}


def _succeed(request: HttpRequest, result: Any, success: Success) -> Done:
    messages.success(request, success(result) if callable(success) else success)
    return Done(result)


def submit(
    request: HttpRequest, form: Form, action: Callable[[dict], Any], *, success: Success
) -> Done | None:
    """On a POST whose form is valid, call `action(form.cleaned_data)`.

    A ValidationError it raises goes on the form (`add_refusal`) and None is returned,
    so the caller renders the form again. Otherwise the success message (a string, or
    made from the result) is queued and Done(result) returned for the redirect.
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = action(form.cleaned_data)
    except ValidationError as exc:
        add_refusal(form, exc)
        return None
    return _succeed(request, result, success)


def act(request: HttpRequest, action: Callable[[], Any], *, success: Success) -> Done | None:
    """Call `action()` for a button's POST: its refusal becomes an error message and None
    is returned; otherwise the success message is queued and Done(result) returned."""
    try:
        result = action()
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return None
    return _succeed(request, result, success)
