"""Run an ECS task as a container in Docker mode (``buildtools/engine_tasks.py`` makes the engine's calls).

The container is the image the task definition names: an ECR image is pulled from the registry behind the sandbox's ECR
of the image's account (``services/ecr/registry.py``: one per account) with the login ECR's token holds, as the ECS
agent pulls with the task execution role's token; the public ``node`` images map to the base image the sandbox keeps in
the engine (``buildtools/base_image.py``: the real one when it could be pulled, else its stand-in); any other image must
be in the engine or pullable. It runs on the host's network with a port of its own passed as ``PORT`` (each awsvpc task
has its own address on AWS, here its own port on 127.0.0.1, with ``HOST=127.0.0.1``), the task definition's environment,
entry point, command, working directory, user, ``stopTimeout`` and ``initProcessEnabled``, and its CPU and memory limits
(``cpu`` units / 1024 as ``--cpus``, ``memory`` MiB as ``--memory``, ``memoryReservation`` as ``--memory-reservation``;
the container's own values, else the task's). ECS's agent labels (``com.amazonaws.ecs.*``) and the sandbox's
(``localaws.*``, with its data folder) let ``docker ps`` and a restarted sandbox find it. Its output is copied line by
line to the ``awslogs`` group.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...buildtools import base_image, engine, engine_tasks
from ...buildtools.image_store import parse_ecr_uri
from ..ecr import registry
from .runner import NODE_IMAGE, ImageNotRunnable, RunningTask


def local_image(image: str) -> str:
    """The engine's reference for ``image``, pulled if needed; ImageNotRunnable (CannotPullContainerError) otherwise."""
    parts = parse_ecr_uri(image)
    try:
        if parts is not None:
            address = registry.ensure(parts["account"])  # the image's account's registry
            if address is None:
                raise ImageNotRunnable(f"CannotPullContainerError: {image}: the sandbox runs no registry behind ECR")
            suffix = f"@{parts['digest']}" if parts["digest"] else f":{parts['tag'] or 'latest'}"
            reference = f"{address}/{parts['repository']}{suffix}"
            engine_tasks.pull(reference, "AWS", registry.password(parts["account"]))
            return reference
        if engine_tasks.image_present(image):
            return image
        if NODE_IMAGE.match(image) and engine_tasks.image_present(base_image.NODE_IMAGE):
            return base_image.NODE_IMAGE  # the kit's node base image, which the sandbox keeps in the engine
        engine_tasks.pull(image)
        return image
    except engine_tasks.EngineError as error:
        raise ImageNotRunnable(f"CannotPullContainerError: {image}: {error}") from None


def limits(container: dict[str, Any], definition: Any) -> dict[str, Any]:
    """The engine's HostConfig limits: the container's ``cpu``, ``memory``, ``memoryReservation`` (else the task's)."""
    cpu = int(container.get("cpu") or 0) or int(getattr(definition, "cpu", None) or 0)
    memory = int(container.get("memory") or 0) or int(getattr(definition, "memory", None) or 0)
    reservation = int(container.get("memoryReservation") or 0)
    host: dict[str, Any] = {}
    if cpu:
        host["NanoCpus"] = cpu * 10**9 // 1024
    if memory:
        host["Memory"] = memory * 1024 * 1024
    if reservation:
        host["MemoryReservation"] = reservation * 1024 * 1024
    return host


def _name(definition: Any, container: str, task_id: str) -> str:
    """As ECS's agent names a task's container: ``ecs-<family>-<revision>-<container>-<id>``."""
    family = getattr(definition, "family", "task")
    revision = getattr(definition, "revision", 1)
    return re.sub(r"[^a-zA-Z0-9_.-]", "-", f"ecs-{family}-{revision}-{container}-{task_id[:20]}")


class TaskContainer(RunningTask):
    """One running task in Docker mode: a container, its port, and two threads (its exit code, its output)."""

    def __init__(
        self,
        task_id: str,
        container: dict[str, Any],
        definition: Any,
        labels: dict[str, str],
        log_sink: Callable[[str, str], None] | None = None,
    ) -> None:
        super().__init__(task_id, container)
        self.image = local_image(str(container["image"]))
        self._code: int | None = None
        environment = {"HOST": "127.0.0.1"}
        environment.update({e["name"]: e["value"] for e in container.get("environment", []) if "name" in e})
        environment["PORT"] = str(self.port)
        spec: dict[str, Any] = {
            "Image": self.image,
            "Env": [f"{key}={value}" for key, value in environment.items()],
            "Labels": labels,
            "HostConfig": {"NetworkMode": "host", **limits(container, definition)},
            "StopTimeout": self.stop_timeout,
        }
        for key, field in (("Entrypoint", "entryPoint"), ("Cmd", "command")):
            if container.get(field):
                spec[key] = list(container[field])
        if (container.get("linuxParameters") or {}).get("initProcessEnabled"):
            spec["HostConfig"]["Init"] = True
        for key, field in (("WorkingDir", "workingDirectory"), ("User", "user")):
            if container.get(field):
                spec[key] = str(container[field])
        try:
            self.container_id = engine_tasks.run(_name(definition, self.container_name, task_id), spec)
        except engine_tasks.EngineError as error:
            raise ImageNotRunnable(f"CannotStartContainerError: {error}") from None
        threading.Thread(target=self._wait, daemon=True).start()
        threading.Thread(target=self._read_output, args=(log_sink,), daemon=True).start()

    def exit_code(self) -> int | None:
        return self._code

    def _wait(self) -> None:
        try:
            self._code = engine_tasks.wait(self.container_id)
        except (OSError, engine_tasks.EngineError):  # the container is gone: ask what it ended with, if anything
            self._code = self._inspected_code()

    def _inspected_code(self) -> int:
        try:
            return int(engine_tasks.inspect(self.container_id).get("State", {}).get("ExitCode", 137))
        except (OSError, engine_tasks.EngineError):
            return 137

    def _read_output(self, sink: Callable[[str, str], None] | None) -> None:
        try:
            for line in engine_tasks.logs(self.container_id):
                self._keep(line, sink)
        except (OSError, engine_tasks.EngineError):
            pass

    def stop(self, timeout: float | None = None) -> None:
        self.stopping = True
        try:
            engine_tasks.stop(self.container_id, int(self.stop_timeout if timeout is None else timeout))
            engine_tasks.remove(self.container_id)
        except (OSError, engine_tasks.EngineError):
            pass

    def summary(self) -> dict[str, Any]:
        found = {"containerId": self.container_id[:12], "image": self.image, "output": self.output[-5:]}
        return {**super().summary(), **found}


def labels(data_dir: Path, task_arn: str, service: Any, definition: Any, container: str) -> dict[str, str]:
    """ECS agent's labels and the sandbox's own: the data folder of the sandbox that started it comes first. A RunTask
    task (``service`` a ``run_tasks.TaskGroup``, whose ``arn`` is empty) has no service label."""
    found = {
        engine_tasks.LABEL_DATA_DIR: str(data_dir.resolve()),
        engine_tasks.LABEL_TASK: task_arn,
        engine_tasks.LABEL_SERVICE: str(service.arn),
        engine_tasks.LABEL_CONTAINER: container,
        "com.amazonaws.ecs.task-arn": task_arn,
        "com.amazonaws.ecs.cluster": str(service.cluster_arn),
        "com.amazonaws.ecs.container-name": container,
        "com.amazonaws.ecs.task-definition-family": str(getattr(definition, "family", "")),
        "com.amazonaws.ecs.task-definition-version": str(getattr(definition, "revision", "")),
    }
    return {key: value for key, value in found.items() if value or key != engine_tasks.LABEL_SERVICE}


def remove_leftovers(data_dir: Path) -> int:
    """Remove the containers a sandbox with this data folder started and did not stop (it was killed): the services
    start their tasks again. How many were removed; 0 when no engine answers."""
    try:
        return engine_tasks.remove_labelled(engine_tasks.LABEL_DATA_DIR, str(data_dir.resolve()))
    except (OSError, engine_tasks.EngineError):
        return 0


def remove_service_containers(service_arn: str) -> int:
    """Remove every container, running or exited, of a deleted service (its tasks have stopped; this also takes one a
    replacement started meanwhile). How many; 0 in process mode or when no engine answers."""
    if engine.current() != engine.DOCKER:
        return 0
    try:
        return engine_tasks.remove_labelled(engine_tasks.LABEL_SERVICE, service_arn)
    except (OSError, engine_tasks.EngineError):
        return 0
