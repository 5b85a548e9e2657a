"""Settings for Copse, read from the environment (12-factor).

With nothing set, Copse runs on embedded defaults: a SQLite file in the project
folder, Celery tasks run eagerly in-process, email printed to the console and a
secret key generated once into a git-ignored file. With DATABASE_URL and
REDIS_URL set it runs for real on PostgreSQL, Redis, a Celery worker and beat.
Every variable is listed in README.md with its default.
"""

import secrets
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

from cop.ops.errors import init_error_reporting
from cop.ops.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once into .secret_key."""
    if value := env.str("SECRET_KEY", default=""):
        return value
    path = BASE_DIR / ".secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    "rules.apps.AutodiscoverRulesConfig",
    "django_htmx",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "cop",
    "meetings",
    "knowledge",
    "mentoring",
    "care",
]

# Social login is optional: a provider is switched on by setting its client id and secret.
SOCIALACCOUNT_PROVIDERS: dict = {}
for _provider in ("github", "google", "gitlab"):
    _client_id = env.str(f"{_provider.upper()}_CLIENT_ID", default="")
    if _client_id:
        INSTALLED_APPS.append(f"allauth.socialaccount.providers.{_provider}")
        SOCIALACCOUNT_PROVIDERS[_provider] = {
            "APP": {
                "client_id": _client_id,
                "secret": env.str(f"{_provider.upper()}_CLIENT_SECRET", default=""),
            }
        }

MIDDLEWARE = [
    # /livez, /readyz and /metrics, before the HTTPS redirect and the host check.
    "cop.ops.endpoints.OpsEndpointsMiddleware",
    "cop.ops.request_id.RequestIdMiddleware",
    "cop.ops.prometheus.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "cop.csp.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cop.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "cop.middleware.UserTimezoneMiddleware",
    "cop.middleware.LastSeenMiddleware",
    # API writes sent with an Idempotency-Key are done once (cop.ops.idempotency).
    "cop.ops.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "cop.urls.site"
WSGI_APPLICATION = "cop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cop.context_processors.site",
            ],
        },
    },
]

FORM_RENDERER = "cop.forms.core.CopseFormRenderer"

# --- Data ---------------------------------------------------------------------------------

DATABASE_URL = env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if test_name := env.str("TEST_DATABASE_NAME", default=""):
    # Lets two test runs share one PostgreSQL server without dropping each other's database.
    DATABASES["default"]["TEST"] = {"NAME": test_name}
USING_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
# Persistent connections on PostgreSQL, each checked before its first use in a request,
# so one the server dropped (restart, failover, idle timeout) is replaced, not a 500.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if USING_POSTGRES else 0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if not USING_POSTGRES:
    # Wait for the writer instead of failing at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "cop.User"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Misses instead of raising while Redis is down, so pages, forms and the API
            # keep working (last-seen, throttles and rate limits fail open).
            "BACKEND": "cop.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "copse",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    # Per process; kept page fragments (cop.cache) want more room than the default 300.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }
# Sessions live in the database, never only in Redis: nobody is signed out when it goes.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Celery -------------------------------------------------------------------------------

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# A task lost with its worker (killed, machine gone) runs again within about five
# minutes: it is acknowledged only when done (acks late, rejected if the worker is lost),
# a worker holds one task at a time, and Redis gives an unacknowledged task to another
# worker after the visibility timeout (300 s; kombu looks every 10 s). Every task ends
# before that: soft time limit 240 s, hard 270 s (the email task: 60 s and 90 s, inside
# its 2-minute lease), so a task still running is never handed out twice. Retries
# with a countdown stay below the visibility timeout (cop.tasks.MAX_RETRY_COUNTDOWN).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 270
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 300,
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
    # A broker that vanished without closing the socket does not hang a publish.
    "socket_timeout": 5,
    "socket_connect_timeout": 2,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"socket_timeout": 5, "socket_connect_timeout": 2}
# A publish to a broker that is down gives up after about a second; the caller logs it
# and the outbox sweeper enqueues the work later (cop.queue.enqueue).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.3,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# The worker logs through LOGGING below (JSON with request ids), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# django-celery-beat's database scheduler, run by one leader at a time: a second beat
# started by mistake or as a standby waits, and takes over within BEAT_LOCK_SECONDS of
# the leader's death (cop.ops.beat).
CELERY_BEAT_SCHEDULER = "cop.ops.beat:LeaderScheduler"
BEAT_LOCK_SECONDS = env.int("BEAT_LOCK_SECONDS", default=30)
# Every worker writes a heartbeat while it takes tasks (cop.ops.worker_heartbeat);
# /healthz/ready answers 503 when none was written for WORKER_HEARTBEAT_MAX_AGE.
WORKER_HEARTBEAT_SECONDS = env.float("WORKER_HEARTBEAT_SECONDS", default=10.0)
WORKER_HEARTBEAT_MAX_AGE = env.float("WORKER_HEARTBEAT_MAX_AGE", default=60.0)
# The email outbox's timing (cop.services.notifications): a claimed email is taken to be
# lost after EMAIL_LEASE_SECONDS (its task is killed well before: half of it soft, three
# quarters hard), and the sweeper runs every EMAIL_SWEEP_SECONDS, enqueuing again the
# emails queued at least that long ago. The defaults are for production; the chaos
# test shortens both so that it ends in two minutes.
EMAIL_LEASE_SECONDS = env.int("EMAIL_LEASE_SECONDS", default=120)
EMAIL_SWEEP_SECONDS = env.int("EMAIL_SWEEP_SECONDS", default=60)


def _every(seconds: float, task: str) -> dict:
    """One beat entry: run the named task every so many seconds."""
    return {"task": task, "schedule": float(seconds)}


CELERY_BEAT_SCHEDULE = {
    # Nightly: the health dashboard's heavy aggregates, so its page reads one row.
    "cop-refresh-dashboards": _every(24 * 3600, "cop.refresh_dashboards"),
    # Hourly: value stories' 30- and 90-day follow-up questions, each asked once.
    "cop-send-value-follow-ups": _every(3600, "cop.send_value_follow_ups"),
    # Nightly: events age out of the window and newcomers become peripheral.
    "cop-recompute-levels": _every(24 * 3600, "cop.recompute_levels"),
    # Every 5 minutes: reminders before meetings, each (meeting, member, kind) sent once.
    "meetings-send-due-reminders": _every(300, "meetings.send_due_reminders"),
    # Every 2 minutes: members hear of an open scheduling poll whose task was lost.
    "meetings-resume-poll-announcements": _every(120, "meetings.resume_poll_announcements"),
    # Daily: series keep 90 days of meetings ahead; hosts confirm them now and then.
    "meetings-extend-series": _every(24 * 3600, "meetings.extend_series"),
    # Hourly: answers kept for Idempotency-Key replays are forgotten after a day.
    "cop-prune-idempotency-keys": _every(3600, "cop.prune_idempotency_keys"),
    # Every minute: emails whose task was lost (broker restarted, worker killed, enqueue
    # failed) are enqueued again; see cop.services.notifications.sweep_email_outbox.
    "cop-sweep-email-outbox": _every(EMAIL_SWEEP_SECONDS, "cop.sweep_email_outbox"),
    # Every minute: invitations whose email task was lost are enqueued again; the claim
    # on the row sends each once (cop.services.invitations_bulk.resend_lost_invitations).
    "cop-resend-lost-invitations": _every(60, "cop.resend_lost_invitations"),
    # Every minute: an announcement whose fan-out task was lost goes on where it stopped.
    "cop-resume-announcements": _every(60, "cop.resume_announcements"),
    # Every 2 minutes: followers hear of new content whose notification task was lost.
    "care-sweep-follow-notices": _every(120, "care.sweep_follow_notices"),
    # Hourly: each member's digest goes out from 08:00 in their own time zone.
    "cop-send-due-digests": _every(3600, "cop.send_due_digests"),
    # Hourly: a mentor request unanswered past its deadline passes to the next mentor.
    "mentoring-hand-off-stale-requests": _every(3600, "mentoring.hand_off_stale_requests"),
    # Hourly: check-in reminders, once per mentorship and due date.
    "mentoring-remind-due-checkins": _every(3600, "mentoring.remind_due_checkins"),
    # Hourly: owners of practices whose review date has come, once per review date.
    "knowledge-remind-due-reviews": _every(3600, "knowledge.remind_due_reviews"),
}
CELERY_BEAT_SCHEDULE["knowledge-embed-titles"] = {
    # Every 5 minutes: title vectors that the after-commit task did not write (a broker
    # that was down, a worker lost), a batch at a time.
    "task": "knowledge.embed_titles",
    "schedule": 300.0,
}

# --- Client addresses ---------------------------------------------------------------------

# How many reverse proxies in front of Copse append to X-Forwarded-For. The client's
# address is the entry that many places from the end; with 0 the header is ignored and
# REMOTE_ADDR is the client. One number for allauth's login limits and DRF's throttles,
# so neither can be escaped by sending a new X-Forwarded-For with each request.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# --- REST API -----------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cop.api.auth.PersonalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PARSER_CLASSES": [
        "cop.api.parsers.ObjectJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "cop.api.support.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("API_THROTTLE_USER", default="2000/hour"),
        "anon": env.str("API_THROTTLE_ANON", default="200/hour"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "cop.api.support.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Copse API",
    "DESCRIPTION": "Communities, meetings, knowledge and mentoring, through the same "
    "services and permission rules as the site.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Request bodies are documented as JSON objects (form data is still read, as by the
    # browsable forms, but is not part of the contract).
    "PARSER_WHITELIST": ["cop.api.parsers.ObjectJSONParser"],
    # Every operation declares the refusals it can answer (400, 401, 403, 404, 415, 429).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cop.api.support.declare_error_responses",
    ],
    # Swagger UI loads nothing from elsewhere (no validator badge), so it keeps to the CSP.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Group the docs by resource (communities, meetings, problems...) rather than "v1".
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Choice sets used by more than one field get one name each.
    "ENUM_NAME_OVERRIDES": {
        "LevelEnum": "cop.enums.Level",
        "MembershipStatusEnum": "cop.enums.MembershipStatus",
        "MeetingKindEnum": "meetings.enums.MeetingKind",
        "InvitationStatusEnum": "cop.enums.InvitationStatus",
        "ParticipationKindEnum": "cop.enums.ParticipationKind",
        # Glossary terms and agenda items share one choice set (proposed, accepted,
        # declined), so the schema has one enum for both.
        "ProposalStatusEnum": "knowledge.enums.TermStatus",
        # The kinds of `cop.content` one may flag or save, and follow (a kind registered
        # later changes these sets: name it here too).
        "ContentKindEnum": ["comment", "member", "practice", "problem", "reply", "story"],
        "FollowableKindEnum": ["member", "practice", "problem", "topic"],
    },
}

# --- Accounts -----------------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "cop.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "cop.forms.core.SignupExtraForm"
ACCOUNT_UNIQUE_EMAIL = True
# Verification is mandatory in production and optional on embedded defaults.
ACCOUNT_EMAIL_VERIFICATION = env.str(
    "ACCOUNT_EMAIL_VERIFICATION", default="optional" if DEBUG else "mandatory"
)
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Copse] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_RATE_LIMITS_ENABLED = env.bool("ACCOUNT_RATE_LIMITS_ENABLED", default=True)
if not ACCOUNT_RATE_LIMITS_ENABLED:
    ACCOUNT_RATE_LIMITS = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Copse"

# --- Email --------------------------------------------------------------------------------

_email = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(_email)
# An SMTP server that stops answering must not hold a worker past the email task's time
# limit (cop.tasks.send_notification_email).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Copse <copse@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation -----------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
DEFAULT_USER_TIMEZONE = env.str("DEFAULT_USER_TIMEZONE", default=TIME_ZONE)
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static files -------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Security (production) ----------------------------------------------------------------

# Trust X-Forwarded-Proto only when told that a proxy in front sets it (and strips it
# from what clients send); otherwise any client could claim its request was HTTPS.
if env.bool("PROXY_SETS_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# No inline script or style, nothing from another origin (cop/csp.py). Social login
# posts a form that redirects to its provider, which form-action must allow.
_SOCIAL_ORIGINS = {
    "github": "https://github.com",
    "google": "https://accounts.google.com",
    "gitlab": "https://gitlab.com",
}
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        " ".join(
            ["form-action 'self'"]
            + [_SOCIAL_ORIGINS[name] for name in SOCIALACCOUNT_PROVIDERS if name in _SOCIAL_ORIGINS]
        ),
    ]
)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)

# "Similar before you post": how many recent query titles keep their meaning vector in
# each process (knowledge/meaning.embed_query); 0 encodes every time.
MEANING_QUERY_CACHE = env.int("MEANING_QUERY_CACHE", default=256)

# --- Operations -----------------------------------------------------------------------------

# One line per record on standard error, JSON in production, each with its request id.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = logging_config(fmt=LOG_FORMAT, level=env.str("LOG_LEVEL", default="INFO"))
# /metrics answers a client with this bearer token, or one on this machine that did not
# come through the proxy (cop.ops.endpoints).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Error reporting (cop.ops.errors): on when SENTRY_DSN is set, off otherwise.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENABLED = init_error_reporting(
    dsn=SENTRY_DSN,
    environment=env.str("SENTRY_ENVIRONMENT", default="development" if DEBUG else "production"),
    release=env.str("SENTRY_RELEASE", default=""),
    traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
)
