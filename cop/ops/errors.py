"""Error reporting to Sentry (or anything that speaks its protocol: GlitchTip, a
self-hosted Sentry), switched on by SENTRY_DSN and off when it is unset.

Django's integration reports unhandled exceptions in requests (with the route, not the
query string) and Celery's reports failed tasks, both tagged with the request id that
the logs carry. No personal data is sent (`send_default_pii=False`), and performance
tracing is off unless SENTRY_TRACES_SAMPLE_RATE asks for a share of requests.
"""

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.logging import LoggingIntegration

from .request_id import current_request_id


def _tag_request_id(event, hint):
    request_id = current_request_id()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    return event


def init_error_reporting(
    *, dsn: str, environment: str, release: str = "", traces_sample_rate: float = 0.0
) -> bool:
    """Start reporting to `dsn`; do nothing (and return False) when it is empty."""
    if not dsn:
        return False
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[
            DjangoIntegration(),
            CeleryIntegration(),
            # Log records become breadcrumbs; only exceptions are events.
            LoggingIntegration(event_level=None),
        ],
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        before_send=_tag_request_id,
    )
    return True
