"""Hostile values through every HTML form: no 500, and nothing half-saved.

The forms are found, not listed: the pages a coordinator (who also hosts, mentors and
writes) and an anonymous visitor can reach are crawled, and every POST form on them is
taken with the values the page fills in, completed where empty with ordinary values
of each input's type. Then each field in turn gets each value of a table of hostile
values (dates at the ends of the calendar, huge and negative numbers, control
characters, over-long text, markup, JSON that is not an object...) while the others
keep their ordinary values. Every submission runs in a savepoint rolled back
afterwards, so each starts from the same world. A submission that is refused (anything
but a redirect) must leave every row as it was.
"""

import hashlib
import json
import os
import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.api_permissions import build_world
from tests.factories import TagFactory

pytestmark = pytest.mark.django_db

HOSTILE_TEXT = [
    "",
    "\x00",
    "line\r\nBcc: someone@example.org\x1b[2J\u202e\u2028\x85",
    "9" * 40,
    "-1",
    "1e309",
    "9999-12-31",
    "x" * 100_000,
    "<script>alert(1)</script>",
    "null",
    '{"a": 1}',
]
HOSTILE_CHOICE = ["", "not-a-choice", "9" * 40, "-1", "\x00"]
HOSTILE_DATE = ["0001-01-01", "9999-12-31", "10000-01-01", "2026-02-30", "", "x"]
HOSTILE_TIME = ["00:00", "23:59", "24:00", "", "x"]
HOSTILE_NUMBER = ["0", "-1", "9" * 40, "1e309", "NaN", "1.5", ""]
# What a database itself may refuse or mangle: NUL, numbers past 64 bits, years past
# 9999, 100,000 characters. Every field gets these on either database.
DATABASE_LIMITS = {"\x00", "9" * 40, "1e309", "9999-12-31", "10000-01-01", "x" * 100_000}
# The PostgreSQL run sends every value to every field. The embedded run sends the
# database limits and, taking turns field by field, half of the other values, so each
# value still reaches half of the fields, in half the requests. FUZZ_EVERY_VALUE=1 sends
# them all here too.
EVERY_VALUE = django_settings.USING_POSTGRES or os.environ.get("FUZZ_EVERY_VALUE") == "1"

# Links and forms not to follow: what ends the session, downloads, the API and the admin.
SKIP = re.compile(r"logout|\.ics$|\.csv$|/export/|/static/|/api/|/admin/|unsubscribe")
MAX_PAGES = 40
# Fields that change on every request by design, not by the form under test.
VOLATILE = {"last_seen_at", "last_login", "last_used_at"}


class _Forms(HTMLParser):
    """The POST forms of a page: action, fields (name → kind, value, options)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.links: list[str] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            method = (attrs.get("method") or "get").lower()
            self._form = {"action": attrs.get("action") or "", "fields": {}, "submit": None}
            if method == "post":
                self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            name, kind = attrs.get("name"), (attrs.get("type") or "text").lower()
            if not name:
                return
            if kind == "submit":
                self._form["submit"] = self._form["submit"] or (name, attrs.get("value", ""))
                return
            field = self._form["fields"].setdefault(
                name, {"kind": kind, "value": [], "options": [], "required": False}
            )
            field["required"] = field["required"] or "required" in attrs
            if kind in ("checkbox", "radio"):
                field["options"].append(attrs.get("value", "on"))
                if "checked" in attrs:
                    field["value"].append(attrs.get("value", "on"))
            else:
                field["value"] = [attrs.get("value", "")]
        elif tag == "button" and attrs.get("name"):
            self._form["submit"] = self._form["submit"] or (attrs["name"], attrs.get("value", ""))
        elif tag == "select" and attrs.get("name"):
            self._select = self._form["fields"].setdefault(
                attrs["name"],
                {"kind": "select", "value": [], "options": [], "required": "required" in attrs},
            )
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            self._select["options"].append(value)
            if "selected" in attrs:
                self._select["value"].append(value)
        elif tag == "textarea" and attrs.get("name"):
            self._textarea = self._form["fields"].setdefault(
                attrs["name"],
                {"kind": "textarea", "value": [""], "options": [], "required": "required" in attrs},
            )

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] = [self._textarea["value"][0] + data]


def _ordinary(name: str, field: dict) -> list[str]:
    """What a person would put in an empty field of this kind."""
    kind = field["kind"]
    soon = timezone.localdate() + timedelta(days=5)
    if field["value"] and any(v != "" for v in field["value"]):
        return field["value"]
    if kind in ("select", "radio"):
        options = [o for o in field["options"] if o]
        return options[:1]
    if kind == "checkbox":
        return []
    if kind == "date":
        return [(soon + timedelta(days=30) if "until" in name else soon).isoformat()]
    if kind == "time":
        return ["11:00" if "end" in name else "10:00"]
    if kind == "number":
        return ["60" if "duration" in name else "3"]
    if kind == "email":
        return ["someone@example.org"]
    if kind == "url":
        return ["https://example.org/room"]
    if kind == "password":
        return ["a-long-enough-passphrase"]
    if "email" in name:
        return ["someone@example.org"]
    return ["An ordinary value"]


def _hostile_table(field: dict) -> list[str]:
    kind = field["kind"]
    if kind in ("select", "radio", "checkbox"):
        return HOSTILE_CHOICE
    if kind == "date":
        return HOSTILE_DATE
    if kind == "time":
        return HOSTILE_TIME
    if kind == "number":
        return HOSTILE_NUMBER
    return HOSTILE_TEXT


def _hostile(field: dict, turn: int) -> list[str]:
    """The values the field at position `turn` of its form gets (see EVERY_VALUE)."""
    values = _hostile_table(field)
    if EVERY_VALUE:
        return values
    others = [value for value in values if value not in DATABASE_LIMITS]
    return [value for value in values if value in DATABASE_LIMITS or value in others[turn % 2 :: 2]]


def _world_digest() -> str:
    """A hash of every row of Copse's models and allauth's (volatile fields left out)."""
    digest = hashlib.sha256()
    models = [
        model
        for label in ("cop", "meetings", "knowledge", "mentoring", "account", "mfa")
        for model in apps.get_app_config(label).get_models()
    ]
    for model in models:
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if f.attname not in VOLATILE and f.get_internal_type() != "BinaryField"
        ]
        rows = list(model.objects.order_by("pk").values_list(*fields))
        digest.update(json.dumps([model.__name__, rows], default=str).encode())
    return digest.hexdigest()


def _crawl(client: Client, starts: list[str], within: re.Pattern) -> dict[tuple, dict]:
    """Every POST form on the pages reachable from `starts` (through links whose path
    matches `within`), one per shape of action and field names."""
    queue, seen, forms = list(starts), set(), {}
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        parser = _Forms()
        parser.feed(response.content.decode())
        for form in parser.forms:
            action = urlparse(urljoin(path, form["action"] or path)).path
            fields = {k: v for k, v in form["fields"].items() if k != "csrfmiddlewaretoken"}
            if SKIP.search(action) or not fields:
                continue
            shape = re.sub(r"/\d+/", "/N/", action)
            names = tuple(sorted(re.sub(r"\d+", "N", name) for name in fields))
            forms.setdefault((shape, names), {**form, "action": action})
        for href in parser.links:
            url = urlparse(urljoin(path, href))
            if url.netloc or SKIP.search(url.path) or not within.match(url.path):
                continue
            link = url.path + (f"?{url.query}" if url.query else "")
            if link not in seen:
                queue.append(link)
    return forms


def _writes(queries) -> bool:
    return any(
        q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for q in queries
    )


def _fuzz(client: Client, forms: dict) -> tuple[list[str], int]:
    problems, sent = [], 0
    world = _world_digest()  # every submission is rolled back: this is the world before each
    for (shape, _names), form in sorted(forms.items()):
        baseline = {name: _ordinary(name, field) for name, field in form["fields"].items()}
        if form["submit"]:
            baseline.setdefault(form["submit"][0], [form["submit"][1]])
        for turn, (name, field) in enumerate(form["fields"].items()):
            if field["kind"] == "hidden":
                continue
            for value in _hostile(field, turn):
                data = {**baseline, name: [value]}
                where = f"{shape} {name}={value[:40]!r}"
                with transaction.atomic(), CaptureQueriesContext(connection) as queries:
                    try:
                        response = client.post(form["action"], data)
                    except Exception as exc:  # the test client re-raises view errors
                        problems.append(f"{where}: {exc!r}"[:300])
                        transaction.set_rollback(True)
                        continue
                    sent += 1
                    refused = response.status_code not in (301, 302, 303)
                    if response.status_code >= 500:
                        problems.append(f"{where}: {response.status_code}")
                    elif refused and _writes(queries) and _world_digest() != world:
                        problems.append(f"{where}: refused ({response.status_code}), rows changed")
                    transaction.set_rollback(True)
    return problems, sent


def _area_starts(slug: str, names: dict) -> dict[str, tuple[list[str], str]]:
    """Start pages and the link prefix followed, per area of the site."""
    meeting, problem, entry = names["meeting"], names["problem"], names["entry"]
    c = f"/c/{slug}/"
    return {
        "community": (
            [c, f"{c}settings/", f"{c}invite/", f"{c}members/", f"{c}me/", f"{c}value/new/",
             "/communities/new/", f"{c}invite/bulk/", f"{c}outreach/", f"{c}report/"],
            rf"^({c}(?!meetings/|knowledge/|mentoring/)|/communities/)",
        ),
        "meetings": (
            [f"{c}meetings/", f"{c}meetings/new/", f"{c}meetings/series/new/",
             f"{c}meetings/{meeting}/", f"{c}meetings/{meeting}/edit/",
             f"{c}meetings/{meeting}/cancel/", f"{c}meetings/{meeting}/attendance/",
             f"{c}meetings/{meeting}/notes/", f"{c}meetings/{meeting}/agenda/suggestions/"],
            rf"^{c}meetings/",
        ),
        "knowledge": (
            [f"{c}knowledge/", f"{c}knowledge/stories/new/", f"{c}knowledge/problems/new/",
             f"{c}knowledge/practices/new/", f"{c}knowledge/problems/{problem}/",
             f"{c}knowledge/practices/{entry}/", f"{c}knowledge/glossary/",
             f"{c}knowledge/path/"],
            rf"^{c}knowledge/",
        ),
        "mentoring": (
            [f"{c}mentoring/", f"{c}mentoring/offer/", f"{c}mentoring/find/",
             f"{c}mentoring/onboarding/edit/",
             f"{c}mentoring/mentorships/{names['mentorship']}/"],
            rf"^{c}mentoring/",
        ),
        "account": (
            ["/accounts/profile/", "/accounts/tokens/", "/accounts/email/",
             "/accounts/password/change/", "/notifications/preferences/"],
            r"^/(accounts|notifications)/",
        ),
    }  # fmt: skip


@pytest.mark.parametrize("area", ["community", "meetings", "knowledge", "mentoring", "account"])
def test_hostile_values_through_every_form_as_a_coordinator(settings, area):
    settings.ACCOUNT_RATE_LIMITS = False
    names, callers = build_world("public")
    # Topics, so that the forms offer them as choices too.
    TagFactory(community=names["community"], name="Deploys", slug="deploys")
    TagFactory(community=names["community"], name="On-call", slug="on-call")
    client = Client(raise_request_exception=True)
    client.force_login(callers["coordinator"])
    starts, within = _area_starts(names["slug"], names)[area]
    forms = _crawl(client, starts, re.compile(within))
    assert len(forms) >= 3, sorted(forms)
    problems, sent = _fuzz(client, forms)
    assert sent > 100
    assert not problems, "\n".join(problems)


def test_hostile_values_through_the_forms_of_visitors(settings):
    settings.ACCOUNT_RATE_LIMITS = False
    build_world("public")
    client = Client(raise_request_exception=True)
    forms = _crawl(
        client,
        ["/accounts/signup/", "/accounts/login/", "/accounts/password/reset/"],
        re.compile(r"^/accounts/(signup|login|password/reset)/"),
    )
    assert len(forms) >= 3, sorted(forms)
    problems, sent = _fuzz(client, forms)
    assert sent > 30
    assert not problems, "\n".join(problems)
