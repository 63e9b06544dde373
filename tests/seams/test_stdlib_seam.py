"""The contract of ``localaws/seams/stdlib.py``: the standard library's internals the sandbox relies on."""

from __future__ import annotations

import platform
import threading

from localaws.seams import stdlib as stdlib_seam


def test_threading_semaphore_has_value():
    semaphore = threading.Semaphore(3)
    semaphore.acquire()
    try:
        value = stdlib_seam.semaphore_value(semaphore)
    except AttributeError:
        value = None
    assert value == 2, (
        f"{platform.python_implementation()} {platform.python_version()} changed threading.Semaphore._value "
        "(the seam was read from CPython 3.11.7): it no longer counts the free slots. "
        "Fix semaphore_value in localaws/seams/stdlib.py (persistence/snapshot.py re-creates semaphores with it)."
    )
