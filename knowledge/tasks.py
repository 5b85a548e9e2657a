"""Celery tasks of the knowledge app: thin, safe to run twice."""

from celery import shared_task

from .services.entries import remind_due_reviews as remind_due_reviews_service
from .services.meanings import embed_titles as embed_titles_service


@shared_task(name="knowledge.remind_due_reviews")
def remind_due_reviews() -> int:
    """Remind owners of practices whose review date has come; once per review date."""
    return remind_due_reviews_service()


@shared_task(name="knowledge.embed_titles")
def embed_titles(document_ids: list[int] | None = None) -> int:
    """Vectors for the titles of these documents (or, as the sweeper, of any that lack a
    current one, a batch at a time)."""
    return embed_titles_service(document_ids=document_ids)
