"""Permissions declared once, read by pages and API alike.

Each action a person can take is one `rules` permission with one refusal message:

    declare("knowledge.comment_on", is_active_member, _("Only members can comment."))

Pages read it with `authorize(request.user, "knowledge.comment_on", community)` (or the
`permission_required` decorator), the API with `DeclaredPermission` and a `permissions`
map on the view set. Both raise `PermissionDenied` with the same translated message: a
page answers 403 with it, the API `{"detail": …}`. Services keep invariants, never
who-may-do-what.
"""

from collections.abc import Callable
from functools import wraps

import rules
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

DEFAULT_REFUSAL = _("You are not allowed to do this.")
REFUSALS: dict[str, Promise | str] = {}


def declare(name: str, predicate, refusal: Promise | str) -> None:
    """Register permission `name` and the message a refused person reads."""
    if rules.perm_exists(name):
        rules.set_perm(name, predicate)
    else:
        rules.add_perm(name, predicate)
    REFUSALS[name] = refusal


def refusal(name: str) -> str:
    return str(REFUSALS.get(name, DEFAULT_REFUSAL))


def allowed(user, name: str, obj=None) -> bool:
    """Whether `user` may do `name` on `obj`: templates and selectors ask this. The rule is
    tested with `user` as given (not through `User.has_perm`, which would hand the
    predicates the object behind `request.user`'s lazy wrapper and so miss the
    memberships cached on it for the request; nor would a superuser pass every rule)."""
    return bool(rules.has_perm(name, user, obj))


def authorize(user, name: str, obj=None) -> None:
    """Raise PermissionDenied with the declared message unless `user` may do `name`."""
    if not allowed(user, name, obj):
        raise PermissionDenied(refusal(name))


def permission_required(name: str, obj: Callable | None = None):
    """View decorator: `obj(request, **kwargs)` fetches the object the permission is
    about (raise Http404 there for missing and invisible alike). A refused visitor who
    is not signed in is sent to sign in first, as `login_required` does."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            target = obj(request, **kwargs) if obj else None
            if not request.user.is_authenticated and not allowed(request.user, name, target):
                return redirect_to_login(request.get_full_path())
            authorize(request.user, name, target)
            return view(request, *args, **kwargs)

        wrapped.permission_required = name
        wrapped.permissions_read = (name,)
        return wrapped

    return decorator


def authorizes(*names: str):
    """Mark a view that reads the declared permissions `names` itself: it fetches its
    object first (404 for missing and invisible alike), then calls `authorize` (or
    `allowed`, or an access helper that reads the name). Nothing changes at run time;
    the URL walk in the tests reads `permissions_read` to see that every page and
    endpoint is guarded by a declared permission. View sets say the same with their
    `permissions` map (action → name)."""

    def mark(view):
        view.permissions_read = tuple(names)
        return view

    return mark


class DeclaredPermission(BasePermission):
    """DRF permission reading the view's `permissions` map: action → permission name,
    checked against `view.permission_object()` when the view defines it and it returns
    something (the community for a list or create), else against the object itself on
    detail actions. An action left out
    of the map is refused, so a new endpoint cannot go unguarded by accident."""

    def _name(self, view) -> str | None:
        action = getattr(view, "action", None) or view.request.method.lower()
        return getattr(view, "permissions", {}).get(action)

    def has_permission(self, request, view) -> bool:
        name = self._name(view)
        if name is None:
            raise PermissionDenied(str(DEFAULT_REFUSAL))
        target_of = getattr(view, "permission_object", None)
        target = target_of() if target_of else None
        view.permission_checked = target is not None
        if target is not None:
            authorize(request.user, name, target)
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        if not getattr(view, "permission_checked", False):
            authorize(request.user, self._name(view), obj)
        return True
