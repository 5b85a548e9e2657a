"""Views of notifications: the list, read marks, preferences and one-click unsubscribe."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from cop.forms.core import NotificationPreferencesForm
from cop.models import DeliveryChannel
from cop.permissions import permission_required
from cop.services import notifications as service

PAGE_SIZE = 20


@permission_required("cop.signed_in")
@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(service.notifications_of(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "cop/notifications/list.html", {"page_obj": page})


@permission_required("cop.signed_in")
@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the notification read and follow its link (site-relative links only)."""
    notification = service.open_notification(user=request.user, notification_id=pk)
    if notification is None:
        raise Http404("No such notification.")
    url = notification.url
    if url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return redirect(url)
    return redirect("notification_list")


@permission_required("cop.signed_in")
@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    changed = service.mark_all_read(user=request.user)
    if request.htmx:
        # The list re-rendered in place; the bell is swapped out of band by the page.
        return notification_list(request)
    if changed:
        messages.success(request, _("All notifications are marked read."))
    return redirect("notification_list")


@permission_required("cop.signed_in")
@login_required
def notification_preferences(request: HttpRequest) -> HttpResponse:
    form = NotificationPreferencesForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        service.save_notification_settings(
            user=request.user,
            channels=form.channels(),
            digest_frequency=form.cleaned_data["digest_frequency"],
            muted_communities=list(form.cleaned_data["muted"]),
        )
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notification_preferences")
    return render(
        request,
        "cop/notifications/preferences.html",
        {"form": form, "channels": DeliveryChannel.choices},
    )


@csrf_exempt  # the signed token is the authorisation, and mail clients POST without a form
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page with a confirm button. POST (also RFC 8058 one-click): turn that kind off."""
    try:
        subscription = service.read_unsubscribe_token(token)
    except ValidationError as error:
        return render(
            request,
            "cop/notifications/unsubscribe.html",
            {"error": error.messages[0]},
            status=400,
        )
    if request.method == "POST":
        subscription = service.unsubscribe(token=token)
        return render(
            request,
            "cop/notifications/unsubscribe.html",
            {"subscription": subscription, "done": True},
        )
    return render(request, "cop/notifications/unsubscribe.html", {"subscription": subscription})
