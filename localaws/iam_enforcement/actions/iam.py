"""IAM's and STS's rows: roles, instance profiles, service-linked roles and users, and AssumeRole.

Creates carry their implicit actions (``iam:TagRole``/``iam:TagInstanceProfile`` with tags,
``iam:PassRole`` when a role goes into an instance profile)."""

from __future__ import annotations

from moto.iam.models import iam_backends

from .request import UNSCOPED, Check, NotInTable, Request, query_tags, tags_context

_ROLE_OPERATIONS = {
    "CreateRole",
    "DeleteRole",
    "GetRole",
    "DeleteRolePolicy",
    "PutRolePolicy",
    "GetRolePolicy",
    "DetachRolePolicy",
    "AttachRolePolicy",
    "ListAttachedRolePolicies",
    "ListRolePolicies",
    "ListRoleTags",
    "ListInstanceProfilesForRole",
    "UpdateAssumeRolePolicy",
    "TagRole",
}
_INSTANCE_PROFILE_OPERATIONS = {
    "CreateInstanceProfile",
    "DeleteInstanceProfile",
    "GetInstanceProfile",
    "ListInstanceProfileTags",
    "AddRoleToInstanceProfile",
    "RemoveRoleFromInstanceProfile",
}
_SERVICE_LINKED_ROLES = {
    "ecs.amazonaws.com": "AWSServiceRoleForECS",
    "elasticloadbalancing.amazonaws.com": "AWSServiceRoleForElasticLoadBalancing",
    "autoscaling.amazonaws.com": "AWSServiceRoleForAutoScaling",
}


def _role_arn(r: Request, name: str) -> str:
    backend = iam_backends[r.account][r.partition]
    role = next((x for x in backend.roles.values() if x.name == name), None)
    if role is not None:
        return str(role.arn)
    # A role not made yet is named by its path when the path is fixed: a service-linked role's (the kit asks
    # GetRole for ECS's before creating it). An assumption: AWS does not document a missing role's ARN.
    linked = {v: k for k, v in _SERVICE_LINKED_ROLES.items()}.get(name)
    path = f"/aws-service-role/{linked}/" if linked else "/"
    return f"arn:{r.partition}:iam::{r.account}:role{path}{name}"


def _service_linked_role(r: Request) -> list[Check]:
    service = str(r.param("AWSServiceName"))
    name = _SERVICE_LINKED_ROLES.get(service, f"AWSServiceRoleFor{service.split('.')[0]}")
    arn = f"arn:{r.partition}:iam::{r.account}:role/aws-service-role/{service}/{name}"
    return r.checks([arn], {"iam:AWSServiceName": service})


def _instance_profile(r: Request) -> list[Check]:
    name = str(r.param("InstanceProfileName"))
    found = r.checks([f"arn:{r.partition}:iam::{r.account}:instance-profile/{name}"])
    tags = query_tags(r, "Tags.member.")
    if r.operation == "CreateInstanceProfile" and tags:
        found.append(("iam:TagInstanceProfile", found[0][1], tags_context(tags)))
    if r.operation == "AddRoleToInstanceProfile":
        found.append(
            ("iam:PassRole", _role_arn(r, str(r.param("RoleName"))), {"iam:PassedToService": "ec2.amazonaws.com"})
        )
    return found


def _role(r: Request) -> list[Check]:
    name = str(r.param("RoleName"))
    if r.operation != "CreateRole":
        return r.checks([_role_arn(r, name)])
    path = str(r.param("Path") or "/")
    arn = f"arn:{r.partition}:iam::{r.account}:role{path}{name}"
    tags = query_tags(r, "Tags.member.")
    found = r.checks([arn], tags_context(tags))
    if tags:
        found.append(("iam:TagRole", arn, tags_context(tags)))
    return found


def _user(r: Request) -> list[Check]:
    name = r.param("UserName")
    return r.checks([f"arn:{r.partition}:iam::{r.account}:user/{name}"] if name else [UNSCOPED])


def iam(r: Request) -> list[Check]:
    """IAM's row: roles, instance profiles and users on their ARNs, CreateServiceLinkedRole on the role it makes (with
    ``iam:AWSServiceName``), SimulatePrincipalPolicy on the simulated principal; a create with tags needs
    ``iam:TagRole`` or ``iam:TagInstanceProfile`` too, and AddRoleToInstanceProfile ``iam:PassRole`` to EC2."""
    op = r.operation
    if op == "CreateServiceLinkedRole":
        return _service_linked_role(r)
    if op == "SimulatePrincipalPolicy":
        return r.checks([str(r.param("PolicySourceArn"))])
    if op in _INSTANCE_PROFILE_OPERATIONS:
        return _instance_profile(r)
    if op in _ROLE_OPERATIONS:
        return _role(r)
    if op in ("GetUser", "ListAccessKeys"):
        return _user(r)
    raise NotInTable(r.action)


def sts(r: Request) -> list[Check]:
    """STS's row: AssumeRole on the role assumed; GetCallerIdentity needs no permission at all, as on AWS."""
    if r.operation == "AssumeRole":
        return r.checks([str(r.param("RoleArn"))])
    if r.operation == "GetCallerIdentity":
        return []  # AWS answers it for every caller, even under an explicit Deny
    raise NotInTable(r.action)
