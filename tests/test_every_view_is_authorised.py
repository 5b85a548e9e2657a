"""Every page and API endpoint is authorised by a declared permission.

The walk reads the URL conf. A page view carries `permissions_read` (set by
`cop.permissions.permission_required` or `authorizes`); an API view (view set, APIView
or `@api_view` function) has a `permissions` map naming a permission for each action
it serves, or `permissions_read` for all of them. Each name must be declared
(`cop.permissions.declare`) and read: by `DeclaredPermission` in the view's
`permission_classes`, or by an `authorize`/`allowed`/`permission_required` call in the
view's module, a module its class inherits from, or an access helper in a
`selectors*` module. Views of the libraries Copse mounts (admin, allauth, the schema
pages) and the few public endpoints in PUBLIC are outside the rule. Last, every
declared permission is read somewhere: no dead declarations.
"""

import ast
import inspect
from pathlib import Path

import pytest
from django.urls import get_resolver
from django.urls.resolvers import URLResolver
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from cop.permissions import REFUSALS, DeclaredPermission, authorizes

ROOT = Path(__file__).resolve().parent.parent
APPS = ("cop", "knowledge", "mentoring", "meetings", "care")
READERS = {"authorize", "allowed", "permission_required", "has_perm"}
# "Signed in" is what DRF's IsAuthenticated reads too.
SIGNED_IN = {"cop.signed_in", "care.signed_in"}

# Public by design, each with its reason: nothing to authorise before answering.
PUBLIC = {
    "cop.views.site.home": "the front page: what Copse is, or one's own communities",
    "cop.views.site.healthz": "the load balancer's probe",
    "cop.views.communities.community_list": "the directory lists what the viewer may see",
    "cop.views.communities.accept_invitation": "the invitation's token is the key",
    "cop.views.notifications.unsubscribe": "the signed token in the email is the key",
    "cop.api.communities.obtain_token": "signing in to the API",
    "cop.api.communities.accept_invitation": "the invitation's token is the key",
    "knowledge.views.search_page": "results are filtered by what the viewer may see",
    "knowledge.api.search.search": "results are filtered by what the viewer may see",
    "meetings.views.personal_ics": "the feed's secret token is the key",
}


def _walk(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern.callback


def _ours(callback) -> bool:
    return callback.__module__.split(".")[0] in APPS


def _name(callback) -> str:
    target = getattr(callback, "cls", None) or getattr(callback, "view_class", None) or callback
    if getattr(callback, "cls", None) and callback.cls.__name__ == "WrappedAPIView":
        target = callback  # an @api_view function
    return f"{target.__module__}.{target.__name__}"


def _called(node: ast.Call) -> str | None:
    return getattr(node.func, "id", None) or getattr(node.func, "attr", None)


def _reads_in(path: Path, readers: set[str]) -> set[str]:
    """Declared names read in a module: string arguments of the reader calls."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and _called(node) in readers:
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    names.add(arg.value)
    return names


# Where each reader takes the permission's name among its positional arguments.
NAME_AT = {"authorize": 1, "allowed": 1, "permission_required": 0, "has_perm": 0}


def _with_wrappers(paths) -> set[str]:
    """The readers and the app's helpers that hand one of their parameters on to a
    reader as the permission's name (`community_for(request, slug, permission)` calls
    `authorize(request.user, permission, community)`), and helpers of those: a name
    given to one is read."""
    trees = [ast.parse(path.read_text()) for path in paths]
    name_at = dict(NAME_AT)
    while True:
        found = dict(name_at)
        for tree in trees:
            for node in ast.walk(tree):
                if not isinstance(node, ast.FunctionDef):
                    continue
                params = [arg.arg for arg in node.args.args]
                for call in ast.walk(node):
                    at = name_at.get(_called(call)) if isinstance(call, ast.Call) else None
                    if at is None or len(call.args) <= at:
                        continue
                    arg = call.args[at]
                    if isinstance(arg, ast.Name) and arg.id in params:
                        found.setdefault(node.name, params.index(arg.id))
        if found == name_at:
            return set(name_at)
        name_at = found


def _app_modules() -> dict[str, Path]:
    modules = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            modules[dotted.removesuffix(".__init__")] = path
    return modules


MODULES = _app_modules()
ALL_READERS = _with_wrappers(MODULES.values())
READS = {module: _reads_in(path, ALL_READERS) for module, path in MODULES.items()}
READ_BY_ACCESS_HELPERS = set().union(
    *(
        names
        for module, names in READS.items()
        if any(part.startswith("selectors") for part in module.split(".")[1:])
    )
)


def _read_where(callback) -> set[str]:
    """Names read in the modules behind a view: its own, its classes' bases."""
    modules = {callback.__module__}
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if cls is not None:
        modules |= {klass.__module__ for klass in inspect.getmro(cls)}
    return set().union(*(READS.get(module, set()) for module in modules))


def _api_actions(callback) -> dict[str, tuple]:
    """The actions an API callback serves, each with the permissions it names (a map
    value may name two when one action does two things, e.g. GET and POST)."""
    cls = callback.cls
    actions = getattr(callback, "actions", None)
    served = (
        set(actions.values())
        if actions
        else {m for m in cls.http_method_names if hasattr(cls, m) and m not in ("options", "head")}
    )
    marked = tuple(getattr(callback, "permissions_read", None) or ())
    view = cls(**getattr(callback, "initkwargs", {}))
    declared_map = getattr(view, "permissions", None) or {}
    named = {action: declared_map.get(action) or marked for action in served}
    return {
        action: names if isinstance(names, tuple) else (names,) for action, names in named.items()
    }


def _permission_classes(callback, action) -> list:
    cls = callback.cls
    handler = getattr(cls, action, None)
    classes = getattr(handler, "kwargs", {}).get("permission_classes") or cls.permission_classes
    return [klass for klass in classes if inspect.isclass(klass)]


def _checked_by_drf(callback, action, permission) -> bool:
    classes = _permission_classes(callback, action)
    if any(issubclass(klass, DeclaredPermission) for klass in classes):
        return True
    return permission in SIGNED_IN and any(issubclass(klass, IsAuthenticated) for klass in classes)


def views() -> list[tuple[str, list]]:
    """Each view of the apps (not PUBLIC) with its routes: a view set has several."""
    seen: dict[str, list] = {}
    for route, callback in _walk(get_resolver()):
        if _ours(callback) and _name(callback) not in PUBLIC:
            seen.setdefault(_name(callback), []).append((route, callback))
    return sorted(seen.items())


VIEWS = views()


def problems_of(found) -> list[str]:
    """What is wrong with one view (its routes): empty when it is guarded."""
    callback = found[0][1]
    read_here = _read_where(callback) | READ_BY_ACCESS_HELPERS
    problems = []
    if getattr(callback, "cls", None) is not None:  # the API
        actions = {}
        for _, each in found:
            actions.update(_api_actions(each))
        for action, names in sorted(actions.items()):
            if not names:
                problems.append(f"action {action!r} names no permission")
            for permission in names:
                if permission not in REFUSALS:
                    problems.append(f"{permission!r} ({action}) is not declared")
                elif not (_checked_by_drf(callback, action, permission) or permission in read_here):
                    problems.append(
                        f"{permission!r} ({action}) is neither checked by "
                        "DeclaredPermission nor read in the view's module"
                    )
    else:
        names = getattr(callback, "permissions_read", None)
        if not names:
            problems.append("no permission_required/authorizes marker")
        for permission in names or ():
            if permission not in REFUSALS:
                problems.append(f"{permission!r} is not declared")
            elif permission not in read_here:
                problems.append(f"{permission!r} is not read in the view's module")
    return problems


@pytest.mark.parametrize(("name", "found"), VIEWS, ids=[name for name, _ in VIEWS])
def test_every_view_is_authorised_by_a_declared_permission(name, found):
    problems = problems_of(found)
    assert not problems, f"{name} ({found[0][0]}): " + "; ".join(problems)


def _unmarked_page(request):
    return None


@authorizes("knowledge.no_such_thing")
def _misnamed_page(request):
    return None


@authorizes("care.moderate")  # declared, but no module of the view reads it
def _unread_page(request):
    return None


class _UnmappedViewSet(viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated]

    def list(self, request):
        return None


def test_the_walk_refuses_unguarded_views():
    assert problems_of([("x/", _unmarked_page)]) == ["no permission_required/authorizes marker"]
    assert problems_of([("x/", _misnamed_page)]) == ["'knowledge.no_such_thing' is not declared"]
    assert problems_of([("x/", _unread_page)]) == [
        "'care.moderate' is not read in the view's module"
    ]
    unmapped = _UnmappedViewSet.as_view({"get": "list"})
    assert problems_of([("x/", unmapped)]) == ["action 'list' names no permission"]


def test_public_endpoints_exist():
    """The allow-list names real views (a renamed one must leave it)."""
    names = {_name(callback) for _, callback in _walk(get_resolver())}
    assert set(PUBLIC) <= names, set(PUBLIC) - names


def test_every_declared_permission_is_read():
    read = set().union(*(names for module, names in READS.items() if not module.endswith("rules")))
    read |= {name for _, found in VIEWS for _, callback in found for name in _marked(callback)}
    dead = {name for name in REFUSALS if not name.startswith("tests.")} - read
    assert not dead, f"declared but never read: {sorted(dead)}"


def _marked(callback) -> set[str]:
    if getattr(callback, "cls", None) is not None:
        return {name for names in _api_actions(callback).values() for name in names}
    return set(getattr(callback, "permissions_read", ()) or ())


def test_a_helper_passing_its_argument_to_authorize_reads_the_name_given():
    assert {"community_for", "managed_meeting", "meeting_and_body"} <= ALL_READERS
    # These take a user and a slug or id, never a permission's name.
    assert not {"access_community", "access_meeting"} & ALL_READERS
