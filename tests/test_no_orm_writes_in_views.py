"""Views and API views write nothing through the ORM: every write goes through a service.

A page or an endpoint parses, fetches and authorises, calls one service, renders or
serializes. This guard reads every `views*`/`api*` module of the apps (and the modules
of `views`/`api` packages) and fails on a call that writes: `.save()`, `.delete()`, a
manager's or queryset's `create`/`update`/`get_or_create`/`bulk_*`, a many-to-many
`add`/`remove`/`clear`/`set`, and on a DRF view set that writes through one of DRF's
model mixins without overriding the `perform_*` hook that would call `serializer.save()`
(or `instance.delete()`) by itself.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("cop", "knowledge", "mentoring", "meetings", "care")

# Any receiver: these names are writes whatever they are called on.
ALWAYS = {"save", "delete", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
# Writes when called on a manager or queryset (`X.objects…`, `….filter(…)`, a related set).
ON_QUERYSETS = {"create", "update", "add", "remove", "clear", "set", "select_for_update"}
QUERYSET_STEPS = {"objects", "filter", "exclude", "all", "select_related", "only", "order_by"}
# DRF model mixins, the hook that writes when left as DRF wrote it, and what replaces it.
MIXIN_HOOKS = {
    "CreateModelMixin": ("perform_create", "create"),
    "UpdateModelMixin": ("perform_update", "update", "partial_update"),
    "DestroyModelMixin": ("perform_destroy", "destroy"),
}


def adapter_modules() -> list[Path]:
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT / app).parts
            if "migrations" in parts or "management" in parts:
                continue
            if any(part.startswith(("views", "api")) for part in parts) and not parts[
                -1
            ].startswith("api_support"):
                found.append(path)
    return found


def _is_super(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"
    )


def _on_queryset(node: ast.AST) -> bool:
    """Whether the receiver chain goes through a manager or a queryset step."""
    while isinstance(node, ast.Call | ast.Attribute):
        if isinstance(node, ast.Attribute):
            if node.attr in QUERYSET_STEPS or node.attr.endswith("_set"):
                return True
            node = node.value
        else:
            node = node.func
    return False


def writes_in(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name, receiver = node.func.attr, node.func.value
        if _is_super(receiver):
            continue  # a view set handing over to DRF's own action (checked below)
        if name in ALWAYS or (name in ON_QUERYSETS and _on_queryset(receiver)):
            found.append((node.lineno, f".{name}()"))
    return found


def unhooked_mixins(tree: ast.AST) -> list[tuple[int, str]]:
    """View sets using a DRF model mixin whose writing hook is left to DRF. Hooks defined
    by a base class of the same module count (e.g. an `EditMixin` of the app's API)."""
    classes = {node.name: node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}

    def defines(cls: ast.ClassDef, names, seen=()) -> bool:
        own = {item.name for item in cls.body if isinstance(item, ast.FunctionDef)}
        if own & set(names):
            return True
        for base in cls.bases:
            base_name = getattr(base, "id", None)
            if (
                base_name in classes
                and base_name not in seen
                and defines(classes[base_name], names, (*seen, cls.name))
            ):
                return True
        return False

    def mixins_of(cls: ast.ClassDef, seen=()) -> set[str]:
        names = set()
        for base in cls.bases:
            name = getattr(base, "attr", None) or getattr(base, "id", None)
            if name in MIXIN_HOOKS:
                names.add(name)
            elif name in classes and name not in seen:
                names |= mixins_of(classes[name], (*seen, cls.name))
        return names

    found = []
    for cls in classes.values():
        if cls.name.startswith("_"):
            continue  # an abstract base: the view sets built on it are checked
        for mixin in sorted(mixins_of(cls)):
            if not defines(cls, MIXIN_HOOKS[mixin]):
                found.append((cls.lineno, f"{cls.name} leaves {MIXIN_HOOKS[mixin][0]} to DRF"))
    return found


def test_the_guard_sees_the_adapter_modules():
    names = {str(path.relative_to(ROOT)) for path in adapter_modules()}
    assert {
        "knowledge/views.py",
        "mentoring/api.py",
        "cop/api/communities.py",
        "meetings/views.py",
    } <= names


def test_the_guard_catches_writes():
    tree = ast.parse(
        "def v(request, form, item):\n"
        "    form.save()\n"
        "    item.delete()\n"
        "    Problem.objects.create(title='x')\n"
        "    Problem.objects.filter(pk=1).update(title='x')\n"
        "    item.tags.add(1)\n"
        "    context = {}\n"
        "    context.update(a=1)\n"
        "    super().update(request)\n"
        "class V(mixins.CreateModelMixin, GenericViewSet):\n"
        "    pass\n"
    )
    assert [line for line, _ in writes_in(tree)] == [2, 3, 4, 5]
    assert [line for line, _ in unhooked_mixins(tree)] == [10]


@pytest.mark.parametrize("path", adapter_modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_orm_writes_in_views_and_api_views(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    problems = writes_in(tree) + unhooked_mixins(tree)
    assert not problems, "\n".join(
        f"{path.relative_to(ROOT)}:{line}: {what} (move the write into a service)"
        for line, what in problems
    )
