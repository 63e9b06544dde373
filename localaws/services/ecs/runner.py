"""A running ECS task, as the rest of the sandbox's ECS sees it (``RunningTask``: its port, health, exit code, output,
stop), and the process runner of process mode (``TaskProcess``); Docker mode's runner is ``container_runner.py``.

In process mode the sandbox has no container engine. A task's container runs as a process in a folder that stands
for the image: an image built in the sandbox's ECR (its build context and Dockerfile CMD), or a
public ``node`` image (an empty folder, the task definition's command). Each task gets its own port
through the ``PORT`` variable, as each awsvpc task gets its own address on AWS.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NODE_IMAGE = re.compile(
    r"^(?:(?:public\.ecr\.aws/docker/|docker\.io/)?(?:library/)?node)(?::[\w.-]+)?(?:@sha256:[0-9a-f]+)?$"
)


#: Seconds between SIGTERM and SIGKILL when the container's ``stopTimeout`` does not say, in both runtimes. ECS waits
#: 30 s; the sandbox waits less, as a process that ignores SIGTERM, such as ``node`` as PID 1 without a handler, would
#: hold every deployment up (the kit's app exits at once on SIGTERM). A ``stopTimeout`` the task definition gives is
#: used as given, up to ECS's maximum.
STOP_TIMEOUT = 2
#: ECS's largest ``stopTimeout`` (seconds; "Container definitions": "the max stop timeout value is 120 seconds").
MAX_STOP_TIMEOUT = 120


def stop_timeout(container: dict[str, Any]) -> int:
    """Seconds between SIGTERM and SIGKILL for the container: its ``stopTimeout`` (at most 120), else STOP_TIMEOUT."""
    value = container.get("stopTimeout")
    if value is None or value == "":
        return STOP_TIMEOUT
    return max(0, min(int(value), MAX_STOP_TIMEOUT))


class ImageNotRunnable(Exception):
    """The sandbox cannot run this image (ECS would report CannotPullContainerError)."""


@dataclass
class ImageSource:
    """What the sandbox knows of an image: the folder that stands for it and its default command."""

    folder: Path | None
    command: list[str] = field(default_factory=list)
    entry_point: list[str] = field(default_factory=list)


#: Looks an image URI up in the sandbox's ECR; returns None when the image is not there.
ImageLookup = Callable[[str], "ImageSource | None"]


def resolve_image(image: str, lookup: ImageLookup | None) -> ImageSource:
    """What stands for a container's image: the folder ``lookup`` finds in the sandbox's ECR, else, for a public node
    image, no folder and ``node`` as the command; any other image is ImageNotRunnable with ECS's
    CannotPullContainerError."""
    found = lookup(image) if lookup else None
    if found is not None:
        return found
    if NODE_IMAGE.match(image):
        return ImageSource(folder=None, command=["node"])
    raise ImageNotRunnable(
        f"CannotPullContainerError: the sandbox runs only images built in its own ECR or public node images, "
        f"not {image}"
    )


def free_port() -> int:
    """A loopback port free right now, for a task's ``PORT``: each awsvpc task has its own address on AWS, here each
    task has its own port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RunningTask:
    """One running task, whatever runs it: its id, its port (``PORT``), its output, whether it has exited and with which
    code (as ECS reports a container's: 128 + the signal for a killed one), its health check, and ``stop``."""

    task_id: str
    container_name: str
    port: int
    started_at: float
    last_failure: int | str | None
    output: list[str]

    def __init__(self, task_id: str, container: dict[str, Any]) -> None:
        self.task_id = task_id
        self.container_name = container.get("name", "app")
        self.port = free_port()
        self.started_at = time.time()
        self.last_failure = None
        self.output = []
        #: Set by the sandbox when it stops the task itself (the exit that follows is not a crash).
        self.stopping = False
        #: StopTask's reason and stop code: the service's scheduler records the task with them and replaces it.
        self.stop_request: tuple[str, str] | None = None
        #: Seconds between SIGTERM and SIGKILL when the task is stopped (``stop_timeout``).
        self.stop_timeout = stop_timeout(container)

    def exit_code(self) -> int | None:
        """None while it runs; else the container's exit code as ECS reports it."""
        raise NotImplementedError

    def exited(self) -> bool:
        return self.exit_code() is not None

    def stop(self, timeout: float | None = None) -> None:
        raise NotImplementedError

    def summary(self) -> dict[str, Any]:
        """What the sandbox's tasks page shows of it besides the ECS API."""
        return {"taskId": self.task_id, "port": self.port, "running": not self.exited(), "exitCode": self.exit_code()}

    def _keep(self, line: str, sink: Callable[[str, str], None] | None) -> None:
        self.output.append(line)
        del self.output[:-200]
        if sink is not None:
            try:
                sink(self.task_id, line)
            except Exception:  # logging must never break a task
                pass

    @property
    def endpoint(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    def wait_healthy(self, path: str = "/", timeout: float = 20.0) -> bool:
        """True once the task answers 2xx/3xx on ``path``; False if it exits or never does. ``last_failure``
        keeps why the last check failed: the HTTP code it answered, "timeout", or "error" (no answer)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.exited():
                self.last_failure = "error"
                return False
            self.last_failure = self._check(path)
            if self.last_failure is None:
                return True
            time.sleep(0.03)
        return False

    def _check(self, path: str) -> int | str | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=2) as response:
                return None if 200 <= response.status < 400 else int(response.status)
        except urllib.error.HTTPError as error:
            return None if 200 <= error.code < 400 else int(error.code)
        except TimeoutError:
            return "timeout"
        except urllib.error.URLError as error:
            return "timeout" if isinstance(error.reason, TimeoutError) else "error"
        except OSError:
            return "error"


class TaskProcess(RunningTask):
    """One running task in process mode: a process, its port, and a log pump."""

    def __init__(
        self,
        task_id: str,
        container: dict[str, Any],
        source: ImageSource,
        work_root: Path,
        log_sink: Callable[[str, str], None] | None = None,
    ) -> None:
        super().__init__(task_id, container)
        self._workdir = Path(tempfile.mkdtemp(prefix=f"task-{task_id[:8]}-", dir=work_root))
        if source.folder is not None:
            shutil.copytree(source.folder, self._workdir, dirs_exist_ok=True)
        argv = list(container.get("entryPoint") or source.entry_point) + list(
            container.get("command") or source.command
        )
        if not argv:
            raise ImageNotRunnable("CannotStartContainerError: the container has no command")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self._workdir),
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "NODE_ENV": "production",
        }
        env.update({e["name"]: e["value"] for e in container.get("environment", []) if "name" in e})
        env["PORT"] = str(self.port)
        try:
            self.process = subprocess.Popen(
                argv,
                cwd=self._workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
        except OSError as error:
            shutil.rmtree(self._workdir, ignore_errors=True)
            raise ImageNotRunnable(f"CannotStartContainerError: {error}") from None
        self._pump = threading.Thread(target=self._read_output, args=(log_sink,), daemon=True)
        self._pump.start()

    def exit_code(self) -> int | None:
        code = self.process.poll()
        return None if code is None else (128 - code if code < 0 else code)  # -9 (SIGKILL) is 137, as docker says

    def summary(self) -> dict[str, Any]:
        return {**super().summary(), "pid": self.process.pid, "output": self.output[-5:]}

    def stop(self, timeout: float | None = None) -> None:
        """SIGTERM, then SIGKILL after the container's ``stopTimeout`` (or ``timeout``), as ECS stops a container."""
        self.stopping = True
        timeout = self.stop_timeout if timeout is None else timeout
        if not self.exited():
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self._workdir, ignore_errors=True)

    def _read_output(self, sink: Callable[[str, str], None] | None) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            self._keep(raw.decode(errors="replace").rstrip("\n"), sink)
