"""The site's URLs."""

from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/profile/", views.profile_settings, name="profile_settings"),
    path("accounts/", include("allauth.urls")),
    path("", include("cop.urls_notifications")),
    path("", include("meetings.urls")),
    path("", include("knowledge.urls")),
    path("", include("mentoring.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "cop.views.bad_request"
handler403 = "cop.views.permission_denied"
handler404 = "cop.views.page_not_found"
handler500 = "cop.views.server_error"
