"""Where a form goes back to: the `next` it names, when that is a page of this site."""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, default: str) -> str:
    """The request's `next` (POST, then GET) if it is safe to follow, else `default`.
    Only addresses on this site count: another host, a scheme like `javascript:`, or a
    protocol-relative `//host` are refused."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default
