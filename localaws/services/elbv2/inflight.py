"""The requests a listener is forwarding to each target right now.

"If a deregistering target has no in-flight requests and no active connections, Elastic Load Balancing
immediately completes the deregistration process, without waiting for the deregistration delay to elapse"
(ALB user guide, "Deregistration delay"). The listeners (``proxy.py``) count each request they forward, and a
task that ECS retires waits only while one is still in flight to it, at most the delay (``ecs/targets.py``).
The listeners open one connection per request, so an in-flight request is also the only active connection.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

Endpoint = tuple[str, int]

_changed = threading.Condition()
_open: Counter[Endpoint] = Counter()


@contextmanager
def forwarding(endpoint: Endpoint) -> Iterator[None]:
    """Count one request forwarded to ``endpoint`` for as long as it is in flight."""
    with _changed:
        _open[endpoint] += 1
    try:
        yield
    finally:
        with _changed:
            _open[endpoint] -= 1
            if _open[endpoint] <= 0:
                del _open[endpoint]
            _changed.notify_all()


def in_flight(endpoint: Endpoint) -> int:
    """How many requests are being forwarded to ``endpoint`` now."""
    with _changed:
        return _open[endpoint]


def wait_idle(endpoints: Iterable[Endpoint], timeout: float) -> bool:
    """Wait until no request is in flight to any of ``endpoints``, at most ``timeout`` seconds; whether they are."""
    wanted = list(endpoints)
    deadline = time.monotonic() + timeout
    with _changed:
        while any(_open[e] for e in wanted):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            _changed.wait(remaining)
    return True
