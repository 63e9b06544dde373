"""Notebooks 03 and 04: what ECR holds and what ECS runs, as tables.

``images`` asks ECR (DescribeImages) for each environment's images: tag, digest, size, when pushed. ``running`` asks
ECS (ListTasks, DescribeTasks) for each environment's running tasks, ``docker ps``-like; on the sandbox in Docker mode
it adds the engine's own view of the same containers (found by the labels the sandbox gives them), which is the only
place the kit talks to a Docker engine, and never on AWS. ``deployed`` says whether an environment runs the image a
commit built. All of it works the same on AWS and on the sandbox."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .core import sandbox
from .core.context import Workshop
from .core.environments import ENV_LABELS, ENVIRONMENTS
from .views.containers import container_table, image_table, short_digest
from .views.table import StatusTable

#: The label the sandbox gives each task container: the task's ARN (``localaws/buildtools/engine_tasks.py``).
TASK_LABEL = "localaws.ecs.task-arn"


def _images_of(workshop: Workshop, env: str) -> list[dict[str, Any]]:
    ecr = workshop.client("ecr")
    repository = workshop.names.ecr_repository(env)
    found = []
    for page in ecr.get_paginator("describe_images").paginate(repositoryName=repository):
        found += page["imageDetails"]
    found.sort(key=lambda image: image["imagePushedAt"], reverse=True)
    rows = [
        {
            "environment": env,
            "repository": repository,
            "tag": ", ".join(image.get("imageTags", [])) or "(untagged)",
            "digest": image["imageDigest"],
            "size": image.get("imageSizeInBytes", 0),
            "pushed": image["imagePushedAt"],
        }
        for image in found
    ]
    return rows or [{"environment": env, "repository": repository}]


def images(workshop: Workshop, environments: tuple[str, ...] = ENVIRONMENTS) -> StatusTable:
    """Each environment's images in its ECR repository (``describe_images``), newest first.

    Returns
    -------
    StatusTable
        One row per image: repository, tag (the commit it was built from), digest, size in MB, when it was pushed;
        "(no image yet)" for a repository no pipeline has pushed to.
    """
    return image_table([row for env in environments for row in _images_of(workshop, env)])


def _tasks_of(workshop: Workshop, env: str) -> list[dict[str, Any]]:
    ecs = workshop.client("ecs")
    cluster = workshop.names.cluster(env)
    arns = ecs.list_tasks(cluster=cluster, serviceName=workshop.names.service(env), desiredStatus="RUNNING")["taskArns"]
    described = ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"] if arns else []
    rows = []
    for task in sorted(described, key=lambda t: str(t.get("startedAt", ""))):
        container: dict[str, Any] = next(
            (dict(c) for c in task.get("containers", []) if c.get("name") == workshop.settings.container_name), {}
        )
        rows.append(
            {
                "environment": env,
                "arn": task["taskArn"],
                "task": task["taskArn"].rsplit("/", 1)[-1],
                "revision": task["taskDefinitionArn"].rsplit(":", 1)[-1],
                "image": container.get("image", ""),
                "digest": container.get("imageDigest", ""),
                "started": task.get("startedAt"),
                "health": task.get("healthStatus", ""),
                "status": task.get("lastStatus", ""),
            }
        )
    return rows


def _engine_view(workshop: Workshop) -> dict[str, dict[str, Any]] | None:
    """The engine's rows by task ARN on the sandbox in Docker mode; None elsewhere (AWS, or process mode)."""
    if not workshop.on_sandbox or sandbox.status().containers != "docker":
        return None
    return {str(row.get("Labels", {}).get(TASK_LABEL, "")): row for row in sandbox.engine_containers()}


def running(workshop: Workshop, environments: tuple[str, ...] = ENVIRONMENTS) -> StatusTable:
    """Each environment's running containers, ``docker ps``-like: ECS's ``list_tasks`` and ``describe_tasks``.

    Returns
    -------
    StatusTable
        One row per running task: task id, task definition revision, the image's digest, when it started, its
        health and last status; on the sandbox in Docker mode also the engine's container id, image and status.
    """
    rows = []
    for env in environments:
        rows += _tasks_of(workshop, env) or [{"environment": env}]
    return container_table(rows, _engine_view(workshop))


def deployed(workshop: Workshop, env: str, commit: str) -> StatusTable:
    """Whether ``env`` runs the image built from ``commit``: ECR's digest for the commit's tag against the digest of
    each running task (``describe_tasks``' ``imageDigest``), beside the image ECR had before it.

    Returns
    -------
    StatusTable
        One row: the tag, ECR's digest for it, the digest of the image pushed before it, the digests the running
        tasks run, and ✅ when every running task runs the commit's image.
    """
    tag = commit[:8]
    pushed = _images_of(workshop, env)  # newest first
    index = next((i for i, r in enumerate(pushed) if tag in str(r.get("tag", "")).split(", ")), None)
    built = pushed[index] if index is not None else {}
    before = pushed[index + 1] if index is not None and index + 1 < len(pushed) else {}
    running_digests = sorted({str(r.get("digest", "")) for r in _tasks_of(workshop, env)})
    ok = bool(built) and running_digests == [built.get("digest")]
    row = {
        "environment": ENV_LABELS[env],
        "image tag": tag,
        "digest in ECR": short_digest(built.get("digest")),
        "image before it": short_digest(before.get("digest")),
        "digest the tasks run": ", ".join(short_digest(d) for d in running_digests),
        "status": "✅ deployed" if ok else "❌ not (yet) deployed",
    }
    return StatusTable(pd.DataFrame([row]).set_index("environment"), f"The image built from commit {tag}.")
