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

import os
import threading
from collections.abc import Callable

VARIABLE = "LOCALAWS_LOCAL_BUILDS"


def limit(environ: dict[str, str] | None = None) -> int:
    raw = (os.environ if environ is None else environ).get(VARIABLE, "").strip()
    if not raw:
        return max(2, 2 * (os.cpu_count() or 1))
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{VARIABLE} must be a whole number of builds, 1 or more (not {raw!r})")
    return int(raw)


_slots = threading.BoundedSemaphore(limit())


def acquire(should_stop: Callable[[], bool]) -> bool:
    """Wait for a free local slot; False when the build is stopped while it waits."""
    while not _slots.acquire(timeout=0.25):
        if should_stop():
            return False
    return True


def release() -> None:
    _slots.release()
