"""Notebook 01: everything the pipelines deploy to, one idempotent step per resource group.

Each step gets, creates or updates, records what it made in the state file, and returns a table of
what it did. Re-running any of them is safe. The work itself lives with each resource kind: a step runs
the ``ensure`` of the kinds ``helpers.resources.registry.NOTEBOOK_01`` lists for it, in that order;
these are the notebook's view of it.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ..core.context import Workshop
from ..resources import registry
from ..resources.base import Kind
from ..views.table import StatusTable


def _table(workshop: Workshop, step: tuple[Kind, ...], what: str) -> StatusTable:
    """Run the ``ensure`` of each kind of ``step`` in order, and show every row they return as one table."""
    rows = [row for kind in step if kind.ensure is not None for row in kind.ensure(workshop)]
    frame = pd.DataFrame(rows).fillna("")
    columns = [c for c in ("type", "name", "environment", "action", "arn") if c in frame]
    return StatusTable(frame[columns], f"{what}: {len(rows)} resources ready.")


def ensure_roles(workshop: Workshop) -> StatusTable:
    """Create the IAM roles through which the pipelines, the builds and ECS act, each with least privilege.

    Every AWS service in the pipeline acts through a role it is trusted to assume: CodePipeline,
    CodeBuild, EventBridge (to start a pipeline when its branch changes) and ECS's task execution role
    (to pull images and write logs); with the EC2 launch type also the container instances' role and
    their instance profile. Each role gets an inline policy from ``data/policies/`` with this
    workshop's names filled in, so it can act only on this workshop's resources. An existing role is
    checked to carry your workshop's tag, and its policies are brought up to date.

    ECS's service-linked role is created too when the account has none: a new account cannot create
    clusters with capacity providers without it. It belongs to the account, so cleanup keeps it.

    Returns
    -------
    StatusTable
        One row per role, the instance profile (EC2) and the service-linked role, with its ARN and what
        was done (created, updated, exists). JupyterLab shows it as a table.
    """
    return _table(workshop, registry.ROLES_STEP, "IAM roles")


def ensure_source_repository(workshop: Workshop) -> StatusTable:
    """Create the CodeCommit repository with the sample app, and a branch per environment.

    The sample app (``data/sample-app``) is committed to ``master`` through the API, so no git
    credentials are needed; ``qa`` and ``prod`` are then branched from it. From notebook 03 on, a
    commit to a branch starts that environment's pipeline (``master`` → Dev, ``qa`` → QA, ``prod`` →
    Prod). An existing ``master`` is never overwritten, and missing branches are added.

    Returns
    -------
    StatusTable
        One row for the repository, with its ARN and what was done (created, committed, exists).
    """
    return _table(workshop, registry.SOURCE_REPOSITORY_STEP, "Source repository (master, qa, prod)")


def ensure_artifact_bucket(workshop: Workshop) -> StatusTable:
    """Create the S3 bucket through which CodePipeline hands files from one stage to the next.

    The source, the build output and ``imagedefinitions.json`` travel between stages as artifacts in
    this bucket. It is versioned, encrypted (SSE-S3), blocks all public access, and its policy refuses
    every request that is not over TLS; these settings are applied again on each run.

    Returns
    -------
    StatusTable
        One row for the bucket, with its ARN and whether it was created or already existed.
    """
    return _table(workshop, registry.ARTIFACT_BUCKET_STEP, "Artifact bucket")


def ensure_approval_topic(workshop: Workshop) -> StatusTable:
    """Create the SNS topic that Prod's manual approval notifies.

    The Prod pipeline stops at a manual approval, which publishes a message to this topic. When an
    approval email was set in notebook 00, that address is subscribed: AWS first sends it a
    confirmation mail, which must be confirmed before approval requests arrive. (The sandbox sends no
    mail; notebook 04 has Approve and Reject buttons on both backends.)

    Returns
    -------
    StatusTable
        One row for the topic, with its ARN and what was done (created or exists, and the email
        subscribed when one is set).
    """
    return _table(workshop, registry.APPROVAL_TOPIC_STEP, "Approval topic")


def ensure_image_repositories(workshop: Workshop) -> StatusTable:
    """Create one ECR repository per environment, where the builds push the app's images.

    Images are scanned on push, and lifecycle policies keep the newest 5 images of Dev and QA and 100
    of Prod, so old images do not pile up.

    Returns
    -------
    StatusTable
        One row per environment's repository, with its ARN and whether it was created or existed.
    """
    return _table(workshop, registry.IMAGE_REPOSITORIES_STEP, "Image repositories")


def ensure_network(workshop: Workshop) -> StatusTable:
    """Set up the network the app runs in, and the load balancer that gives each environment its URL.

    The default VPC's public subnets are used when the account has one (a VPC per participant would hit
    the VPC quota in a shared account); otherwise a small VPC of the workshop's own is created. Two
    security groups follow: the load balancer's, open to HTTP on the listener ports, and the tasks',
    open only to the load balancer. Last comes one Application Load Balancer with a target group and
    a listener per environment (Dev 8080, QA 8081, Prod 80), so each environment keeps a stable URL
    across deployments.

    Returns
    -------
    StatusTable
        One row per VPC, security group, load balancer, target group and listener, with what was done
        (the default VPC shows as "used").
    """
    return _table(workshop, registry.NETWORK_STEP, "Network and load balancer")


def ensure_clusters(workshop: Workshop) -> StatusTable:
    """Create the three ECS clusters (Dev, QA, Prod) the services run in.

    With the Fargate launch type a cluster is only a name plus the Fargate capacity providers: AWS runs
    the tasks. With EC2, each cluster also gets a launch template (the current ECS-optimized AMI from
    AWS's public SSM parameter, and the instance type chosen in notebook 00, by default the first of
    t3.micro, t2.micro the region offers), an Auto Scaling group of one instance (two during a
    deployment) and a capacity provider that scales it.

    Returns
    -------
    StatusTable
        One row per cluster with its capacity providers, and for EC2 one per launch template, Auto
        Scaling group and capacity provider, each with what was done.
    """
    return _table(workshop, registry.CLUSTERS_STEP, f"ECS clusters ({workshop.settings.launch_type})")


def ensure_services(workshop: Workshop) -> StatusTable:
    """Create the three ECS services behind the load balancer, and wait until they run.

    Each service starts from a *placeholder* task definition (a one-line Node.js server), so its URL
    answers before the first pipeline run; the pipelines later register new revisions with the built
    image. The deployment circuit breaker rolls back a version that never becomes healthy. A log group
    per environment keeps the containers' logs for 7 days. An existing service keeps the deployment
    the pipeline gave it. The step waits for the load balancer, then, with a progress bar, until every
    service runs its tasks.

    Returns
    -------
    StatusTable
        One row per log group and service, with its ARN and what was done.
    """
    return _table(workshop, registry.SERVICES_STEP, "ECS services")


#: The notebook's steps, in the order of ``registry.NOTEBOOK_01``.
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
