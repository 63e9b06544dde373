"""The emulator's page for one pipeline: what the CodePipeline console shows, drawn from the API's own answers."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, unquote

from moto.codepipeline.models import codepipeline_backends
from moto.core import DEFAULT_ACCOUNT_ID

from ... import routes
from .models import codepipeline_backend


def page(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """``/_sandbox/codepipeline/<region>/<name>[?account=ACCOUNT]``: the pipeline's page, or 404."""
    region, _, name = environ.get("PATH_INFO", "")[len(routes.PIPELINE_PAGES) :].partition("/")
    account = (parse_qs(environ.get("QUERY_STRING", "")).get("account") or [None])[0]
    html_page = pipeline_page(unquote(region), unquote(name), account)
    if html_page is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"no such pipeline"]
    body = html_page.encode()
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]


def pipeline_page(region: str, name: str, account: str | None = None) -> str | None:
    """A small HTML page for one pipeline: what the CodePipeline console shows, for the sandbox. The console shows
    the account one is signed in to; this page is the sandbox's, signed in to none, so it shows the pipeline of the
    account named, else the default account's, else the one account that has a pipeline of that name (a Workshop
    Studio participant's: the kit's names carry the participant's prefix)."""
    backend = _backend_with(region, name, account)
    if backend is None:
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


def _backend_with(region: str, name: str, account: str | None) -> Any:
    if account is not None:
        backend = codepipeline_backend(account, region) if account in codepipeline_backends else None
        return backend if backend is not None and name in backend.pipelines else None
    accounts = [DEFAULT_ACCOUNT_ID, *sorted(a for a in codepipeline_backends if a != DEFAULT_ACCOUNT_ID)]
    for candidate in accounts:
        if candidate in codepipeline_backends and name in codepipeline_backend(candidate, region).pipelines:
            return codepipeline_backend(candidate, region)
    return None


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
