"""One service's state as bytes and back: a pickle of its moto backends, written crash-safely.

moto's backends are plain Python objects, so pickling them keeps everything (the approach LocalStack
takes with dill). What cannot outlive the process is replaced while pickling: a lock, event or
condition becomes a fresh one, a thread, subprocess or socket becomes ``None``. The kit's own classes
that own such things (task processes, listener sockets, engine threads) say what they keep with
``__getstate__``/``__setstate__``; the table here is the safety net for moto's objects.

One service's moto objects may point at another service's backend (an ELBv2 load balancer's subnets
point at EC2's): such a pointer is saved as a reference (``backend_reference``) that finds the live
backend again on load, so each file holds its own service only and no backend is ever copied.

A snapshot file is written to a temporary file in the same folder, flushed to disk, then renamed over
the previous one: a crash at any moment leaves either the old snapshot or the new one, never a torn file.
Each file starts with a header that carries the payload's length and CRC, so a file damaged some other way
is recognised (and refused) instead of loaded half.
"""

from __future__ import annotations

import copyreg
import functools
import io
import os
import pickle
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import zlib
from collections import defaultdict
from pathlib import Path
from typing import Any

from ..seams import moto as moto_seam
from ..seams import stdlib as stdlib_seam

#: The version of what the snapshots hold, the last byte of each file's magic. Pickles name the classes they hold
#: by module path, so moving a class (a CloudFormation resource type into its service's package) makes older
#: snapshots unreadable. Instead of shims at the old paths, the version goes up with such a move: a snapshot of
#: another version is refused with ``StateFormatError``, and ``process.start`` starts such a sandbox fresh,
#: saying why. 1: until the resource types moved; 2: CloudFormation's resource types live with their services;
#: 3: CodeCommit's GitRepository lives in ``codecommit/repository.py``, CodePipeline's StageGate in
#: ``codepipeline/stage_gate.py``; 4: CodePipeline's ActionRun, StageRun and Artifact live in ``codepipeline/runs.py``.
STATE_FORMAT = 4
_MAGIC_NAME = b"LOCALAWS-STATE"
MAGIC = _MAGIC_NAME + bytes([STATE_FORMAT])
_HEADER = struct.Struct(">QI")  # payload length, CRC-32


class SnapshotError(Exception):
    """A snapshot file cannot be read back (damaged, truncated, or from an incompatible version)."""


class StateFormatError(SnapshotError):
    """A snapshot was written in another ``STATE_FORMAT`` than this version of the sandbox reads."""


def _nothing() -> None:
    return None


def _event(is_set: bool) -> threading.Event:
    event = threading.Event()
    if is_set:
        event.set()
    return event


def _reduce_event(event: threading.Event) -> tuple[Any, ...]:
    return (_event, (event.is_set(),))


def _reduce_to_nothing(_: object) -> tuple[Any, ...]:
    return (_nothing, ())


_LOCK_TYPES: dict[type, Any] = {
    type(threading.Lock()): lambda _: (threading.Lock, ()),
    type(threading.RLock()): lambda _: (threading.RLock, ()),
    threading.Condition: lambda _: (threading.Condition, ()),
    threading.Semaphore: lambda s: (threading.Semaphore, (stdlib_seam.semaphore_value(s),)),
    threading.Event: _reduce_event,
}


def _new_mapping(kind: type, default_factory: Any) -> Any:
    mapping: Any = kind.__new__(kind)  # type: ignore[call-overload]
    if default_factory is not None:
        mapping.default_factory = default_factory
    return mapping


def _set_mapping_state(mapping: Any, state: tuple[dict[str, Any], list[tuple[Any, Any]]]) -> None:
    attributes, items = state
    dict.update(mapping, items)  # dict's own update: the subclass's __setitem__ would change the values
    mapping.__dict__.update(attributes)


def _reduce_raw_mapping(mapping: Any) -> tuple[Any, ...]:
    """A dict subclass saved as what it holds, bypassing its __init__ and __setitem__: S3's versioned key
    store would otherwise keep only each key's latest version, SSM's parameter dict would not load."""
    state = (dict(getattr(mapping, "__dict__", {})), list(dict.items(mapping)))
    return (
        _new_mapping,
        (type(mapping), getattr(mapping, "default_factory", None)),
        state,
        None,
        None,
        _set_mapping_state,
    )


def _savable_factory(factory: Any) -> Any:
    """A default factory pickle can save, making what ``factory`` makes. moto builds some of its defaultdicts
    with a lambda in ``__init__`` (SSM's tags: ``defaultdict(lambda: defaultdict(dict))``), which pickle cannot
    name; an empty container of a plain type, or a defaultdict of one, is made the same way by a type or a
    ``functools.partial`` of one. Anything else is refused by name rather than saved wrong."""
    name = getattr(factory, "__qualname__", "")
    if factory is None or ("<lambda>" not in name and "<locals>" not in name):
        return factory
    sample = factory()
    if isinstance(sample, defaultdict) and not sample:
        return functools.partial(defaultdict, _savable_factory(sample.default_factory))
    if type(sample) in (dict, list, set, int, float, str) and sample == type(sample)():
        return type(sample)
    raise pickle.PicklingError(f"cannot save a defaultdict whose default factory {name} makes {sample!r}")


def _reduce_defaultdict(mapping: defaultdict[Any, Any]) -> tuple[Any, ...]:
    return (defaultdict, (_savable_factory(mapping.default_factory),), None, None, iter(mapping.items()))


def _moto_reducers() -> dict[type, Any]:
    """Only modules already imported can have made such objects: importing the others would be wasted time."""
    reducers: dict[type, Any] = {}
    for module, name in moto_seam.RAW_MAPPINGS:
        kind = getattr(sys.modules.get(module), name, None)
        if kind is not None:  # another moto version may not have it: nothing to adapt
            reducers[kind] = _reduce_raw_mapping
    return reducers


_PROCESS_BOUND_TYPES = (threading.Thread, subprocess.Popen, socket.socket)
_DISPATCH = {
    **copyreg.dispatch_table,
    **_LOCK_TYPES,
    **dict.fromkeys(_PROCESS_BOUND_TYPES, _reduce_to_nothing),
    defaultdict: _reduce_defaultdict,
}


class StatePickler(pickle.Pickler):
    """A pickler whose dispatch table turns what belongs to the running process into fresh or empty values."""

    dispatch_table = _DISPATCH


def backend_dict(service: str) -> Any:
    """moto's BackendDict of a service (by its ``service_name``), or None when moto has no such service."""
    from moto.backends import get_backend

    for backends in moto_seam.backend_dicts_in_use():
        if backends.service_name == service:
            return backends
    try:
        return get_backend(service)  # type: ignore[call-overload]
    except (ModuleNotFoundError, KeyError, AttributeError, ValueError):
        return None


def backend_reference(service: str, account: str, region: str) -> Any:
    """The live backend of ``service`` in ``account`` and ``region`` (what a saved reference becomes)."""
    return backend_dict(service)[account][region]


def dumps(*values: Any, backend_types: dict[type, str] | None = None) -> bytes:
    """Pickle ``values`` one after the other; an instance of a type in ``backend_types`` (a moto backend
    class, by service name) is saved as a reference to the live backend."""
    table = {**_DISPATCH, **_moto_reducers()}
    for kind, service in (backend_types or {}).items():
        table[kind] = lambda backend, service=service: (
            backend_reference,
            (service, backend.account_id, backend.region_name),
        )
    # The C pickler reads its dispatch table when it is created: give it through a class attribute.
    pickler_class = type("ReferencingStatePickler", (StatePickler,), {"dispatch_table": table})
    buffer = io.BytesIO()
    for value in values:
        pickler_class(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


def loads(payload: bytes, count: int) -> list[Any]:
    """The first ``count`` values pickled one after the other in ``payload``."""
    buffer = io.BytesIO(payload)
    return [pickle.load(buffer) for _ in range(count)]


def write(path: Path, payload: bytes) -> None:
    """Replace ``path`` with ``payload`` so that a crash leaves the old file or the new one, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(MAGIC + _HEADER.pack(len(payload), zlib.crc32(payload)))
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read(path: Path) -> bytes:
    """The payload saved in ``path``; SnapshotError when the file is not a whole snapshot."""
    data = path.read_bytes()
    start = len(MAGIC) + _HEADER.size
    found = format_of(data)
    if found is not None and found != STATE_FORMAT:
        raise StateFormatError(
            f"{path} was saved in state format {found} by another version of the sandbox; "
            f"this version reads format {STATE_FORMAT}"
        )
    if not data.startswith(MAGIC) or len(data) < start:
        raise SnapshotError(f"{path} is not a sandbox state snapshot")
    length, crc = _HEADER.unpack_from(data, len(MAGIC))
    payload = data[start:]
    if len(payload) != length or zlib.crc32(payload) != crc:
        raise SnapshotError(f"{path} is damaged (length or checksum does not match)")
    return payload


def format_of(data: bytes) -> int | None:
    """The state format a snapshot's bytes (its first bytes suffice) were written in; None if not a snapshot."""
    if not data.startswith(_MAGIC_NAME) or len(data) <= len(_MAGIC_NAME):
        return None
    return data[len(_MAGIC_NAME)]


def saved_format(folder: Path) -> int | None:
    """The state format of the snapshots in ``folder`` (the first one that says); None when it holds none."""
    for path in sorted(folder.glob("*.state")):
        with open(path, "rb") as handle:
            found = format_of(handle.read(len(MAGIC)))
        if found is not None:
            return found
    return None


def remove_temporaries(folder: Path) -> None:
    """Delete what a crash in the middle of ``write`` left behind."""
    for leftover in folder.glob(".*.tmp"):
        leftover.unlink(missing_ok=True)
