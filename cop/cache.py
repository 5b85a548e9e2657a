"""A Redis cache that misses instead of raising while Redis is down.

Django's RedisCache raises on every call when Redis is unreachable, and the cache is
read on nearly every request (last-seen, API throttles, allauth's rate limits). With
this backend a call during an outage returns what an empty cache would (`get` the
default, `add` True) and logs one line; after a failure Redis is not asked again for
PAUSE_SECONDS, so requests do not each wait for a timeout. Everything
that uses the cache therefore fails open: throttles and rate limits allow (allauth's
lock is an `add`), last-seen is written to the database each time, cached values are
recomputed.
"""

import functools
import logging
import time

import redis.exceptions
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

ERRORS = (redis.exceptions.RedisError, OSError)
PAUSE_SECONDS = 5.0


def _guard(method, *, fallback):
    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        if time.monotonic() < self._down_until:
            return fallback(*args, **kwargs)
        try:
            return method(self, *args, **kwargs)
        except ERRORS as exc:
            self._down_until = time.monotonic() + PAUSE_SECONDS
            logger.warning(
                "Cache unavailable (%r): %s misses for the next %s s",
                exc,
                method.__name__,
                PAUSE_SECONDS,
            )
            return fallback(*args, **kwargs)

    return guarded


class ResilientRedisCacheClient(RedisCacheClient):
    _down_until = 0.0

    add = _guard(RedisCacheClient.add, fallback=lambda key, value, timeout: True)
    get = _guard(RedisCacheClient.get, fallback=lambda key, default: default)
    set = _guard(RedisCacheClient.set, fallback=lambda key, value, timeout: None)
    touch = _guard(RedisCacheClient.touch, fallback=lambda key, timeout: False)
    delete = _guard(RedisCacheClient.delete, fallback=lambda key: False)
    get_many = _guard(RedisCacheClient.get_many, fallback=lambda keys: {})
    has_key = _guard(RedisCacheClient.has_key, fallback=lambda key: False)
    incr = _guard(RedisCacheClient.incr, fallback=lambda key, delta: delta)
    set_many = _guard(RedisCacheClient.set_many, fallback=lambda data, timeout: [])
    delete_many = _guard(RedisCacheClient.delete_many, fallback=lambda keys: None)
    clear = _guard(RedisCacheClient.clear, fallback=lambda: False)


class ResilientRedisCache(RedisCache):
    """Django's RedisCache, failing open while Redis is down (see the module)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ResilientRedisCacheClient
