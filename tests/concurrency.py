"""Running service calls at the same moment from several threads, each with its own
database connection, for the PostgreSQL concurrency tests."""

import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connection


def all_at_once(functions):
    """Run the callables in threads released together; each closes its connection.
    Returns their results in order (an exception in one is raised here)."""
    barrier = threading.Barrier(len(functions))

    def run(fn):
        try:
            barrier.wait(timeout=30)
            return fn()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(functions)) as pool:
        return [future.result() for future in [pool.submit(run, fn) for fn in functions]]
