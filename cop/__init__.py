"""Copse project package and core domain (users, communities, participation)."""

from .celery import app as celery_app

__all__ = ("celery_app",)
