"""A JSON body that is not an object (`12`, `null`, `true`, `[]`) is a 400 on every API
write that takes a body, and never a 500 anywhere."""

import json

import pytest
from django.conf import settings
from django.urls import get_resolver
from rest_framework.parsers import JSONParser
from rest_framework.test import APIClient
from rest_framework.views import APIView

from tests.api_permissions import build_world

pytestmark = pytest.mark.django_db

NOT_OBJECTS = ["12", "null", "true", "[]", '"text"', "[{}]"]
WRITES = ("post", "put", "patch", "delete")


def _write_operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method in WRITES:
                yield method, path, "requestBody" in operation


# Which object each path's `{id}` names, by its first segment.
ID_OF = {
    "meetings": "meeting",
    "series": "series",
    "problems": "problem",
    "replies": "reply",
    "stories": "story",
    "practices": "entry",
    "glossary": "term",
    "mentorships": "mentorship",
    "members": "pending",
}


def _url(path: str, names: dict) -> str:
    segment = path.removeprefix("/api/v1/").split("/")[0]
    key = "members" if "/members/{id}/" in path else segment
    return path.format(
        community_slug=names["slug"],
        slug=names["slug"],
        id=names.get(ID_OF.get(key, ""), 1),
        meeting_id=names.get("meeting", 1),
        follow_up=1,
        kind="thanks",
        share_id=1,
        membership_id=names.get("member_id", 1),
        object_id=names.get("story", 1),
    )


def test_the_default_parser_refuses_non_objects():
    assert settings.REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"][0] == (
        "cop.api.parsers.ObjectJSONParser"
    )


def test_no_view_parses_json_with_the_plain_parser():
    """Every API view takes its JSON parser from the default (so the check is in one place)."""

    def views(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from views(pattern.url_patterns)
            else:
                yield pattern.callback

    for callback in views(get_resolver().url_patterns):
        cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        if cls is None or not issubclass(cls, APIView):
            continue
        for parser in cls.parser_classes:
            assert parser is not JSONParser, f"{cls.__name__} parses JSON without the check"


@pytest.mark.parametrize("body", NOT_OBJECTS)
def test_every_write_refuses_a_body_that_is_not_an_object(api_schema, body):
    names, callers = build_world("public")
    api = APIClient()
    api.force_authenticate(callers["coordinator"])
    wrong = []
    # Deletions last: they hide the objects the other operations act on.
    operations = sorted(_write_operations(api_schema), key=lambda op: op[0] == "delete")
    for method, path, takes_body in operations:
        url = _url(path, names)
        response = getattr(api, method)(url, data=body, content_type="application/json")
        code = response.status_code
        if code >= 500:
            wrong.append(f"{method.upper()} {path}: {code}")
        elif takes_body and code == 400:
            assert "object" in json.dumps(response.json()), (path, response.json())
        elif takes_body:
            # Refused before the body is read (403/404): an object body is refused the
            # same way, so the answer does not depend on the body.
            again = getattr(api, method)(url, data="{}", content_type="application/json")
            if code not in (403, 404) or again.status_code != code:
                wrong.append(f"{method.upper()} {path}: {code} (with {{}}: {again.status_code})")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("body", ["12", "null", "true"])
def test_patch_me_with_a_scalar_body_is_a_400(body):
    _names, callers = build_world("public")
    api = APIClient()
    api.force_authenticate(callers["member"])
    response = api.patch("/api/v1/me/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"]
