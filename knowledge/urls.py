"""URLs of the knowledge app. Community pages live under /c/<slug>/knowledge/."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
