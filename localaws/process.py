"""Start, stop and inspect the detached sandbox server.

It runs in its own session (so it survives Jupyter kernel restarts) and records its pid, port and
endpoint in ``<home>/server.json``; ``home`` is the folder the caller gives (see ``api.default_home``).
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

from . import routes
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
        running=True, **{k: record.get(k) for k in ("endpoint", "pid", "port", "sandbox_id", "started_at", "log_file")}
    )


def endpoint(home: Path) -> str:
    """The running sandbox's URL, or a SandboxError when it does not run."""
    record = _read_record(home)
    if record is None or not _alive(record["pid"]):
        raise SandboxError("The sandbox is not running.")
    return str(record["endpoint"])


def start(home: Path, port: int = DEFAULT_PORT, timeout: float = 60.0) -> SandboxStatus:
    """Start the sandbox unless it already runs (idempotent)."""
    with _lock(home):
        current = status(home)
        if current.running:
            return current
        _stop_recorded_process(home)
        if _port_in_use(port):
            if _health(f"http://127.0.0.1:{port}") is not None:
                raise SandboxError(
                    f"Another sandbox, with a different home folder, is using port {port}. "
                    "Stop that one, or choose another free port."
                )
            raise SandboxError(
                f"Port {port} on 127.0.0.1 is used by another program. Stop it, or choose another free port."
            )
        data_dir = _ensure(home) / "data"
        shutil.rmtree(data_dir, ignore_errors=True)  # moto's state is in memory: start both empty
        data_dir.mkdir(parents=True)
        log_file = home / "server.log"
        sandbox_id = uuid.uuid4().hex
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
                env=_server_environment(),
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
        }
        _record_file(home).write_text(json.dumps(record, indent=2))
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


def stop(home: Path) -> SandboxStatus:
    """Stop the sandbox and everything it started (idempotent)."""
    with _lock(home):
        _stop_recorded_process(home)
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


def _server_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
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


def _health(endpoint_url: str) -> dict | None:
    try:
        with urllib.request.urlopen(endpoint_url + routes.HEALTH, timeout=2) as response:
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
