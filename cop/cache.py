"""A Redis cache that misses instead of raising while Redis is down.

Django's RedisCache raises on every call when Redis is unreachable, and the cache is
read on nearly every request (last-seen, API throttles, allauth's rate limits). With
this backend a call during an outage returns what an empty cache would (`get` the
default, `add` True) and logs one line; after a failure Redis is not asked again for
PAUSE_SECONDS, so requests do not each wait for a timeout. Everything
that uses the cache therefore fails open: throttles and rate limits allow (allauth's
lock is an `add`), last-seen is written to the database each time, cached values are
recomputed.

Below it, the versioned keys of page fragments (`remember`, `bump`): see there.
"""

import functools
import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

import redis.exceptions
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import transaction

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


# --- Fragments kept under version keys ------------------------------------------------------
# A rendered piece of a page (or a computed value) is kept under a key that holds the
# current versions of the scopes it shows: a community's lists, search documents,
# members' names. A service that changes what a scope shows gives the scope a new version
# once its transaction commits (`bump`), so the next read misses and renders afresh;
# nothing is ever served from an older version. The version is read before the data, so
# a reader racing a commit stores at worst newer data under the older version, which
# nobody asks for again. Everything else a piece depends on (language, time zone,
# filters, cursor, the viewer's visibility) is part of its key, never the viewer's id
# unless the piece is per viewer. While the cache is down nothing is kept: every read
# renders (`versions` answers None). A bump lost to an outage is bounded by
# FRAGMENT_SECONDS, the longest any piece is kept.

FRAGMENT_SECONDS = 600
PEOPLE = "people"  # members' display names, shown in bylines everywhere
SEARCH = "search"  # the search documents: related problems and practices


def scope(model, pk) -> str:
    """The version scope of one row: `scope(Community, 7)` is `cop.community:7`."""
    return f"{model._meta.label_lower}:{pk}"


def inbox(user_id: int) -> str:
    """The version scope of a member's notifications: what the bell counts."""
    return f"cop.inbox:{user_id}"


def _version_key(name: str) -> str:
    return f"cop:version:{name}"


def versions(*scopes: str) -> str | None:
    """The current versions of `scopes`, as one string for a key; a scope never bumped
    gets its first version now. None while the cache cannot answer."""
    keys = [_version_key(name) for name in scopes]
    try:
        found = cache.get_many(keys)
        for key in keys:
            if key not in found:
                cache.add(key, uuid.uuid4().hex, timeout=None)
        if len(found) < len(keys):
            found = cache.get_many(keys)
    except Exception as exc:  # any backend down: render, keep nothing
        logger.warning("Fragment versions unavailable: %r", exc)
        return None
    if len(found) < len(keys):
        return None
    return "|".join(str(found[key]) for key in keys)


def bump(*scopes: str) -> None:
    """Give `scopes` new versions now and again once the current transaction commits:
    what was kept for them is never read again. (A reader between the two may keep the
    data from before the commit under the first new version; the second leaves it
    behind. The first alone serves a transaction that is never committed, as a test's.)"""

    def write():
        try:
            cache.set_many({_version_key(name): uuid.uuid4().hex for name in scopes}, None)
        except Exception as exc:
            logger.warning("Fragment versions not bumped (%s): %r", ", ".join(scopes), exc)

    write()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(write)


NAME_FIELDS = frozenset({"display_name", "email"})  # what `User.name` is made of


def people_changed(sender, instance=None, update_fields=None, **kwargs) -> None:
    """A member's name may have changed (their profile, allauth's email change, the
    admin) or they are gone ("a former member"): bylines everywhere follow. A save of
    other fields (last login, time zone) changes nothing shown."""
    if update_fields is None or NAME_FIELDS & set(update_fields):
        bump(PEOPLE)


def members(community_id: int) -> str:
    """The version scope of a community's member directory: who is listed, with which
    level, role and expertise."""
    return f"cop.members:{community_id}"


MEMBER_FIELDS = frozenset({"status", "level", "role", "sort_name", "community", "user"})


def membership_changed(sender, instance=None, update_fields=None, **kwargs) -> None:
    """A membership was saved or deleted (the services, an account's deletion, the
    admin) or its expertise changed: the directory and its level counts follow. A save
    of other fields (score, last activity, conduct accepted) changes nothing shown."""
    if kwargs.get("action", "post_").startswith("pre_"):
        return  # an expertise change: once, when it is made
    if update_fields is None or MEMBER_FIELDS & set(update_fields):
        bump(members(instance.community_id))


def community_changed(sender, instance=None, **kwargs) -> None:
    """A community's name, visibility or stage may have changed (its settings, the
    admin): its header and the related items that name it follow."""
    bump(scope(sender, instance.pk), SEARCH)


def remember(
    name: str,
    scopes: tuple[str, ...],
    parts: tuple,
    compute: Callable[[], Any],
    *,
    keep: Callable[[Any], bool] = lambda value: True,
):
    """`compute()`, kept under the versions of `scopes` and `parts` (the rest of what it
    depends on: hashed, so any text may be in it) until a scope is bumped; a value
    `keep` refuses (incomplete) is returned but not kept."""
    current = versions(*scopes)
    if current is None:
        return compute()
    digest = hashlib.sha256(repr((current, parts)).encode()).hexdigest()
    key = f"cop:fragment:{name}:{digest}"
    try:
        kept = cache.get(key)
    except Exception as exc:
        logger.warning("Fragment unavailable: %r", exc)
        return compute()
    if kept is not None:
        return kept
    value = compute()
    if not keep(value):
        return value
    try:
        cache.set(key, value, FRAGMENT_SECONDS)
    except Exception as exc:
        logger.warning("Fragment not kept: %r", exc)
    return value
