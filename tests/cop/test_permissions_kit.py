"""The declared-permission kit: one name, one message, for pages and API alike."""

import pytest
import rules
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from cop.permissions import (
    DEFAULT_REFUSAL,
    DeclaredPermission,
    allowed,
    authorize,
    declare,
    permission_required,
    refusal,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

declare("tests.even", rules.predicate(lambda user, n: n % 2 == 0), "Only even numbers.")


def test_authorize_raises_the_declared_message():
    user = UserFactory()
    assert allowed(user, "tests.even", 2)
    authorize(user, "tests.even", 2)
    with pytest.raises(PermissionDenied, match=r"Only even numbers\."):
        authorize(user, "tests.even", 3)
    assert refusal("tests.unknown") == str(DEFAULT_REFUSAL)


def test_decorator_checks_the_fetched_object():
    @permission_required("tests.even", obj=lambda request, n: n)
    def view(request, n):
        return n

    request = RequestFactory().get("/")
    request.user = UserFactory()
    assert view(request, n=4) == 4
    with pytest.raises(PermissionDenied):
        view(request, n=5)
    assert view.permission_required == "tests.even"


class _View:
    def __init__(self, action, target=None, permissions=None):
        self.action = action
        self.permissions = permissions if permissions is not None else {"list": "tests.even"}
        if target is not None:
            self.permission_object = lambda: target


def test_drf_permission_refuses_an_action_left_out_of_the_map():
    request = RequestFactory().get("/")
    request.user = UserFactory()
    view = _View("destroy")
    view.request = request
    with pytest.raises(PermissionDenied):
        DeclaredPermission().has_permission(request, view)


def test_drf_permission_checks_the_target_or_else_the_object():
    request = RequestFactory().get("/")
    request.user = UserFactory()
    view = _View("list", target=3)
    view.request = request
    with pytest.raises(PermissionDenied, match=r"Only even numbers\."):
        DeclaredPermission().has_permission(request, view)
    view = _View("list")
    view.request = request
    assert DeclaredPermission().has_permission(request, view)
    with pytest.raises(PermissionDenied):
        DeclaredPermission().has_object_permission(request, view, 7)
    assert DeclaredPermission().has_object_permission(request, view, 8)


def test_a_superuser_gets_no_more_than_the_rule_gives():
    admin = UserFactory(is_staff=True, is_superuser=True)
    assert admin.has_perm("tests.even", 3)  # Django's backend grants superusers everything
    assert not allowed(admin, "tests.even", 3)
    with pytest.raises(PermissionDenied):
        authorize(admin, "tests.even", 3)
