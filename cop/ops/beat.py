"""Exactly one scheduler: django-celery-beat's database scheduler behind a leader lock.

Every beat process (the one meant to run, a standby, or one started by mistake) asks
Redis for the lock `copse:beat:leader` on each tick: SET NX with an expiry of
BEAT_LOCK_SECONDS, renewed by its holder (only by its holder: the renewal compares the
value) at least three times per expiry. Only the holder sends periodic tasks; the others
wait and ask again. When the leader dies, its lock expires and a standby takes over within
BEAT_LOCK_SECONDS; when it stops cleanly it gives the lock up at once.

A new leader reads the schedule from the database as the last one left it: the leader
writes each entry's last run there as soon as it sent it (django-celery-beat's default
is every three minutes), so a takeover re-sends at most a run whose write was lost with
its leader. Periodic tasks are safe to run twice (each claims its rows) and never overlap
(`cop.ops.periodic`), so that run does no harm. Without Redis (embedded defaults) there is
no lock: the only beat is the leader.

The leader also writes the time of its last tick to `copse:beat:heartbeat`, which
/metrics turns into copse_beat_heartbeat_age_seconds.
"""

import contextlib
import logging
import os
import socket
import time
import uuid

import redis
from django.conf import settings
from django_celery_beat.schedulers import DatabaseScheduler

from .prometheus import BEAT_HEARTBEAT_KEY

logger = logging.getLogger(__name__)

LEADER_KEY = "copse:beat:leader"
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""
REDIS_ERRORS = (redis.RedisError, OSError)


class LeaderLock:
    """A lock in Redis held by one identity at a time, that expires unless renewed."""

    def __init__(self, *, url: str, key: str = LEADER_KEY, seconds: float):
        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self.key = key
        self.ttl_ms = int(seconds * 1000)
        self.identity = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def hold(self) -> bool:
        """Take the lock, or renew it if this identity holds it. False when another holds
        it or Redis cannot be asked (then nobody can send tasks anyway)."""
        try:
            if self.client.set(self.key, self.identity, nx=True, px=self.ttl_ms):
                return True
            return bool(self.client.eval(_RENEW, 1, self.key, self.identity, self.ttl_ms))
        except REDIS_ERRORS as exc:
            logger.warning("Beat lock: Redis unavailable (%r)", exc)
            return False

    def release(self) -> None:
        try:
            self.client.eval(_RELEASE, 1, self.key, self.identity)
        except REDIS_ERRORS as exc:
            logger.warning("Beat lock not released (%r); it expires by itself", exc)

    def holder(self) -> str | None:
        value = self.client.get(self.key)
        return value.decode() if value else None


class LeaderScheduler(DatabaseScheduler):
    """DatabaseScheduler that sends tasks only while it holds the leader lock."""

    lock_key = LEADER_KEY

    def __init__(self, *args, **kwargs):
        url = settings.REDIS_URL
        seconds = settings.BEAT_LOCK_SECONDS
        self.lock = LeaderLock(url=url, key=self.lock_key, seconds=seconds) if url else None
        self.renew_every = seconds / 3
        self.leading = self.lock is None
        super().__init__(*args, **kwargs)

    def tick(self, *args, **kwargs):
        if self.lock is not None:
            leading = self.lock.hold()
            if leading and not self.leading:
                logger.info("Beat %s leads: sending periodic tasks", self.lock.identity)
                # Resume from the database, where the last leader wrote its runs.
                self._initial_read = True
                self._heap = None
            elif self.leading and not leading:
                logger.warning("Beat %s lost the lead: standing by", self.lock.identity)
            self.leading = leading
            if not leading:
                return self.renew_every
            self._heartbeat()
        delay = super().tick(*args, **kwargs)
        if self._dirty:
            self.sync()
        return min(delay, self.renew_every)

    def _heartbeat(self) -> None:
        with contextlib.suppress(*REDIS_ERRORS):
            self.lock.client.set(BEAT_HEARTBEAT_KEY, f"{time.time():.3f}", ex=86400)

    def close(self) -> None:
        super().close()
        if self.lock is not None and self.leading:
            self.lock.release()
            self.leading = False
