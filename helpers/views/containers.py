"""The container tables: each environment's images in ECR, and its running containers (``docker ps``-like), from rows
the caller gathered with the ECR and ECS APIs (and, in the sandbox's Docker mode, the engine's own rows)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from .table import StatusTable

IMAGE_COLUMNS = ["environment", "repository", "tag", "digest", "size (MB)", "pushed at"]
TASK_COLUMNS = ["environment", "task", "revision", "image digest", "started at", "health", "last status"]
ENGINE_COLUMNS = ["container id", "engine image", "engine status"]


def short_digest(digest: str | None) -> str:
    """``sha256:`` and the first 12 hex digits, as ``docker images`` shows an id; empty for none."""
    return digest[:19] if digest else ""


def clock(moment: Any) -> str:
    """A timestamp as ``YYYY-MM-DD HH:MM:SS`` (UTC as the API answers it); empty for none."""
    return moment.strftime("%Y-%m-%d %H:%M:%S") if isinstance(moment, datetime) else str(moment or "")


def image_table(rows: list[dict[str, Any]]) -> StatusTable:
    """One row per image (``environment``, ``repository``, ``tag``, ``digest``, ``size`` in bytes, ``pushed``)."""
    shown = [
        {
            "environment": row["environment"],
            "repository": row["repository"],
            "tag": row.get("tag") or "(no image yet)",
            "digest": short_digest(row.get("digest")),
            "size (MB)": round(row["size"] / 1e6, 1) if row.get("size") else "",
            "pushed at": clock(row.get("pushed")),
        }
        for row in rows
    ]
    frame = pd.DataFrame(shown, columns=IMAGE_COLUMNS).set_index("environment")
    return StatusTable(frame, "The images in each environment's ECR repository (DescribeImages), newest first.")


def container_table(rows: list[dict[str, Any]], engine: dict[str, dict[str, Any]] | None) -> StatusTable:
    """One row per running task (``environment``, ``task``, ``revision``, ``digest``, ``started``, ``health``,
    ``status``, ``arn``); with ``engine`` (the engine's row by task ARN, Docker mode) the engine's columns too."""
    shown = []
    for row in rows:
        line = {
            "environment": row["environment"],
            "task": row.get("task") or "(no task)",
            "revision": row.get("revision", ""),
            "image digest": short_digest(row.get("digest")),
            "started at": clock(row.get("started")),
            "health": row.get("health", ""),
            "last status": row.get("status", ""),
        }
        if engine is not None:
            found = engine.get(row.get("arn", ""), {})
            line["container id"] = str(found.get("Id", ""))[:12]
            line["engine image"] = found.get("Image", "")
            line["engine status"] = found.get("Status", "")
        shown.append(line)
    columns = TASK_COLUMNS + (ENGINE_COLUMNS if engine is not None else [])
    frame = pd.DataFrame(shown, columns=columns).set_index("environment")
    where = "ECS's DescribeTasks, and the Docker engine's own view" if engine is not None else "ECS's DescribeTasks"
    return StatusTable(frame, f"Each environment's running tasks ({where}).")
