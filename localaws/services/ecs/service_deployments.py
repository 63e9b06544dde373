"""Service deployments as ECS reports them (ListServiceDeployments, DescribeServiceDeployments): one record per
deployment a service starts, with its ``status`` and, for a blue/green, canary or linear deployment, its
``lifecycleStage`` and its revisions' ``requestedProductionTrafficWeight``/``requestedTestTrafficWeight`` as it moves;
StopServiceDeployment and ContinueServiceDeployment ask the deployment (``blue_green.py``) to roll back or
to go on past a PAUSE hook.

AWS: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeployment.html,
https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_StopServiceDeployment.html,
https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContinueServiceDeployment.html.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from moto.core.utils import utcnow
from moto.ecs.exceptions import ECSException, InvalidParameterException

#: Wakes a blue/green deployment that waits (a PAUSE hook, its bake time) when someone asks it to go on or stop.
wake = threading.Condition()
#: hook id -> the action ContinueServiceDeployment asked for (CONTINUE or ROLLBACK).
hook_actions: dict[str, str] = {}
_FINAL = {"SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"}


class ServiceDeploymentNotFoundException(ECSException):
    def __init__(self) -> None:
        super().__init__("ServiceDeploymentNotFoundException", "The service deployment does not exist.")


class ConflictException(ECSException):
    def __init__(self, message: str) -> None:
        super().__init__("ConflictException", message)


def records(backend: Any) -> dict[str, dict[str, Any]]:
    """service deployment ARN -> its record (a backend saved before these existed gets an empty table)."""
    table = getattr(backend, "service_deployments", None)
    if table is None:
        table = backend.service_deployments = {}
    return table


def revision_arn(service: Any, deployment: dict[str, Any]) -> str:
    """The ARN of the service revision a deployment runs."""
    suffix = str(deployment["id"]).split("/")[-1]
    return service.arn.replace(":service/", ":service-revision/") + f"/{suffix}"


def record(backend: Any, service: Any, deployment: dict[str, Any]) -> dict[str, Any]:
    """The record of a deployment the service starts now (IN_PROGRESS, its sources the revisions that run)."""
    now = utcnow()
    arn = service.arn.replace(":service/", ":service-deployment/") + f"/{str(deployment['id']).split('/')[-1]}"
    sources = [d for d in service.deployments if d is not deployment]
    entry: dict[str, Any] = {
        "serviceDeploymentArn": arn,
        "serviceArn": service.arn,
        "clusterArn": service.cluster_arn,
        "createdAt": now,
        "startedAt": now,
        "updatedAt": now,
        "sourceServiceRevisions": [_revision(service, d) for d in sources],
        "targetServiceRevision": _revision(service, deployment),
        "status": "IN_PROGRESS",
        "deploymentConfiguration": dict(service.deployment_configuration or {}),
        "_deploymentId": deployment["id"],
        "_managed": False,  # True once a blue/green deployment keeps it up to date itself
    }
    records(backend)[arn] = entry
    return entry


def _revision(service: Any, deployment: dict[str, Any]) -> dict[str, Any]:
    return {
        "arn": revision_arn(service, deployment),
        "requestedTaskCount": int(deployment.get("desiredCount", 0)),
        "runningTaskCount": int(deployment.get("runningCount", 0)),
        "pendingTaskCount": int(deployment.get("pendingCount", 0)),
    }


def refresh(backend: Any, entry: dict[str, Any]) -> dict[str, Any]:
    """A rolling deployment's record follows its deployment's ``rolloutState`` (read when it is asked for)."""
    if entry["_managed"] or entry["status"] in _FINAL:
        return entry
    service = next((s for s in backend.services.values() if s.arn == entry["serviceArn"]), None)
    kept = [*getattr(service, "deployments", []), *getattr(service, "failed_deployments", [])]
    deployment = next((d for d in kept if d.get("id") == entry["_deploymentId"]), None)
    state = deployment.get("rolloutState") if deployment else "SUPERSEDED"
    failed = deployment in getattr(service, "failed_deployments", [])
    status = {"COMPLETED": "SUCCESSFUL", "FAILED": "ROLLBACK_SUCCESSFUL" if failed else "STOPPED"}.get(
        str(state), "STOPPED" if deployment is None else "IN_PROGRESS"
    )
    if status != "IN_PROGRESS":
        entry.update(status=status, finishedAt=utcnow(), updatedAt=utcnow())
        if deployment is not None:
            entry["statusReason"] = deployment.get("rolloutStateReason")
            entry["targetServiceRevision"] = _revision(service, deployment)
    return entry


def find(backend: Any, arn: str) -> dict[str, Any]:
    """The record of ``arn``, up to date; ServiceDeploymentNotFoundException if there is none."""
    entry = records(backend).get(arn)
    if entry is None:
        raise ServiceDeploymentNotFoundException()
    return refresh(backend, entry)


def listed(backend: Any, service: Any, statuses: list[str] | None) -> list[dict[str, Any]]:
    """ListServiceDeployments: the service's deployments, newest first, in the brief shape."""
    rows = [refresh(backend, e) for e in records(backend).values() if e["serviceArn"] == service.arn]
    rows = [e for e in rows if not statuses or e["status"] in statuses]
    brief = ("serviceDeploymentArn", "serviceArn", "clusterArn", "startedAt", "createdAt", "finishedAt", "status")
    return [
        {**{k: e[k] for k in brief if k in e}, "targetServiceRevisionArn": e["targetServiceRevision"]["arn"]}
        for e in sorted(rows, key=lambda e: e["createdAt"], reverse=True)
    ]


def stop(backend: Any, arn: str, stop_type: str | None) -> str:
    """StopServiceDeployment: a blue/green, canary or linear deployment IN_PROGRESS rolls back to the blue revision."""
    entry = find(backend, arn)
    if (stop_type or "ROLLBACK") != "ROLLBACK":
        raise InvalidParameterException(
            f"The sandbox stops a service deployment with stopType ROLLBACK only, not {stop_type}."
        )
    if entry["status"] != "IN_PROGRESS":
        raise ConflictException(f"The service deployment is {entry['status']}: only one IN_PROGRESS can be stopped.")
    if not entry["_managed"]:
        raise InvalidParameterException(
            "The sandbox rolls back BLUE_GREEN, CANARY and LINEAR service deployments only."
        )
    with wake:
        entry.update(status="ROLLBACK_REQUESTED", updatedAt=utcnow())
        wake.notify_all()
    return arn


def continue_(backend: Any, arn: str, hook_id: str | None, action: str | None) -> str:
    """ContinueServiceDeployment: the deployment paused at ``hook_id`` goes on (CONTINUE) or rolls back."""
    entry = find(backend, arn)
    waiting = [h for h in entry.get("lifecycleHookDetails", []) if h.get("status") == "AWAITING_ACTION"]
    hook = next((h for h in waiting if not hook_id or h["hookId"] == hook_id), None)
    if hook is None:
        raise InvalidParameterException("The service deployment is not paused at that lifecycle hook.")
    with wake:
        hook_actions[hook["hookId"]] = action or "CONTINUE"
        wake.notify_all()
    return arn


def public(entry: dict[str, Any]) -> dict[str, Any]:
    """The record as the API returns it (without the sandbox's own keys), one snapshot: the deployment's thread
    changes the record's traffic weights under ``wake``, so a reader never sees half a shift."""
    with wake:
        return copy.deepcopy({k: v for k, v in entry.items() if not k.startswith("_")})
