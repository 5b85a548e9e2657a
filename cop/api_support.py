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

# Ids in API paths and bodies: what fits a 64-bit integer column (longer made a 500).
ID_PATTERN = IdConverter.regex
MAX_ID = 2**63 - 1


class CursorPagination(pagination.CursorPagination):
    """Stable paging over changing lists. Views set `ordering` to a unique-enough key."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"


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
    response = drf_exception_handler(exc, context)
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


class SlugFilter(django_filters.CharFilter):
    """A slug parameter: anything else is a 400 with a reason, never a database error."""

    field_class = forms.SlugField


def json_error(status: int, detail: str) -> Response:
    return Response({"detail": detail}, status=status)


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    """Describes personal access tokens in the OpenAPI schema."""

    target_class = "cop.api_auth.PersonalTokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token (cps_…) from the account settings page "
            "or POST /api/v1/auth/token/.",
        }
