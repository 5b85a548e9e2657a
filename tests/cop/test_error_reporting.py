"""Error reporting: on with SENTRY_DSN, off without, and an exception reaches the
endpoint the DSN names (a dummy one on this machine: no network)."""

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.cop.test_settings import _manage

_REPORT = (
    "import json, sentry_sdk; from django.conf import settings; c = sentry_sdk.get_client(); "
    "print(json.dumps({'enabled': settings.SENTRY_ENABLED, 'active': c.is_active(), "
    "'integrations': sorted(getattr(c, 'integrations', {}))}))"
)


def _report(**env: str) -> dict:
    result = _manage("shell", "-c", _REPORT, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_error_reporting_is_off_without_a_dsn():
    assert _report(SENTRY_DSN="") == {"enabled": False, "active": False, "integrations": []}


@pytest.fixture
def dummy_sentry():
    """An HTTP endpoint on this machine that records what a Sentry client sends."""
    received: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            received.append(body)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://public@127.0.0.1:{server.server_port}/1", received
    server.shutdown()
    server.server_close()


def test_error_reporting_is_on_with_django_and_celery_when_a_dsn_is_set(dummy_sentry):
    dsn, _ = dummy_sentry
    report = _report(SENTRY_DSN=dsn)
    assert report["enabled"] is True
    assert report["active"] is True
    assert {"django", "celery"} <= set(report["integrations"])


def test_an_exception_is_sent_to_the_dsn(dummy_sentry):
    dsn, received = dummy_sentry
    result = _manage(
        "shell",
        "-c",
        "import sentry_sdk\n"
        "try:\n    1 / 0\nexcept ZeroDivisionError:\n    sentry_sdk.capture_exception()\n"
        "sentry_sdk.flush(timeout=5)",
        SENTRY_DSN=dsn,
    )
    assert result.returncode == 0, result.stderr
    assert received, "nothing reached the dummy endpoint"
    envelope = b"".join(received)
    assert b"ZeroDivisionError" in envelope
    assert b'"environment":"development"' in envelope
