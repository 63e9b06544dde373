"""The kit's extensions to moto, one package per AWS service, each laid out like moto's own
(``models.py`` for backend state, ``responses.py`` for the wire layer, ``exceptions.py``, ``urls.py``).

``install()`` is the one place they are plugged into moto; ``shutdown()`` stops what they started.
"""

from __future__ import annotations

from pathlib import Path

EXTENDED_SERVICES: list[str] = ["cloudformation", "codebuild", "codecommit", "codepipeline", "ecr", "ecs", "elbv2", "iam", "s3"]
_installed = False


def install(data_dir: Path, endpoint: str) -> None:
    """Plug every extension into moto. Call once, before the server handles a request."""
    global _installed
    if _installed:
        return
    from . import cloudformation, codebuild, codecommit, codepipeline, ecr, ecs, elbv2, iam, loopback, s3

    loopback.set_endpoint(endpoint)
    cloudformation.install()
    codebuild.install(data_dir)
    ecr.install(data_dir)
    codecommit.install(data_dir)
    codepipeline.install()
    ecs.install(data_dir)
    elbv2.install()
    iam.install()
    s3.install()
    _installed = True


def shutdown() -> None:
    """Stop every task process and listener the extensions started."""
    from . import ecs, elbv2

    ecs.shutdown()
    elbv2.shutdown()


def listener_urls() -> list[dict[str, object]]:
    """Every sandbox listener with the local URL that serves it, for the kit's environment URLs."""
    from moto.elbv2.models import elbv2_backends

    rows = []
    for account, region, backend in elbv2_backends.iter_backends():
        for row in getattr(backend, "listener_urls", lambda: [])():
            rows.append({"account": account, "region": region, **row})
    return rows


def task_summaries() -> list[dict[str, object]]:
    """Every task process the sandbox's ECS has started and still tracks: what runs where."""
    from moto.ecs.models import ecs_backends

    rows = []
    for account, region, backend in ecs_backends.iter_backends():
        for service in list(getattr(backend, "services", {}).values()):
            for deployment in service.deployments:
                for task in getattr(backend, "tasks", {}).get(deployment["id"], []):
                    rows.append({"account": account, "region": region, "cluster": service.cluster_name,
                                 "service": service.name, "deployment": deployment["id"], "taskId": task.task_id,
                                 "pid": task.process.pid, "port": task.port, "running": not task.exited(),
                                 "exitCode": task.process.returncode, "output": task.output[-5:]})
    return rows


def pipeline_page(region: str, name: str) -> str | None:
    """A small HTML page for one pipeline: what the CodePipeline console shows, for the sandbox."""
    import html

    from moto.codepipeline.models import codepipeline_backends
    from moto.core import DEFAULT_ACCOUNT_ID

    backend = codepipeline_backends[DEFAULT_ACCOUNT_ID][region]
    if name not in backend.pipelines:
        return None
    state = backend.get_pipeline_state(name)
    executions = backend.list_pipeline_executions(name)[:10]
    cells = []
    for stage in state["stageStates"]:
        actions = "".join(
            f"<li><b>{html.escape(a['actionName'])}</b>: {html.escape(a.get('latestExecution', {}).get('status', '-'))}"
            f" {html.escape(a.get('latestExecution', {}).get('summary', '') or '')}"
            f"{' <i>' + html.escape(a['latestExecution']['errorDetails']['message']) + '</i>' if a.get('latestExecution', {}).get('errorDetails') else ''}</li>"
            for a in stage["actionStates"])
        status = stage.get("latestExecution", {}).get("status", "-")
        cells.append(f"<td><h3>{html.escape(stage['stageName'])}</h3><p>{html.escape(status)}</p><ul>{actions}</ul></td>")
    rows = "".join(
        f"<tr><td>{e['pipelineExecutionId'][:8]}</td><td>{html.escape(e['status'])}</td>"
        f"<td>{e['startTime']:%H:%M:%S}</td><td>{html.escape(e['trigger']['triggerType'])}</td>"
        f"<td>{html.escape(' '.join((r['revisionId'][:8] + ' ' + r.get('revisionSummary', '')) for r in e['sourceRevisions']))}</td></tr>"
        for e in executions)
    return (f"<!doctype html><html><head><meta charset='utf-8'><meta http-equiv='refresh' content='2'>"
            f"<title>{html.escape(name)}</title><style>body{{font-family:sans-serif}}td{{vertical-align:top;"
            f"border:1px solid #ccc;padding:4px 10px}}</style></head><body><h1>Pipeline {html.escape(name)}</h1>"
            f"<p>The workshop sandbox's view of the pipeline (refreshes every 2 s).</p>"
            f"<table><tr>{''.join(cells)}</tr></table><h2>Executions</h2><table><tr><th>id</th><th>status</th>"
            f"<th>started</th><th>trigger</th><th>source</th></tr>{rows}</table></body></html>")
