"""A build's phases as BatchGetBuilds shows them: the current phase, and each finished phase with its status,
times and, when it failed, the context CodeBuild gives (its status code and message). Both the backend
(``models.py``, for QUEUED) and the build itself (``build.py``) record phases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ...persistence import changes
from .runner import PhaseResult

#: The buildspec's own phases: a failure in one of them is its command's (COMMAND_EXECUTION_ERROR).
COMMAND_PHASES = ("INSTALL", "PRE_BUILD", "BUILD", "POST_BUILD")


def begin_phase(build: dict[str, Any], name: str) -> None:
    """The build's record shows ``name`` as its current phase."""
    build["currentPhase"] = name
    changes.touched("codebuild")


def record_phase(build: dict[str, Any], result: PhaseResult, merge: bool = False) -> None:
    """Add a finished phase to the build's record (or, with ``merge``, complete the last one of that name)."""
    ended = datetime.now(UTC)
    started = datetime.fromtimestamp(ended.timestamp() - (result.ended - result.started), UTC)
    entry: dict[str, Any] = {
        "phaseType": result.name,
        "phaseStatus": result.status,
        "startTime": started,
        "endTime": ended,
        "durationInSeconds": round(result.ended - result.started),
    }
    if result.message:
        entry["contexts"] = [{"statusCode": _status_code(result), "message": result.message}]
    if merge and build["phases"] and build["phases"][-1]["phaseType"] == result.name:
        build["phases"][-1].update({k: v for k, v in entry.items() if k in ("phaseStatus", "contexts", "endTime")})
    else:
        build["phases"].append(entry)


def _status_code(result: PhaseResult) -> str:
    """The status code CodeBuild gives a failed phase's context."""
    if result.message.startswith("ACCESS_DENIED"):
        return "ACCESS_DENIED"
    if result.name in COMMAND_PHASES:
        return "COMMAND_EXECUTION_ERROR"
    if result.message.startswith("CLIENT_ERROR"):
        return "CLIENT_ERROR"
    if "YAML_FILE_ERROR" in result.message:
        return "YAML_FILE_ERROR"
    return "CLIENT_ERROR"
