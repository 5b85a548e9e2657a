"""Settings for the HTTP benchmark: the site's own, plus one route that runs a single
query (the yardstick the pages are compared with)."""

from cop.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
