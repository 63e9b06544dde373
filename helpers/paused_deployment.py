"""Follow a release through Prod while ECS deploys it blue/green: answer Prod's approval on the way and, when the
service deployment waits at its ``PAUSE`` hook, show the production and test URLs side by side with Continue and
Roll back buttons that call ``ContinueServiceDeployment`` (``action`` CONTINUE or ROLLBACK).

As notebook 04 waits for its approval, the cell waits for the click ("Run All" stops there); ``auto_continue``
answers headless: ``True`` continues, ``"rollback"`` rolls the release back (and continues the pipeline's own
rollback after it, which pauses at the same hook). AWS: "Continuing Amazon ECS service deployments"
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/continue-service-deployment.html) and
https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContinueServiceDeployment.html.
"""

from __future__ import annotations

import time
from html import escape
from typing import Any, Literal

import ipywidgets as widgets
from IPython.display import display

from .blue_green import answers, urls
from .core import links
from .core.context import Workshop
from .core.errors import WorkshopError
from .pipelines import FINISHED, RunSummary, watch
from .prod_approval import answer_when_waiting
from .views.widgets import keep_responsive

AutoContinue = bool | str


def newest_deployment(workshop: Workshop) -> dict[str, Any] | None:
    """Prod's newest service deployment (ListServiceDeployments, then DescribeServiceDeployments); None if none."""
    ecs = workshop.client("ecs")
    listed = ecs.list_service_deployments(
        cluster=workshop.names.cluster("prod"), service=workshop.names.service("prod")
    )["serviceDeployments"]
    if not listed:
        return None
    arn = listed[0]["serviceDeploymentArn"]
    return dict(ecs.describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"][0])


def waiting_hook(deployment: dict[str, Any] | None) -> str | None:
    """The id of the hook the deployment waits at (``AWAITING_ACTION``), or None."""
    if not deployment or deployment.get("status") != "IN_PROGRESS":
        return None
    hooks = [h for h in deployment.get("lifecycleHookDetails") or [] if h.get("status") == "AWAITING_ACTION"]
    return str(hooks[0]["hookId"]) if hooks else None


def answer(workshop: Workshop, deployment: dict[str, Any], hook: str, action: Literal["CONTINUE", "ROLLBACK"]) -> str:
    """ContinueServiceDeployment with ``action`` CONTINUE or ROLLBACK for the hook the deployment waits at."""
    workshop.client("ecs").continue_service_deployment(
        serviceDeploymentArn=deployment["serviceDeploymentArn"], hookId=hook, action=action
    )
    return f"ContinueServiceDeployment: {action} at {deployment.get('lifecycleStage')}"


def _paused(workshop: Workshop, answered: set[str]) -> tuple[dict[str, Any], str] | None:
    deployment = newest_deployment(workshop)
    hook = waiting_hook(deployment)
    return (deployment, hook) if deployment and hook and hook not in answered else None


def comparison(workshop: Workshop) -> widgets.HTML:
    """The production URL and the test URL side by side, each with what it answers now."""
    found, where = answers(workshop), urls(workshop)
    shown = {which: links.for_browser(url) for which, url in where.items()}
    cells = "".join(
        f"<td style='padding:6px 14px'><b>{which} URL</b><br>{_link(shown[which])}"
        f"<br><code>{escape(found[which])}</code></td>"
        for which in ("production", "test")
    )
    return widgets.HTML(f"<table><tr>{cells}</tr></table>")


def _link(link: links.Link | None) -> str:
    return link.html() if link is not None else "—"


def pause_panel(workshop: Workshop, deployment: dict[str, Any], hook: str) -> widgets.VBox:
    """Both URLs and the Continue and Roll back buttons for the deployment waiting at ``hook``."""
    go = widgets.Button(description="Continue", button_style="success", icon="check")
    back = widgets.Button(description="Roll back", button_style="danger", icon="undo")
    result = widgets.HTML()

    def on_click(action: Literal["CONTINUE", "ROLLBACK"]) -> None:
        try:
            result.value = f"<b>{escape(answer(workshop, deployment, hook, action))}</b>"
            go.disabled = back.disabled = True
        except Exception as error:  # the hook may have timed out meanwhile: say so on the page
            result.value = f"<span style='color:#b3261e'>{escape(str(error))}</span>"

    go.on_click(lambda _: on_click("CONTINUE"))
    back.on_click(lambda _: on_click("ROLLBACK"))
    title = f"<b>Prod's deployment waits at {escape(str(deployment.get('lifecycleStage')))}</b>: compare, then decide."
    panel = widgets.VBox([widgets.HTML(title), comparison(workshop), widgets.HBox([go, back]), result])
    return keep_responsive(panel)


def _wait_while_paused(workshop: Workshop, hook: str) -> None:
    deadline = time.monotonic() + workshop.timing.prod_timeout
    while waiting_hook(newest_deployment(workshop)) == hook:
        if time.monotonic() > deadline:
            raise WorkshopError("Nobody answered the paused deployment in time.")
        time.sleep(workshop.timing.poll)


def _on_pause(workshop: Workshop, paused: tuple[dict[str, Any], str], auto: AutoContinue, first: bool) -> str:
    deployment, hook = paused
    if auto:
        seen = answers(workshop)
        action: Literal["CONTINUE", "ROLLBACK"] = "ROLLBACK" if auto == "rollback" and first else "CONTINUE"
        print(f"paused at {deployment.get('lifecycleStage')}: production {seen['production']!r}, test {seen['test']!r}")
        print(answer(workshop, deployment, hook, action))
        return action
    display(pause_panel(workshop, deployment, hook))
    _wait_while_paused(workshop, hook)
    return "answered"


def follow_release(workshop: Workshop, after: str | None, auto_continue: AutoContinue = False) -> RunSummary:
    """Follow Prod's runs after execution ``after`` until the newest one finishes: its approval (buttons, or at
    once with ``auto_continue``) and each pause of the ECS deployment (``pause_panel``, or at once).

    Returns
    -------
    RunSummary
        The last row of Prod's newest run.
    """
    since = {"prod": after} if after else {}
    answered: set[str] = set()

    def done(rows: dict[str, dict[str, Any]]) -> bool:
        return rows["prod"]["status"] in FINISHED | {"Waiting"} or _paused(workshop, answered) is not None

    while True:
        summary = watch(workshop, done, ("prod",), since, workshop.timing.prod_timeout)
        paused = _paused(workshop, answered)
        if paused is not None:
            _on_pause(workshop, paused, auto_continue, first=not answered)
            answered.add(paused[1])
            continue
        if summary["prod"]["status"] != "Waiting":
            return summary
        answer_when_waiting(workshop, auto_continue)
