"""The emulator's page for one pipeline: what the CodePipeline console shows, drawn from the API's own answers."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

from moto.core import DEFAULT_ACCOUNT_ID

from ... import routes
from .models import codepipeline_backend


def page(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """``/_sandbox/codepipeline/<region>/<name>``: the pipeline's page, or 404."""
    region, _, name = environ.get("PATH_INFO", "")[len(routes.PIPELINE_PAGES) :].partition("/")
    html_page = pipeline_page(unquote(region), unquote(name))
    if html_page is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"no such pipeline"]
    body = html_page.encode()
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]


def pipeline_page(region: str, name: str) -> str | None:
    """A small HTML page for one pipeline: what the CodePipeline console shows, for the sandbox."""
    backend = codepipeline_backend(DEFAULT_ACCOUNT_ID, region)
    if name not in backend.pipelines:
        return None
    state = backend.get_pipeline_state(name)
    executions = backend.list_pipeline_executions(name)[:10]
    cells = []
    for stage in state["stageStates"]:
        actions = "".join(_action_item(action) for action in stage["actionStates"])
        latest = stage.get("latestExecution", {})
        status = latest.get("status", "-") + (" (Rollback)" if latest.get("type") == "ROLLBACK" else "")
        cells.append(
            f"<td><h3>{html.escape(stage['stageName'])}</h3><p>{html.escape(status)}</p><ul>{actions}</ul></td>"
        )
    rows = "".join(
        f"<tr><td>{e['pipelineExecutionId'][:8]}</td><td>{html.escape(e['status'])}</td>"
        f"<td>{e['startTime']:%H:%M:%S}</td><td>{html.escape(e['trigger']['triggerType'])}</td>"
        f"<td>{html.escape(_revisions(e))}</td><td>{html.escape(_kind(e))}</td></tr>"
        for e in executions
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><meta http-equiv='refresh' content='2'>"
        f"<title>{html.escape(name)}</title><style>body{{font-family:sans-serif}}td{{vertical-align:top;"
        f"border:1px solid #ccc;padding:4px 10px}}</style></head><body><h1>Pipeline {html.escape(name)}</h1>"
        f"<p>The workshop sandbox's view of the pipeline (refreshes every 2 s).</p>"
        f"<table><tr>{''.join(cells)}</tr></table><h2>Executions</h2><table><tr><th>id</th><th>status</th>"
        f"<th>started</th><th>trigger</th><th>source</th>"
        f"<th>type</th></tr>{rows}</table></body></html>"
    )


def _action_item(action: dict[str, Any]) -> str:
    latest = action.get("latestExecution", {})
    error = latest.get("errorDetails")
    detail = f" <i>{html.escape(error['message'])}</i>" if error else ""
    return (
        f"<li><b>{html.escape(action['actionName'])}</b>: {html.escape(latest.get('status', '-'))}"
        f" {html.escape(latest.get('summary', '') or '')}{detail}</li>"
    )


def _revisions(execution: dict[str, Any]) -> str:
    return " ".join(f"{r['revisionId'][:8]} {r.get('revisionSummary', '')}" for r in execution["sourceRevisions"])


def _kind(execution: dict[str, Any]) -> str:
    """STANDARD, or ROLLBACK with the execution it rolled back to (as the console's history shows it)."""
    target = (execution.get("rollbackMetadata") or {}).get("rollbackTargetPipelineExecutionId")
    return f"ROLLBACK to {target[:8]}" if target else str(execution.get("executionType", "STANDARD"))
