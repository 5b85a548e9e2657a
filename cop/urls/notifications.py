"""URLs of notifications: the list, read marks, preferences and one-click unsubscribe."""

from django.urls import path

from cop.views import notifications as views

urlpatterns = [
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/<id:pk>/open/", views.notification_open, name="notification_open"),
    path("notifications/read-all/", views.notification_read_all, name="notification_read_all"),
    path(
        "notifications/preferences/",
        views.notification_preferences,
        name="notification_preferences",
    ),
    path(
        "notifications/unsubscribe/<str:token>/",
        views.unsubscribe,
        name="notification_unsubscribe",
    ),
]
