"""The standard library's internals that the sandbox relies on (read from CPython 3.11.7).

Only what has no public route: a snapshot re-creates a ``threading.Semaphore`` with the count it had, and a
semaphore does not say its count. ``tests/seams/test_stdlib_seam.py`` checks it on every Python the kit runs.
"""

from __future__ import annotations

import threading


def semaphore_value(semaphore: threading.Semaphore) -> int:
    """How many more times ``semaphore`` can be acquired without blocking."""
    return int(semaphore._value)  # CPython 3.11.7: Semaphore._value, the counter acquire() takes from
