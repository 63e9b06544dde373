"""THE list of the resource kinds the workshop creates, and notebook 01's steps over it.

``KINDS`` is in dependency order: a kind comes after the kinds it needs, and before those that use it.
Cleanup walks it backwards (``cleanup_order``), so nothing is deleted while something still uses it: the
CloudFormation stacks (with the pipelines, rules and build projects they define) first, the log groups
last. Where two kinds do not depend on each other the order is the one the kit has always deleted in,
which notebook 05's introduction describes; where a deletion must undo a link first, the kind's
``delete`` does it (a role leaves its instance profile, a capacity provider its cluster).

``NOTEBOOK_01`` groups the kinds that have an ``ensure`` into notebook 01's steps, in the notebook's
order (``helpers.prerequisites`` shows each step as one table). The build projects and pipelines are
made by their CloudFormation stacks (notebooks 02 and 03, see ``stacks``), so they are in no step.

``kind_of`` answers which kind recorded a state-file entry, so ``presence`` can ask that kind's ``exists``.
Adding a kind: its module (``Kind`` with ``ensure`` when it has one, ``find``, ``delete``, ``exists``),
one line here, and its test.
"""

from __future__ import annotations

from . import (
    approval_topic,
    artifact_bucket,
    capacity,
    clusters,
    image_repositories,
    launch_templates,
    listener_rules,
    load_balancer,
    log_groups,
    network,
    roles,
    services,
    source_repository,
    stacks,
)
from .base import Kind

#: Every kind, in dependency order (creation order); cleanup deletes in the reverse order.
KINDS: tuple[Kind, ...] = (
    log_groups.LOG_GROUPS,
    roles.INSTANCE_PROFILES,
    roles.IAM_ROLES,
    source_repository.REPOSITORIES,
    approval_topic.TOPICS,
    artifact_bucket.BUCKETS,
    image_repositories.IMAGE_REPOSITORIES,
    network.VPCS,
    network.SECURITY_GROUPS,
    load_balancer.TARGET_GROUPS,
    load_balancer.LOAD_BALANCERS,
    listener_rules.LISTENER_RULES,
    launch_templates.LAUNCH_TEMPLATES,
    services.TASK_DEFINITIONS,
    clusters.CLUSTERS,
    capacity.CAPACITY_PROVIDERS,
    capacity.INSTANCES,
    capacity.AUTO_SCALING_GROUPS,
    services.SERVICES,
    stacks.BUILD_PROJECTS,
    stacks.RULES,
    stacks.PIPELINES,
    stacks.STACKS,
)

#: Notebook 01's steps in the notebook's order: the kinds whose ``ensure`` each step runs, in this order.
ROLES_STEP = (roles.IAM_ROLES,)
SOURCE_REPOSITORY_STEP = (source_repository.REPOSITORIES,)
ARTIFACT_BUCKET_STEP = (artifact_bucket.BUCKETS,)
APPROVAL_TOPIC_STEP = (approval_topic.TOPICS,)
IMAGE_REPOSITORIES_STEP = (image_repositories.IMAGE_REPOSITORIES,)
NETWORK_STEP = (network.VPCS, load_balancer.LOAD_BALANCERS)
CLUSTERS_STEP = (clusters.CLUSTERS,)
SERVICES_STEP = (log_groups.LOG_GROUPS, services.SERVICES)
NOTEBOOK_01: tuple[tuple[Kind, ...], ...] = (
    ROLES_STEP,
    SOURCE_REPOSITORY_STEP,
    ARTIFACT_BUCKET_STEP,
    APPROVAL_TOPIC_STEP,
    IMAGE_REPOSITORIES_STEP,
    NETWORK_STEP,
    CLUSTERS_STEP,
    SERVICES_STEP,
)

_BY_TYPE = {resource_type: kind for kind in KINDS for resource_type in kind.types}


def cleanup_order() -> tuple[Kind, ...]:
    """``KINDS`` backwards: what uses a resource is deleted before it."""
    return tuple(reversed(KINDS))


def kind_of(resource_type: str) -> Kind | None:
    """The kind that records entries of ``resource_type`` (a CloudFormation type); None if none does."""
    return _BY_TYPE.get(resource_type)
