"""How many builds run their commands on this machine at once.

CodeBuild runs every build on a host of its own; the sandbox runs them all on this machine. Beyond a few at
a time they only compete for the same cores and memory: ten participants' first pipelines start thirty
builds, each an ``npm test`` of about 100 MB. So a build past the limit waits in PROVISIONING, the phase in
which CodeBuild gets a build host ready, until one of the running builds ends. The account's quota of
concurrently running builds (``account.codebuild_concurrency``, whose excess waits as QUEUED) is counted
before that and does not change.

``LOCALAWS_LOCAL_BUILDS`` sets the limit when the sandbox starts; by default two per CPU.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from ... import config

VARIABLE = config.LOCAL_BUILDS


def limit(environ: dict[str, str] | None = None) -> int:
    """How many builds may run their commands on this machine at once: ``LOCALAWS_LOCAL_BUILDS``, else two per CPU."""
    return config.local_builds(environ)


_slots: threading.BoundedSemaphore | None = None
_slots_lock = threading.Lock()


def slots() -> threading.BoundedSemaphore:
    """The machine's build slots, made on first use from the limit in force (``runtime.py`` lists them)."""
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(limit())
        return _slots


def acquire(should_stop: Callable[[], bool]) -> bool:
    """Wait for a free local slot; False when the build is stopped while it waits."""
    while not slots().acquire(timeout=0.25):
        if should_stop():
            return False
    return True


def release() -> None:
    """Give a build's slot back when its commands are done, so that a build waiting in PROVISIONING can start."""
    slots().release()
