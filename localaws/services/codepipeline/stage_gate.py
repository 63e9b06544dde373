"""Who holds each stage of a pipeline, by the pipeline's execution mode (CodePipeline user guide, "How pipeline
executions work"); the engine (``engine.py``) asks the gate before an execution enters a stage."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any, Protocol

from .runs import POLL_SECONDS, ExecutionStopped


class Execution(Protocol):
    """What the gate reads of an execution (``engine.Execution``), so the gate need not import the engine."""

    id: str
    mode: str
    started: datetime
    status: str
    stop_requested: Any


class StageGate:
    """Who holds each stage of one pipeline, and who waits for it, by execution mode: SUPERSEDED (one execution
    per stage; a newer execution waiting for a stage supersedes an older one waiting for it), QUEUED (one per stage;
    the waiting ones enter in the order they were queued), PARALLEL (no stage is held)."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.holders: dict[str, str] = {}
        self.waiting: dict[str, Execution] = {}
        self.queues: dict[str, list[Execution]] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {}  # who holds or waits for a stage is the running executions' business

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]

    def enter(self, execution: Execution, stage: str) -> None:
        if execution.mode == "PARALLEL":
            if execution.stop_requested is not None:
                raise ExecutionStopped()
            return
        with self.lock:
            queue = self.queues.setdefault(stage, [])
            if execution.mode == "QUEUED":
                queue.append(execution)
                queue.sort(key=lambda e: e.started)
            else:
                older = self.waiting.get(stage)
                if older is not None and older is not execution and older.started < execution.started:
                    older.status = "Superseded"
                    self.lock.notify_all()
                self.waiting[stage] = execution
            try:
                while not self._turn(execution, stage):
                    self.lock.wait(POLL_SECONDS * 4)
                    if execution.status == "Superseded" or execution.stop_requested is not None:
                        raise ExecutionStopped()
            finally:
                if execution in queue:
                    queue.remove(execution)
                if self.waiting.get(stage) is execution:
                    del self.waiting[stage]
                self.lock.notify_all()
            self.holders[stage] = execution.id

    def _turn(self, execution: Execution, stage: str) -> bool:
        if self.holders.get(stage) not in (None, execution.id):
            return False
        queue = self.queues.get(stage, [])
        return execution.mode != "QUEUED" or not queue or queue[0] is execution

    def leave(self, execution: Execution, stage: str) -> None:
        with self.lock:
            if self.holders.get(stage) == execution.id:
                del self.holders[stage]
            self.lock.notify_all()
