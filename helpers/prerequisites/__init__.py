"""Notebook 01: everything the pipelines deploy to, one idempotent step per resource group.

Each step gets, creates or updates, records what it made in the state file, and returns a table of
what it did. Re-running any of them is safe. The work itself lives with each resource kind in
``helpers.resources`` (each module's ``ensure`` returns the rows); these are the notebook's view of it.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ..context import Workshop
from ..resources import (
    approval_topic,
    artifact_bucket,
    clusters,
    image_repositories,
    load_balancer,
    network,
    roles,
    services,
    source_repository,
)
from ..resources.base import Row
from ..ui_table import StatusTable


def _table(rows: list[Row], what: str) -> StatusTable:
    frame = pd.DataFrame(rows).fillna("")
    columns = [c for c in ("type", "name", "environment", "action", "arn") if c in frame]
    return StatusTable(frame[columns], f"{what}: {len(rows)} resources ready.")


def ensure_roles(workshop: Workshop) -> StatusTable:
    """The IAM roles with least-privilege policies, the EC2 instance profile, ECS's service-linked role."""
    return _table(roles.ensure(workshop), "IAM roles")


def ensure_source_repository(workshop: Workshop) -> StatusTable:
    """The CodeCommit repository with the sample app on master, qa and prod."""
    return _table(source_repository.ensure(workshop), "Source repository (master, qa, prod)")


def ensure_artifact_bucket(workshop: Workshop) -> StatusTable:
    """The versioned, encrypted, TLS-only S3 bucket the pipelines pass artifacts through."""
    return _table(artifact_bucket.ensure(workshop), "Artifact bucket")


def ensure_approval_topic(workshop: Workshop) -> StatusTable:
    """The SNS topic Prod's manual approval notifies."""
    return _table(approval_topic.ensure(workshop), "Approval topic")


def ensure_image_repositories(workshop: Workshop) -> StatusTable:
    """One ECR repository per environment."""
    return _table(image_repositories.ensure(workshop), "Image repositories")


def ensure_network(workshop: Workshop) -> StatusTable:
    """The VPC and subnets, the security groups, and the load balancer with a listener per environment."""
    rows = network.ensure(workshop) + load_balancer.ensure(workshop)
    return _table(rows, "Network and load balancer")


def ensure_clusters(workshop: Workshop) -> StatusTable:
    """Three ECS clusters (and, for EC2, their instances' launch templates, groups and capacity providers)."""
    return _table(clusters.ensure(workshop), f"ECS clusters ({workshop.settings.launch_type})")


def ensure_services(workshop: Workshop) -> StatusTable:
    """Three ECS services with a placeholder task, waited for until stable."""
    return _table(services.ensure(workshop), "ECS services")


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
