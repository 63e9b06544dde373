"""What a saved state holds, counted per kind of resource: what ``start --fresh`` says it will discard."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .store import read_saved


def _active_stacks(backend: Any) -> int:
    return sum(1 for s in getattr(backend, "stacks", {}).values() if not str(s.status).startswith("DELETE_COMPLETE"))


def _customer_policies(backend: Any) -> int:
    return sum(1 for arn in getattr(backend, "managed_policies", {}) if ":aws:policy/" not in arn)


def _active_clusters(backend: Any) -> int:
    return sum(1 for c in getattr(backend, "clusters", {}).values() if getattr(c, "status", "ACTIVE") == "ACTIVE")


def _active_services(backend: Any) -> int:
    return sum(1 for s in getattr(backend, "services", {}).values() if s.status == "ACTIVE")


def _task_definitions(backend: Any) -> int:
    return sum(len(revisions) for revisions in getattr(backend, "task_definitions", {}).values())


def _images(backend: Any) -> int:
    return sum(len(r.images) for r in getattr(backend, "repositories", {}).values())


def _executions(backend: Any) -> int:
    return sum(len(runs) for runs in getattr(backend, "runs", {}).values())


def _object_versions(backend: Any) -> int:
    return sum(len(list(b.keys.iterall())) for b in getattr(backend, "buckets", {}).values())


def _length(attribute: str) -> Callable[[Any], int]:
    return lambda backend: len(getattr(backend, attribute, {}) or {})


#: (service, what, how to count it in one backend)
COUNTS: list[tuple[str, str, Callable[[Any], int]]] = [
    ("codecommit", "CodeCommit repositories", _length("repositories")),
    ("s3", "S3 buckets", _length("buckets")),
    ("s3", "S3 object versions", _object_versions),
    ("iam", "IAM roles", _length("roles")),
    ("iam", "IAM policies", _customer_policies),
    ("sns", "SNS topics", _length("topics")),
    ("ecr", "ECR repositories", _length("repositories")),
    ("ecr", "ECR images", _images),
    ("cloudformation", "CloudFormation stacks", _active_stacks),
    ("codebuild", "CodeBuild projects", _length("codebuild_projects")),
    ("codebuild", "CodeBuild builds", _length("builds")),
    ("codepipeline", "pipelines", _length("pipelines")),
    ("codepipeline", "pipeline executions", _executions),
    ("ecs", "ECS clusters", _active_clusters),
    ("ecs", "ECS task definitions", _task_definitions),
    ("ecs", "ECS services", _active_services),
    ("elbv2", "load balancers", _length("load_balancers")),
    ("logs", "log groups", _length("groups")),
]


def count_saved(folder: Path) -> dict[str, int]:
    """How many of each kind of resource the state saved in ``folder`` holds (kinds with none are left out)."""
    saved = read_saved(folder) if folder.is_dir() else {}
    counts: dict[str, int] = {}
    for service, what, count in COUNTS:
        for regions in saved.get(service, {}).values():
            for backend in regions.values():
                try:
                    counts[what] = counts.get(what, 0) + count(backend)
                except Exception:  # a count is a courtesy; never let it stop a reset
                    continue
    return {what: n for what, n in counts.items() if n}
