"""Notebook 01: everything the pipelines deploy to, one idempotent step per resource group.

Each ``ensure_*`` gets, creates or updates, records what it made in the state file, and returns a
table of what it did. Re-running any of them is safe.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ..context import Workshop
from ..ui_table import StatusTable
from . import clusters, iam, network, notifications, registries, services, source, storage

Rows = list[dict[str, str]]


def _table(rows: Rows | dict[str, str], what: str) -> StatusTable:
    rows = [rows] if isinstance(rows, dict) else rows
    frame = pd.DataFrame(rows).fillna("")
    columns = [c for c in ("type", "name", "environment", "action", "arn") if c in frame]
    return StatusTable(frame[columns], f"{what}: {len(rows)} resources ready.")


def ensure_roles(workshop: Workshop) -> StatusTable:
    return _table(iam.ensure_roles(workshop), "IAM roles")


def ensure_source_repository(workshop: Workshop) -> StatusTable:
    return _table(source.ensure_source_repository(workshop), "Source repository (master, qa, prod)")


def ensure_artifact_bucket(workshop: Workshop) -> StatusTable:
    return _table(storage.ensure_artifact_bucket(workshop), "Artifact bucket")


def ensure_approval_topic(workshop: Workshop) -> StatusTable:
    return _table(notifications.ensure_approval_topic(workshop), "Approval topic")


def ensure_image_repositories(workshop: Workshop) -> StatusTable:
    return _table(registries.ensure_image_repositories(workshop), "Image repositories")


def ensure_network(workshop: Workshop) -> StatusTable:
    return _table(network.ensure_network(workshop), "Network and load balancer")


def ensure_clusters(workshop: Workshop) -> StatusTable:
    return _table(clusters.ensure_clusters(workshop), f"ECS clusters ({workshop.settings.launch_type})")


def ensure_services(workshop: Workshop) -> StatusTable:
    return _table(services.ensure_services(workshop), "ECS services")


STEPS: tuple[Callable[[Workshop], StatusTable], ...] = (
    ensure_roles,
    ensure_source_repository,
    ensure_artifact_bucket,
    ensure_approval_topic,
    ensure_image_repositories,
    ensure_network,
    ensure_clusters,
    ensure_services,
)


def ensure_all(workshop: Workshop) -> list[StatusTable]:
    """Every step of notebook 01 in order (for the CLI and tests)."""
    return [step(workshop) for step in STEPS]
