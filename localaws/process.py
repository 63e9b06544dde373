"""Start, stop and inspect the detached sandbox server.

It runs in its own session (so it survives Jupyter kernel restarts) and records its pid, port and
endpoint in ``<home>/server.json``; ``home`` is the folder the caller gives (see ``api.default_home``).
Its state lives in ``<home>/data`` and survives a stop, a crash or a reboot (see ``persistence``);
``start(fresh=True)`` discards it. The sandbox id names that state: it changes only when the state does
not carry over, so a workshop can tell "restarted" from "reset".
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from . import config, persistence, routes
from .buildtools import base_image, engine, engine_tasks
from .errors import SandboxError

DEFAULT_PORT = 4750


@dataclass
class SandboxStatus:
    running: bool
    endpoint: str | None = None
    pid: int | None = None
    port: int | None = None
    sandbox_id: str | None = None
    started_at: str | None = None
    log_file: str | None = None
    #: ``docker`` or ``process``: the runtime the sandbox chose at start (``buildtools/engine.py``).
    containers: str | None = None
    #: Docker mode: the base image made available at start (``buildtools/base_image.ensure``'s answer).
    base_image: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _ensure(home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    return home


def status(home: Path) -> SandboxStatus:
    """Whether the sandbox recorded in ``home`` runs and answers as itself."""
    record = _read_record(home)
    if record is None:
        return SandboxStatus(running=False)
    health = _health(record["endpoint"])
    if health is None or health.get("sandbox_id") != record.get("sandbox_id") or not _alive(record["pid"]):
        return SandboxStatus(running=False)
    return SandboxStatus(
        running=True,
        **{k: record.get(k) for k in ("endpoint", "pid", "port", "sandbox_id", "started_at", "log_file")},
        containers=record.get("containers", engine.PROCESS),
        base_image=record.get("base_image"),
    )


def endpoint(home: Path) -> str:
    """The running sandbox's URL, or a SandboxError when it does not run."""
    record = _read_record(home)
    if record is None or not _alive(record["pid"]):
        raise SandboxError("The sandbox is not running.")
    return str(record["endpoint"])


def _refuse_a_used_port(port: int) -> None:
    """Refuse to start on a port another sandbox or another program holds, saying which."""
    if _port_in_use(port):
        if _health(f"http://127.0.0.1:{port}") is not None:
            raise SandboxError(
                f"Another sandbox, with a different home folder, is using port {port}. "
                "Stop that one, or choose another free port."
            )
        raise SandboxError(
            f"Port {port} on 127.0.0.1 is used by another program. Stop it, or choose another free port."
        )


def _wait_until_up(
    home: Path, proc: subprocess.Popen[bytes], endpoint_url: str, sandbox_id: str, timeout: float
) -> SandboxStatus:
    """Wait until the new server answers as ``sandbox_id``; stop it and say why if it exits or stays silent."""
    log_file = home / "server.log"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            _record_file(home).unlink(missing_ok=True)
            raise SandboxError(
                f"The sandbox exited during start-up (code {proc.returncode}); see {log_file}:\n" + _tail(log_file)
            )
        health = _health(endpoint_url)
        if health and health.get("sandbox_id") == sandbox_id:
            return status(home)
        time.sleep(0.1)
    _stop_recorded_process(home)
    raise SandboxError(f"The sandbox did not answer within {timeout:.0f} s; see {log_file}:\n" + _tail(log_file))


def start(home: Path, port: int = DEFAULT_PORT, timeout: float = 60.0, fresh: bool = False) -> SandboxStatus:
    """Start the sandbox unless it already runs (idempotent); it resumes from its saved state unless
    ``fresh`` (a running sandbox is then stopped and started again, empty)."""
    with _lock(home):
        current = status(home)
        if current.running and not fresh:
            return current
        if not fresh:
            answered = _wait_for_a_busy_sandbox(home, timeout)
            if answered is not None:
                return answered
        _stop_recorded_process(home)
        _refuse_a_used_port(port)
        data_dir = _ensure(home) / "data"
        _stop_leftover_processes(data_dir)
        _remove_leftover_containers(data_dir)
        sandbox_id = _prepare_data(data_dir, fresh or not persistence.enabled())
        containers, base = _containers()
        log_file = home / "server.log"
        if log_file.exists():  # keep the previous run's log (what happened before a crash) one start long
            log_file.replace(home / "server.previous.log")
        endpoint_url = f"http://127.0.0.1:{port}"
        with open(log_file, "wb") as log:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "localaws.serve",
                    "--port",
                    str(port),
                    "--data-dir",
                    str(data_dir),
                    "--sandbox-id",
                    sandbox_id,
                ],
                cwd=home,
                env=_server_environment(containers),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
            )
        record = {
            "pid": proc.pid,
            "port": port,
            "endpoint": endpoint_url,
            "sandbox_id": sandbox_id,
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "log_file": str(log_file),
            "data_dir": str(data_dir),
            "containers": containers,
            "base_image": base,
        }
        _record_file(home).write_text(json.dumps(record, indent=2))
        return _wait_until_up(home, proc, endpoint_url, sandbox_id, timeout)


def stop(home: Path) -> SandboxStatus:
    """Stop the sandbox and everything it started (idempotent)."""
    with _lock(home):
        _stop_recorded_process(home)
        # A task its scheduler started while the server shut down (it replaces the tasks the stop signal ended)
        # outlives the server: nothing of the sandbox may go on running after a stop.
        _stop_leftover_processes(home / "data")
        _remove_leftover_containers(home / "data")
    return SandboxStatus(running=False)


def _stop_recorded_process(home: Path) -> None:
    record = _read_record(home)
    if record is None:
        return
    pid = int(record["pid"])
    if _alive(pid):
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(pid):
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    _record_file(home).unlink(missing_ok=True)


def _prepare_data(data_dir: Path, empty: bool) -> str:
    """Empty the data folder if asked (or if it holds no saved state); the id of the state it holds."""
    id_file = data_dir / "sandbox-id"
    found = persistence.saved_format(data_dir / "state")
    if not empty and found not in (None, persistence.STATE_FORMAT):
        print(
            f"The sandbox's saved state in {data_dir} was written by another version of the sandbox (state format "
            f"{found}; this version reads {persistence.STATE_FORMAT}). Starting it fresh, as `sandbox start --fresh` "
            "would: the resources it held are gone, create them again.",
            file=sys.stderr,
        )
        empty = True
    if not empty and id_file.exists():
        return id_file.read_text().strip()
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    sandbox_id = uuid.uuid4().hex
    id_file.write_text(sandbox_id + "\n")
    return sandbox_id


def _stop_leftover_processes(data_dir: Path) -> None:
    """Stop what a killed sandbox left running: task and build processes whose folder is in its data
    folder (they would hold ports and write into the state). Needs /proc (Linux); elsewhere a no-op."""
    proc = Path("/proc")
    if not proc.is_dir():
        return
    root = str(data_dir.resolve()) + os.sep
    leftovers = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if (cwd + os.sep).startswith(root):
            leftovers.append(int(entry.name))
    for signal_number in (signal.SIGTERM, signal.SIGKILL):
        for pid in leftovers:
            try:
                os.kill(pid, signal_number)
            except (ProcessLookupError, PermissionError):
                pass
        deadline = time.monotonic() + 3
        while signal_number == signal.SIGTERM and any(_running(p) for p in leftovers) and time.monotonic() < deadline:
            time.sleep(0.05)
        leftovers = [p for p in leftovers if _running(p)]


def _remove_leftover_containers(data_dir: Path) -> None:
    """Remove the task containers a killed sandbox left running (labelled with its data folder); a stopped sandbox
    removed its own. Nothing to do without an engine."""
    if not engine.reachable(timeout=1.0):
        return
    try:
        engine_tasks.remove_labelled(engine_tasks.LABEL_DATA_DIR, str(data_dir.resolve()))
    except (OSError, engine_tasks.EngineError):
        pass


def _containers() -> tuple[str, dict[str, Any] | None]:
    """The runtime for containers (``docker`` when an engine answers) and, in Docker mode, the base image the kit's
    Dockerfile names, made present before the sandbox says ready (built once per machine when it cannot be pulled)."""
    try:
        mode = engine.decide()
        if mode != engine.DOCKER:
            return mode, None
        return mode, base_image.ensure(engine.cli() or "docker")
    except (engine.EngineUnavailable, base_image.BaseImageError, ValueError) as error:
        raise SandboxError(str(error)) from None


def _server_environment(containers: str = "process") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            config.CONTAINERS: containers,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "PYTHONUNBUFFERED": "1",
            # One malloc arena per thread is what makes a threaded server's memory balloon; two is plenty.
            "MALLOC_ARENA_MAX": "2",
        }
    )
    return env


def _record_file(home: Path) -> Path:
    return _ensure(home) / "server.json"


def _read_record(home: Path) -> dict | None:
    try:
        return json.loads(_record_file(home).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)  # reap our own exited child, if it is one
        if waited == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _running(pid: int) -> bool:
    """The process exists and is not a zombie (an orphan's zombie waits for an init that may never reap it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _wait_for_a_busy_sandbox(home: Path, timeout: float) -> SandboxStatus | None:
    """A recorded sandbox whose process lives but did not answer at once is busy (a loaded machine, a
    long save) or still starting: wait for it rather than replace it. None when no such process runs;
    SandboxError when it lives but never answers."""
    record = _read_record(home)
    if record is None or not _alive(int(record["pid"])):
        return None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(int(record["pid"])):
            return None
        current = status(home)
        if current.running:
            return current
        time.sleep(0.5)
    raise SandboxError(
        f"The sandbox (pid {record['pid']}) runs but has not answered for {timeout:.0f} s; see "
        f"{record.get('log_file')}. Stop it, then start it again (its saved state is kept)."
    )


def _health(endpoint_url: str) -> dict | None:
    try:
        with urllib.request.urlopen(endpoint_url + routes.HEALTH, timeout=5) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@contextmanager
def _lock(home: Path) -> Iterator[None]:
    with open(_ensure(home) / "lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
