"""The records an execution keeps of what it ran: each stage's run, each action's run (its status, summary,
artifacts, variables and approval) and the artifacts passed between actions. They are saved with the
backend's state, apart from the engine that fills them (``engine.py``)."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ...persistence import changes

#: How often an execution's thread looks again at what it waits for (a stage, a build, an approval).
POLL_SECONDS = 0.05


class ExecutionStopped(Exception):
    """Raised in an execution's thread when a stop (or a newer execution superseding it) ends its work."""


def now() -> datetime:
    """The time an execution's records show: real time in UTC, not the sandbox's clock (``clock.py``), which approvals
    and stage conditions read; once the clock is moved on, the two disagree."""
    return datetime.now(UTC)


@dataclass
class Artifact:
    name: str
    bucket: str
    key: str
    revision: str | None = None


@dataclass
class ActionRun:
    stage: str
    name: str
    declaration: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: str = "InProgress"
    started: datetime = field(default_factory=now)
    updated: datetime = field(default_factory=now)
    summary: str | None = None
    token: str | None = None
    external_id: str | None = None
    external_url: str | None = None
    error: dict[str, str] | None = None
    inputs: list[Artifact] = field(default_factory=list)
    outputs: list[Artifact] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    approval: threading.Event = field(default_factory=threading.Event)
    approval_result: dict[str, str] | None = None

    def finish(self, status: str, summary: str | None = None, error: dict[str, str] | None = None) -> None:
        self.status, self.updated = status, now()
        if summary is not None:
            self.summary = summary
        self.error = error
        changes.touched("codepipeline")


@dataclass
class StageRun:
    name: str
    status: str = "InProgress"
    actions: dict[str, ActionRun] = field(default_factory=dict)
