"""Views of the core app: home, health check, profile settings and error pages."""

import redis
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cop.forms.core import ProfileForm, TokenForm
from cop.models import PersonalAccessToken
from cop.permissions import permission_required
from cop.rules import conduct_pending
from cop.selectors.communities import home_feed, my_memberships
from cop.services import accounts as account_services
from cop.services.tokens import create_token, revoke_token


def home(request: HttpRequest) -> HttpResponse:
    """For visitors, what Copse is; for members, their communities."""
    context = {}
    if request.user.is_authenticated:
        context["memberships"] = list(my_memberships(request.user))
        context["feed"] = home_feed(request.user, older=request.GET.get("older", ""))
    return render(request, "cop/home.html", context)


def _check_database() -> str:
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return f"down: {exc.__class__.__name__}"
    return "ok"


def _check_redis() -> str:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"down: {exc.__class__.__name__}"
    finally:
        client.close()
    return "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The state of the database and, in real mode, Redis; 503 when one is down."""
    checks = {"database": _check_database()}
    if settings.REDIS_URL:
        checks["redis"] = _check_redis()
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )


@permission_required("cop.signed_in")
@login_required
def profile_settings(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        account_services.update_profile(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your profile is saved."))
        return redirect("profile_settings")
    return render(request, "cop/profile_settings.html", {"form": form})


FRESH_SECRET_SESSION_KEY = "copse_fresh_api_secret"  # noqa: S105 (a session key)


@permission_required("cop.signed_in")
@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """Personal access tokens: create (the secret is shown once), list, revoke."""

    form = TokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and "revoke" in request.POST:
        token = PersonalAccessToken.objects.filter(
            pk=request.POST.get("revoke"), user=request.user
        ).first()
        if token is None:
            raise Http404("No such token.")
        revoke_token(token=token)
        messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
        return redirect("api_tokens")
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = create_token(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # Shown once, after a redirect: reloading the page must not make another token.
            request.session[FRESH_SECRET_SESSION_KEY] = secret
            return redirect("api_tokens")
    if request.method == "GET":
        new_secret = request.session.pop(FRESH_SECRET_SESSION_KEY, None)
    tokens = PersonalAccessToken.objects.filter(user=request.user)
    return render(
        request,
        "cop/api_tokens.html",
        {"form": form, "tokens": tokens, "new_secret": new_secret},
    )


def _api(request: HttpRequest) -> bool:
    """The API answers its refusals in JSON, even those Django makes before any API
    view runs (an address that matches no route)."""
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def conduct_refusal(user) -> tuple[str, str] | None:
    """When a refusal comes from a code of conduct not yet accepted (a community this
    request looked at), the one message and the address where to accept it."""

    community = conduct_pending(user)
    if community is None:
        return None
    message = _(
        "%(community)s asks its members to accept its code of conduct before taking part. "
        "Read it and accept it first."
    ) % {"community": community.name}
    return message, reverse("care:conduct", kwargs={"slug": community.slug})


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    reason = str(exception) if str(exception) else ""
    conduct = conduct_refusal(request.user)
    if _api(request):
        if conduct:
            return JsonResponse(
                {"detail": conduct[0], "conduct_url": request.build_absolute_uri(conduct[1])},
                status=403,
            )
        return JsonResponse({"detail": reason or "You do not have permission."}, status=403)
    context = {"reason": reason}
    if conduct:
        next_query = urlencode({"next": request.path})
        context.update(reason=conduct[0], conduct_url=f"{conduct[1]}?{next_query}")
    return render(request, "403.html", context, status=403)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _api(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return render(request, "400.html", status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without a RequestContext: the failure may lie in a context processor.

    return HttpResponse(loader.get_template("500.html").render(), status=500)
