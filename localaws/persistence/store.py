"""The sandbox's saved state: one snapshot file per moto service, saved when the service changes.

A request that changes a service is answered only after its snapshot is on disk (``save_pending``), so a
crash loses at most the request in flight. Changes made by the extensions' own threads (a pipeline
execution moving on, a build finishing, an ECS deployment settling, task log lines) are reported with
``changes.touched(...)`` and saved by a background thread within a fraction of a second.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..seams import moto as moto_seam
from . import snapshot
from .requests import EVERY_SERVICE

SUFFIX = ".state"
#: How long the background saver gathers changes before it writes them.
SETTLE_SECONDS = 0.3


@dataclass
class SaveStatistics:
    """What saving has cost so far: reported by ``/_sandbox/state`` and measured by the tests."""

    saves: int = 0
    seconds: float = 0.0
    #: How long requests waited for their change to be on disk (the part of ``seconds`` they feel).
    request_wait_seconds: float = 0.0
    bytes_by_service: dict[str, int] = field(default_factory=dict)
    seconds_by_service: dict[str, float] = field(default_factory=dict)
    saves_by_service: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "saves": self.saves,
            "seconds": round(self.seconds, 3),
            "request_wait_seconds": round(self.request_wait_seconds, 3),
            "bytes": sum(self.bytes_by_service.values()),
            "bytes_by_service": dict(sorted(self.bytes_by_service.items())),
            "seconds_by_service": {k: round(v, 3) for k, v in sorted(self.seconds_by_service.items())},
            "saves_by_service": dict(sorted(self.saves_by_service.items())),
        }


class SaveError(Exception):
    """One or more services could not be saved (the others were)."""


class StateStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.statistics = SaveStatistics()
        self._changes: dict[str, int] = {}  # service -> changes seen
        self._saved: dict[str, int] = {}  # service -> changes on disk
        self._counter_lock = threading.Lock()
        self._save_lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self._fingerprints: dict[str, tuple[int, int]] = {}  # service -> (length, CRC) of what is on disk

    # -- what changed --------------------------------------------------------------------------
    def touched(self, *services: str) -> None:
        """Record that these moto services changed (``EVERY_SERVICE`` for all that hold state)."""
        names: Iterable[str] = services
        if EVERY_SERVICE in services:
            names = {*services, *_services_in_use()} - {EVERY_SERVICE}
        with self._counter_lock:
            for name in names:
                self._changes[name] = self._changes.get(name, 0) + 1
        self._wake.set()

    def pending(self) -> list[str]:
        with self._counter_lock:
            return sorted(s for s, n in self._changes.items() if self._saved.get(s, 0) < n)

    # -- saving --------------------------------------------------------------------------------
    def save_pending(self) -> None:
        """Write the snapshot of every service changed since its last save; returns once they are on disk.
        Nothing is saved once the store is closed: what the sandbox does while it stops is not state."""
        if not self._closed:
            self._save_due()

    def _save_due(self) -> None:
        with self._save_lock:
            with self._counter_lock:
                due = {s: n for s, n in self._changes.items() if self._saved.get(s, 0) < n}
            failures = []
            for service, seen in sorted(due.items()):
                try:
                    self._save(service)
                except Exception as error:  # save the other services; this one stays due
                    failures.append(f"{service}: {type(error).__name__}: {error}")
                    continue
                with self._counter_lock:
                    self._saved[service] = max(self._saved.get(service, 0), seen)
            if failures:
                raise SaveError("; ".join(failures))

    def _save(self, service: str) -> None:
        backends = _backend_dict(service)
        path = self.folder / f"{service}{SUFFIX}"
        if backends is None or (not len(backends) and not path.exists()):
            return
        started = time.perf_counter()
        payload = _pickle_consistently(backends)
        fingerprint = (len(payload), zlib.crc32(payload))
        if self._fingerprints.get(service) == fingerprint:  # touched but unchanged: nothing to write
            return
        snapshot.write(path, payload)
        self._fingerprints[service] = fingerprint
        took = time.perf_counter() - started
        statistics = self.statistics
        statistics.saves += 1
        statistics.seconds += took
        statistics.bytes_by_service[service] = len(payload)
        statistics.seconds_by_service[service] = statistics.seconds_by_service.get(service, 0.0) + took
        statistics.saves_by_service[service] = statistics.saves_by_service.get(service, 0) + 1

    def start_background_saver(self) -> None:
        threading.Thread(target=self._save_in_background, daemon=True, name="state-saver").start()

    def _save_in_background(self) -> None:
        while not self._closed:
            self._wake.wait()
            self._wake.clear()
            time.sleep(SETTLE_SECONDS)
            try:
                self.save_pending()
            except Exception as error:  # keep saving later changes; say loudly that this one failed
                print(f"sandbox state: saving failed: {type(error).__name__}: {error}", flush=True)

    def close(self) -> None:
        """Save what is pending and stop the background saver (the sandbox is stopping)."""
        self._closed = True
        self._wake.set()
        self._save_due()

    # -- loading -------------------------------------------------------------------------------
    def load(self) -> list[str]:
        """Put every saved service back into moto's backends; the names of the services loaded.

        First every saved backend object is created (empty) in its place, so that references between
        services resolve to the live objects whatever the order; then each gets its saved state."""
        snapshot.remove_temporaries(self.folder)
        files = sorted(self.folder.glob(f"*{SUFFIX}"))
        payloads = {path.name.removesuffix(SUFFIX): snapshot.read(path) for path in files}
        placed: dict[str, list[tuple[Any, Any]]] = {}
        for service, payload in payloads.items():
            backends = _backend_dict(service)
            if backends is None:
                continue
            (index,) = _loads(payload, 1, service)
            placed[service] = []
            for account, region, kind in index:
                backend = kind.__new__(kind)
                dict.__setitem__(backends[account], region, backend)
                placed[service].append((backend, (account, region)))
        for service, objects in placed.items():
            _, states, shared = _loads(payloads[service], 3, service)
            for backend, key in objects:
                state = states[key]
                if hasattr(backend, "__setstate__"):
                    backend.__setstate__(state)
                else:
                    backend.__dict__.update(state)
            for name, value in shared.items():  # e.g. S3's bucket-name index
                setattr(_backend_dict(service), name, value)
            self.statistics.bytes_by_service[service] = len(payloads[service])
            self._fingerprints[service] = (len(payloads[service]), zlib.crc32(payloads[service]))
        return sorted(placed)


def read_saved(folder: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """Every saved service's backends, by service, account and region (loaded into this process's moto)."""
    StateStore(folder).load()
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        service = path.name.removesuffix(SUFFIX)
        backends = _backend_dict(service)
        if backends is not None:
            found[service] = {account: dict(regions) for account, regions in backends.items()}
    return found


def _loads(payload: bytes, count: int, service: str) -> list[Any]:
    try:
        return snapshot.loads(payload, count)
    except Exception as error:
        raise snapshot.SnapshotError(
            f"the saved state of {service} cannot be loaded: {type(error).__name__}: {error}"
        ) from error


def _pickle_consistently(backends: Any, attempts: int = 20) -> bytes:
    """Pickle a service's backends while other threads may change them: a dict that changes size
    under the pickler makes it fail, so try again (the next save would catch the change anyway).

    The payload holds three pickles: the index of backends (account, region, class), their states, and
    what the service's BackendDict itself holds."""
    for attempt in range(attempts):
        try:
            found = [(a, r, b) for a, per_account in list(backends.items()) for r, b in list(per_account.items())]
            index = [(account, region, type(backend)) for account, region, backend in found]
            states = {(account, region): _state_of(backend) for account, region, backend in found}
            own = moto_seam.backend_dict_own_attributes()
            shared = {k: v for k, v in vars(backends).items() if k not in own}
            return snapshot.dumps(index, states, shared, backend_types=_backend_types())
        except RuntimeError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.005)
    raise AssertionError("unreachable")


def _state_of(backend: Any) -> Any:
    return backend.__getstate__() if hasattr(backend, "__getstate__") else dict(backend.__dict__)


def _backend_types() -> dict[type, str]:
    """Every backend class in use, by service: their instances are saved as references."""
    types = {}
    for backends in moto_seam.backend_dicts_in_use():
        for per_account in list(backends.values()):
            for backend in list(per_account.values()):
                types[type(backend)] = backends.service_name
    return types


def _backend_dict(service: str) -> Any:
    return snapshot.backend_dict(service)


def _services_in_use() -> set[str]:
    return {b.service_name for b in moto_seam.backend_dicts_in_use() if len(b)}
