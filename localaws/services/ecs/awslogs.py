"""The awslogs log driver of the sandbox's tasks: each line a task prints goes to the container's log group,
in the stream ``PREFIX/CONTAINER/TASK_ID`` (as ECS names it), if the group exists."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from moto.logs.models import logs_backends

from ...persistence import changes


def awslogs_sink(account_id: str, region_name: str, container: dict[str, Any]) -> Callable[[str, str], None] | None:
    """Where a task's output goes (``TaskProcess``'s ``log_sink``); None without an awslogs group."""
    options = (container.get("logConfiguration") or {}).get("options", {})
    group = options.get("awslogs-group")
    if not group:
        return None
    logs = logs_backends[account_id][region_name]
    prefix = options.get("awslogs-stream-prefix", "ecs")

    def sink(task_id: str, line: str) -> None:
        stream = f"{prefix}/{container.get('name')}/{task_id}"
        if group not in logs.groups:
            return
        if stream not in logs.groups[group].streams:
            logs.create_log_stream(group, stream)
        logs.put_log_events(group, stream, [{"timestamp": int(time.time() * 1000), "message": line}])
        changes.touched("logs")

    return sink
