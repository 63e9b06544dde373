"""The sandbox's clock: real time, plus however far a test or an instructor moved it on.

AWS's long waits (a manual approval fails after 7 days without an answer) must be testable without waiting:
``POST /_sandbox/clock {"advance_seconds": N}`` (``api.advance_clock``) moves the sandbox's time on, and everything
that measures such a wait reads ``now()`` here. The offset lives in the running process only: a restarted sandbox
is back on real time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

_lock = threading.Lock()
_offset = timedelta()
#: What runs once the clock has moved on: AWS's periodic work that the sandbox does at once (ECR's lifecycle
#: policies, evaluated within a day of a push on AWS: ``services/ecr/lifecycle.py``).
_on_advance: list[Callable[[], None]] = []


def on_advance(callback: Callable[[], None]) -> None:
    """Call ``callback`` each time the clock is moved on (once per callback, however often it is registered)."""
    if callback not in _on_advance:
        _on_advance.append(callback)


def now() -> datetime:
    """The sandbox's current time (UTC)."""
    with _lock:
        return datetime.now(UTC) + _offset


def advance(seconds: float) -> datetime:
    """Move the clock on by ``seconds`` (never back: AWS's time does not go backwards); the new time."""
    if seconds < 0:
        raise ValueError("the sandbox's clock only moves forward")
    global _offset
    with _lock:
        _offset += timedelta(seconds=seconds)
    for callback in list(_on_advance):
        callback()
    return now()


def offset_seconds() -> float:
    """How far the clock has been moved on from real time, in seconds (``GET /_sandbox/clock`` reports it)."""
    with _lock:
        return _offset.total_seconds()


def reset() -> None:
    """Back to real time (``runtime.reset``)."""
    global _offset
    with _lock:
        _offset = timedelta()
