"""A timeline of every pipeline execution of this workshop: when each ran, how long, how it ended."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .core.context import Workshop
from .core.environments import ENVIRONMENTS

COLOURS = {
    "Succeeded": "#2e7d32",
    "Failed": "#c62828",
    "InProgress": "#1565c0",
    "Stopped": "#757575",
    "Superseded": "#9e9e9e",
    "Stopping": "#757575",
}


def executions(workshop: Workshop) -> list[dict[str, object]]:
    """Every execution of the three pipelines (the newest 100 of each), from ListPipelineExecutions.

    Returns
    -------
    list of dict
        One row per execution: environment, start, end (now while it runs), status, short commit id and
        the first line of the commit message.
    """
    codepipeline = workshop.client("codepipeline")
    rows = []
    for env in ENVIRONMENTS:
        summaries = codepipeline.list_pipeline_executions(pipelineName=workshop.names.pipeline(env), maxResults=100)[
            "pipelineExecutionSummaries"
        ]
        for summary in summaries:
            end = summary["lastUpdateTime"] if summary["status"] != "InProgress" else datetime.now(UTC)
            revision: dict[str, Any] = dict(next(iter(summary.get("sourceRevisions", [])), {}))
            rows.append(
                {
                    "environment": env,
                    "start": summary["startTime"],
                    "end": end,
                    "status": summary["status"],
                    "commit": (revision.get("revisionId") or "")[:8],
                    "summary": (revision.get("revisionSummary") or "").splitlines()[0][:40] if revision else "",
                }
            )
    return rows


def timeline(workshop: Workshop) -> Figure:
    """Draw every pipeline execution of this workshop on a time axis, one lane per environment.

    Each bar runs from the execution's start to its end and is coloured by how it ended (green
    succeeded, red failed, blue still running, grey stopped or superseded), with its commit above it.

    Parameters
    ----------
    workshop
        The workshop of notebook 00.

    Returns
    -------
    matplotlib.figure.Figure
        The timeline; a notebook draws it.
    """
    return draw(executions(workshop), f"Pipeline executions of workshop {workshop.prefix!r}")


#: Horizontal room a commit label needs before the next one in its lane (pixels at the figure's dpi).
LABEL_PIXELS = 56


def draw(rows: list[dict[str, object]], title: str) -> Figure:
    """The timeline of ``rows`` (see ``executions``). A commit is labelled once per lane where its runs start,
    and a label that would overlap the previous one in its lane is left out (the walkthrough saw Dev's last
    labels drawn over each other)."""
    figure, axes = plt.subplots(figsize=(11, 3.2))
    lanes = {env: index for index, env in enumerate(reversed(ENVIRONMENTS))}
    ordered = sorted(rows, key=lambda r: mdates.date2num(r["start"]))
    for row in ordered:
        start, end = mdates.date2num(row["start"]), mdates.date2num(row["end"])
        width = max(end - start, 1 / 86400)
        lane = lanes[str(row["environment"])]
        axes.broken_barh([(start, width)], (lane - 0.35, 0.7), color=COLOURS.get(str(row["status"]), "#555"))
    axes.set_yticks(list(lanes.values()), [e.capitalize() if e != "qa" else "QA" for e in lanes])
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M:%S"))
    axes.set_ylim(-0.7, len(lanes) - 0.2)
    axes.set_title(f"{title} ({len(rows)} runs)")
    axes.legend(
        handles=[Patch(color=c, label=s) for s, c in COLOURS.items() if any(r["status"] == s for r in rows)],
        loc="upper left",
        bbox_to_anchor=(1.005, 1.0),
        fontsize=8,
    )
    axes.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    _label_commits(axes, ordered, lanes)
    plt.close(figure)
    return figure


def _label_commits(axes: Any, rows: list[dict[str, object]], lanes: dict[str, int]) -> None:
    last: dict[int, tuple[float, str]] = {}  # lane -> (pixel x of its last label, that commit)
    for row in rows:
        lane = lanes[str(row["environment"])]
        start = mdates.date2num(row["start"])
        x = float(axes.transData.transform((start, lane))[0])
        previous_x, previous_commit = last.get(lane, (float("-inf"), ""))
        if not row["commit"] or row["commit"] == previous_commit or x - previous_x < LABEL_PIXELS:
            continue
        axes.annotate(str(row["commit"]), (start, lane + 0.42), fontsize=7, color="#333")
        last[lane] = (x, str(row["commit"]))
