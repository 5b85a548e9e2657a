"""What every app's REST API shares: pagination, errors as JSON with a reason,
and the base for object lookups that answer 404 exactly where the pages do."""

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, pagination, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from cop.converters import IdConverter
from cop.markdown import render_markdown
from cop.models import Community
from cop.selectors.communities import access_community
from cop.views.site import conduct_refusal

# Ids in API paths and bodies: what fits a 64-bit integer column (longer made a 500).
ID_PATTERN = IdConverter.regex
MAX_ID = 2**63 - 1


class CursorPagination(pagination.CursorPagination):
    """Stable paging over changing lists. Views set `ordering` to a unique-enough key."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"

    def get_page_size(self, request):
        """`page_size` is a whole number from 1 to 200, as the schema says; anything
        else is a 400 (it used to fall back to the default without a word)."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise exceptions.ValidationError(
                {self.page_size_query_param: f"A whole number from 1 to {self.max_page_size}."}
            )
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                }
        return parameters


class NewestFirst(CursorPagination):
    ordering = ("-created_at", "-id")


class OldestFirst(CursorPagination):
    ordering = ("created_at", "id")


class CommunityInURL:
    """For API views under `communities/<community_slug>/`: the community, looked up
    once per request (404 for one the caller may not see), is the object their declared
    permission is checked on and is in the serializer context."""

    def community(self) -> Community:
        if not hasattr(self, "_community"):
            self._community = access_community(self.request.user, self.kwargs["community_slug"])
        return self._community

    def permission_object(self):
        return self.community()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["community"] = self.community()
        return context


def exception_handler(exc, context):
    """Every 4xx is JSON with a `detail` that says why; Django's own exceptions included."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"detail": exc.messages})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or "You do not have permission.")
    conduct = None
    if isinstance(exc, exceptions.PermissionDenied) and context.get("request") is not None:
        conduct = conduct_refusal(context["request"].user)
        if conduct:
            exc = exceptions.PermissionDenied(conduct[0])
    response = drf_exception_handler(exc, context)
    if response is not None and conduct:
        response.data["conduct_url"] = context["request"].build_absolute_uri(conduct[1])
    if response is not None and isinstance(response.data, list):
        response.data = {"detail": response.data}
    return response


@extend_schema_field(OpenApiTypes.STR)
class MarkdownHTMLField(serializers.Field):
    """`<field>_html`: the sanitized HTML of a Markdown field, served beside it."""

    def __init__(self, source_field: str, **kwargs):
        self.source_field = source_field
        kwargs["source"] = "*"
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return render_markdown(getattr(value, self.source_field, "") or "")


def owning_community(relation: str, pk) -> Community:
    """The community that holds row `pk` through `relation` ("problems",
    "mentorships", "problems__replies"…), for the selectors' fetch-and-authorise: 404
    when there is none."""
    community = Community.objects.filter(**{f"{relation}__pk": pk}).first()
    if community is None:
        raise Http404("Not found.")
    return community


def community_tags(community, names: list[str], *, field: str = "tags") -> list:
    """Tags of the community's vocabulary, named by name or slug in any case; naming
    one the community does not have is a 400 on `field`."""
    wanted = {name.strip().lower() for name in names if name.strip()}
    found = [
        tag for tag in community.tags.all() if tag.name.lower() in wanted or tag.slug in wanted
    ]
    unknown = sorted(wanted - {tag.name.lower() for tag in found} - {tag.slug for tag in found})
    if unknown:
        raise serializers.ValidationError(
            {field: f"Not topics of this community: {', '.join(unknown)}."}
        )
    return found


class StrictBooleanField(forms.NullBooleanField):
    """`true`/`false` (or 1/0) and nothing else: another value is a 400, as the schema
    declares a boolean (Django's own field read any other word as "not given")."""

    widget = forms.TextInput  # the raw text: NullBooleanSelect turns unknown words to None

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise forms.ValidationError("Use true or false.", code="invalid")

    def validate(self, value):
        pass


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


# A slug in a query parameter, as the schema declares it (what Django's SlugField takes).
# Empty means "not given", as for every filter.
SLUG_SCHEMA = {"type": "string", "pattern": "^[-a-zA-Z0-9_]*$"}
# A slug the operation needs.
REQUIRED_SLUG_SCHEMA = {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"}


@extend_schema_field(SLUG_SCHEMA)
class SlugFilter(django_filters.CharFilter):
    """A slug parameter: anything else is a 400 with a reason, never a database error."""

    field_class = forms.SlugField


def json_error(status: int, detail: str) -> Response:
    return Response({"detail": detail}, status=status)


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    """Describes personal access tokens in the OpenAPI schema."""

    target_class = "cop.api.auth.PersonalTokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token (cps_…) from the account settings page "
            "or POST /api/v1/auth/token/.",
        }


# --- The statuses every operation can answer, declared in the schema ---------------------

_ERROR = {
    "type": "object",
    "description": "Why the request was refused.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_VALIDATION_ERROR = {
    "type": "object",
    "description": "What is wrong with the request: `detail` for the request as a whole, "
    "and the reasons for each field under its name.",
    "properties": {
        "detail": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
    },
    "additionalProperties": True,
}
_REASONS = {
    "400": ("The request is not valid: see the reasons.", "ValidationError"),
    "401": ("No valid credentials: log in or send a personal access token.", "Error"),
    "403": ("The caller may not do this (or the CSRF check failed).", "Error"),
    "404": (
        "No such object, or one in a private community the caller does not belong to.",
        "Error",
    ),
    "415": ("The body is not JSON, form data or multipart.", "Error"),
    "429": ("Too many requests: try again later.", "Error"),
}


def declare_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation declares the refusals it can
    answer, with their JSON shape. 401, 403, 404 and 429 can answer any operation
    (authentication, permission rules, private communities, throttling); 400 any that
    reads parameters or a body; 415 any that reads a body."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", _ERROR)
    schemas.setdefault("ValidationError", _VALIDATION_ERROR)
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            codes = ["401", "403", "404", "429"]
            if operation.get("parameters") or "requestBody" in operation:
                codes.append("400")
            if "requestBody" in operation:
                codes.append("415")
            for parameter in operation.get("parameters", []):
                if parameter.get("in") != "query" or parameter.get("required"):
                    continue
                # A filter left empty filters nothing, as an absent one.
                schema = parameter.get("schema", {})
                if "enum" in schema and "" not in schema["enum"]:
                    schema["enum"] = [*schema["enum"], ""]
                elif "format" in schema or schema.get("type") == "boolean":
                    parameter["schema"] = {"anyOf": [schema, {"type": "string", "enum": [""]}]}
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                description, schema = _REASONS[code]
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": f"#/components/schemas/{schema}"}
                            }
                        },
                    },
                )
    return result


def accept_text_only() -> None:
    """Text fields of every API body take JSON strings only, as the schema declares: DRF's
    `CharField` would store a number sent in their place (`{"body": 7742}` became the
    comment "7742"), data the schema says is invalid. Called once by `CopConfig.ready`,
    so every serializer of every app, `CharField` and its kinds (email, slug, URL),
    answers such a body with a 400 "Not a valid string."."""
    if getattr(serializers.CharField.to_internal_value, "text_only", False):
        return
    lenient = serializers.CharField.to_internal_value

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return lenient(self, data)

    to_internal_value.text_only = True
    serializers.CharField.to_internal_value = to_internal_value
