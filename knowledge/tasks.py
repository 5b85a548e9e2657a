"""Celery tasks of the knowledge app: thin, safe to run twice."""

from celery import shared_task

from .services.entries import remind_due_reviews as remind_due_reviews_service


@shared_task(name="knowledge.remind_due_reviews")
def remind_due_reviews() -> int:
    """Remind owners of practices whose review date has come; once per review date."""
    return remind_due_reviews_service()
