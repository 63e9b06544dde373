"""Guided workshops at scale: an instructor plans, starts, watches and cleans up an event.

``python -m helpers event plan|start|status|cleanup`` and ``notebooks/instructor/event.ipynb`` call these.
Names are imported on first use, so the kit's CLI starts without loading pandas for other commands.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "check_event": "names",
    "known_prefixes": "names",
    "participant_prefixes": "names",
    "Plan": "plan",
    "plan_event": "plan",
    "EventDoesNotFitError": "start",
    "start_event": "start",
    "resolve_event": "start",
    "describe_event": "start",
    "event_status": "status",
    "show_event": "status",
    "live_status": "watch",
    "cleanup_event": "teardown",
}

__all__ = [*sorted(_EXPORTS), "INSTRUCTOR_OPERATIONS"]

#: What the event tooling calls with the instructor's identity, beyond the learner's own operations
#: (``helpers.permissions.KIT_OPERATIONS``, which status and cleanup also use): the plan's quota and
#: usage reads, the Price List API, status's reads of pipeline runs, and on the sandbox (on AWS with ``--identities``)
#: the participants' IAM users, keys and policies (``identities.py``), or with ``--workshop-studio`` their roles
#: (``studio_roles.py``).
#: tests/test_event.py checks it.
INSTRUCTOR_OPERATIONS: dict[str, tuple[str, ...]] = {
    "service-quotas": ("get_service_quota", "get_aws_default_service_quota"),
    "pricing": ("get_products",),
    "elbv2": ("describe_load_balancers", "describe_target_groups"),
    "codepipeline": ("list_pipelines", "get_pipeline", "list_pipeline_executions", "list_action_executions"),
    "ecs": ("list_clusters", "describe_services"),
    "iam": (
        "list_roles",
        "attach_role_policy",
        "attach_user_policy",
        "create_role",
        "delete_role",
        "delete_role_policy",
        "detach_role_policy",
        "list_attached_role_policies",
        "list_role_policies",
        "list_role_tags",
        "create_access_key",
        "create_policy",
        "create_user",
        "delete_access_key",
        "delete_policy",
        "delete_user",
        "delete_user_policy",
        "detach_user_policy",
        "get_user",
        "list_access_keys",
        "list_attached_user_policies",
        "list_policies",
        "list_user_policies",
        "list_users",
        "put_user_policy",
    ),
    "ec2": ("describe_vpcs", "describe_subnets", "describe_instances", "describe_instance_types"),
    "codebuild": ("batch_get_projects",),
    "sts": ("get_caller_identity", "assume_role"),
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'helpers.event' has no attribute {name!r}")
    return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
