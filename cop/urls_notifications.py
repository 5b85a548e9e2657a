"""URLs of notifications: the list, read marks, preferences and one-click unsubscribe."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
