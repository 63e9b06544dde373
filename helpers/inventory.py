"""What the workshop has: its resources, and each environment's URL with what it answers now.

The kernel asks each environment at its own URL (``environment_urls``: on the sandbox, 127.0.0.1 of this machine);
what is shown is the link the learner's browser opens (``links.for_browser``: behind a hub, through their server)."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import pandas as pd

from .core import links, sandbox
from .core.context import Workshop
from .core.environments import BRANCHES, ENVIRONMENTS, LISTENER_PORTS
from .resources.load_balancer import recorded_dns_name, recorded_listener_arn
from .resources.presence import NOT_YET, gone_message, resource_presence
from .views.table import StatusTable


def resources_frame(workshop: Workshop, check_exists: bool = False) -> pd.DataFrame:
    """The recorded resources; with ``check_exists``, an ``exists`` column with what the services answer
    now (yes / NO / ? when they could not be asked / "not yet" for one a service makes later by itself)."""
    rows = [
        {"type": v["type"], "name": v["name"], "environment": v.get("environment") or "", "arn": v.get("arn") or ""}
        for v in workshop.state.resources.values()
    ]
    columns = ["type", "name", "environment", "arn"]
    if check_exists:
        presence = resource_presence(workshop)
        for row, exists in zip(rows, presence.values(), strict=True):
            row["exists"] = {True: "yes", False: "NO", None: "?", NOT_YET: NOT_YET}[exists]
        columns.append("exists")
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["environment", "type", "name"], ignore_index=True)


def environment_urls(workshop: Workshop) -> dict[str, str | None]:
    """Each environment's stable URL, as this machine reaches it: the load balancer's listener (on the sandbox,
    its local port). Show ``links.for_browser`` of it, never the URL itself: a browser may sit elsewhere."""
    dns = recorded_dns_name(workshop)
    if dns is None:
        return dict.fromkeys(ENVIRONMENTS)
    if workshop.on_sandbox:
        local = {str(row["listenerArn"]): str(row["localUrl"]) for row in sandbox.listener_urls()}
        return {env: local.get(recorded_listener_arn(workshop, env) or "") for env in ENVIRONMENTS}
    return {
        env: f"http://{dns}" + ("" if LISTENER_PORTS[env] == 80 else f":{LISTENER_PORTS[env]}") for env in ENVIRONMENTS
    }


def fetch(url: str | None, timeout: float = 5.0) -> tuple[int | None, str]:
    """(HTTP status, body) of a GET, or (None, why not)."""
    if not url:
        return None, "no URL yet"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read(2000).decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read(500).decode(errors="replace")
    except (urllib.error.URLError, OSError) as error:
        return None, f"no answer ({getattr(error, 'reason', error)})"


def environments_frame(workshop: Workshop) -> pd.DataFrame:
    """Each environment's branch, URL (openable from this browser), HTTP status and the start of its answer,
    asked now: the frame behind ``show_environments`` and ``python -m helpers status``."""
    rows = []
    for env, url in environment_urls(workshop).items():
        status, body = fetch(url)
        rows.append(
            {
                "environment": env,
                "branch": BRANCHES[env],
                "url": links.for_browser(url) or "",
                "status": ("✅ " if status == 200 else "❌ ") + str(status or "-"),
                "answer": body.strip()[:120],
            }
        )
    return pd.DataFrame(rows).set_index("environment")


def show_environments(workshop: Workshop) -> StatusTable:
    """Open each environment's URL now, and show what it answers.

    Each environment (Dev, QA, Prod) has a stable URL: its listener on the load balancer (on the
    sandbox, a local port that serves that listener). Run it after a deployment to see the new version
    answer: before the first pipeline run the placeholder answers; afterwards, the app from the
    environment's branch. A URL that does not answer yet (no load balancer, a task still starting)
    shows why.

    Returns
    -------
    StatusTable
        One row per environment: its branch, URL, the HTTP status (green 200, red otherwise) and the
        start of the answer; the caption says how many environments answer.
    """
    frame = environments_frame(workshop)
    answering = int(frame["status"].str.startswith("✅").sum())
    return StatusTable(frame, f"{answering} of {len(frame)} environments answer.")


def show_resources(workshop: Workshop) -> StatusTable:
    """List every resource this workshop has created so far, as recorded in its state file.

    Each step that creates something records it in the state file at once; notebook 05 deletes what
    is listed here (and looks for anything else carrying the workshop's tag). Nothing is asked of AWS.

    Returns
    -------
    StatusTable
        One row per resource: its type (CloudFormation's name for it), name, environment and ARN,
        sorted by environment; the caption gives the count and the state file's path.
    """
    frame = resources_frame(workshop)
    return StatusTable(frame, f"{len(frame)} resources recorded in {workshop.state.path}.")


def status_document(workshop: Workshop) -> dict[str, Any]:
    """What ``python -m helpers status --json`` prints: each environment's ``url`` as this machine reaches it
    (what a script fetches) and its ``link``, what a browser opens (behind a hub, through the learner's server)."""
    environments = {}
    for env, url in environment_urls(workshop).items():
        status, body = fetch(url)
        environments[env] = {
            "url": url,
            "link": links.for_browser(url),
            "branch": BRANCHES[env],
            "status": status,
            "answer": body.strip()[:500],
        }
    settings = workshop.settings
    resources = resources_frame(workshop, check_exists=True)
    missing = int((resources["exists"] == "NO").sum())
    return {
        "prefix": settings.prefix,
        "backend": settings.backend,
        "region": settings.region,
        "launch_type": settings.launch_type,
        "environments": environments,
        "resources": resources.to_dict(orient="records"),
        "missing_resources": missing,
        "next_step": gone_message(workshop, [f"{missing} recorded resource(s)"]) if missing else None,
    }
