"""URLs of the mentoring app. Community pages live under /c/<slug>/mentoring/."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
