"""Addresses of comments and announcements."""

from django.urls import path

from cop.views import conversation as views

C = "c/<slug:slug>/"

urlpatterns = [
    path(
        f"{C}comments/<slug:key>/<id:pk>/new/",
        views.comment_create,
        name="comment_create",
    ),
    path(f"{C}comments/<id:pk>/edit/", views.comment_edit, name="comment_edit"),
    path(f"{C}comments/<id:pk>/delete/", views.comment_delete, name="comment_delete"),
    path(f"{C}comments/<id:pk>/react/", views.comment_react, name="comment_react"),
    path(
        f"{C}comments/<id:pk>/hide/",
        views.comment_moderate,
        {"action": "hide"},
        name="comment_hide",
    ),
    path(
        f"{C}comments/<id:pk>/restore/",
        views.comment_moderate,
        {"action": "restore"},
        name="comment_restore",
    ),
    path(f"{C}announcements/", views.announcements, name="announcements"),
    path(f"{C}announcements/new/", views.announcement_create, name="announcement_create"),
    path(f"{C}announcements/<id:pk>/", views.announcement_detail, name="announcement"),
]
