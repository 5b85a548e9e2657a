"""URLs of the meetings app. Community pages live under /c/<slug>/meetings/."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
