"""The request hook: every request signed with credentials of an identity IAM evaluates is evaluated
before moto serves it, and refused in its protocol's shape with AWS's message:

- a role session the sandbox issued to a service (a build's AWS CLI, the docker stand-in, a service acting
  through the sandbox's API): that role's policies;
- an IAM user's access key (CreateAccessKey: an event's participants), or a role a caller assumed with STS
  AssumeRole: that identity's policies (inline, managed, its groups'), the role's permissions boundary and
  the resource's policy, for the action(s) and resource(s) ``actions.py`` derives per operation. An
  operation with no row there is refused, naming it.

The sandbox's default credentials (``testing``, the kit's own admin work) stand for the account's root user
and are not evaluated (counted apart in the usage report), except that STS refuses them AssumeRole, as AWS does.
A caller's AssumeRole also needs the role's trust policy to admit them (``callers.trust_admits_caller``).
Any other access key that is no identity's, or is inactive, is refused before any
policy is read, as AWS authenticates before it authorizes (``_invalid_token``).

The hook is moto's request-authorization hook, which the sandbox never enables otherwise (replaced through
``localaws/seams/moto.py``, as moto has no public one). Signatures are not verified: the sandbox is loopback-only.
"""

from __future__ import annotations

import json
import re
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.ecr.models import ecr_backends
from moto.ecs.models import ecs_backends
from moto.s3.exceptions import S3ClientError
from moto.s3.models import s3_backends
from moto.sns.models import sns_backends
from moto.utilities.utils import get_partition

from ..seams import moto as moto_seam
from . import actions, usage
from .accounts import account_of
from .callers import Caller, caller_for, trust_admits_caller
from .sessions import AccessDenied, RoleSession, enabled, session_for
from .signer import set_signer

_CREDENTIAL = re.compile(r"Credential=([A-Z0-9]+)/\d{8}/([\w-]+)/([\w-]+)/")
#: A request signed with the account's own keys (the sandbox's ``testing``): its service.
_ROOT_CREDENTIAL = re.compile(r"Credential=[^/]+/\d{8}/[\w-]+/([\w-]+)/")
_JSON_SERVICES = {"ecr", "logs", "ecs", "codebuild", "codepipeline", "codecommit", "events", "ssm", "servicequotas"}
#: Actions AWS answers for any caller, even under an explicit Deny.
_ALWAYS_ALLOWED = {"sts:GetCallerIdentity"}


def install() -> None:
    """Have moto call the request hook before it serves each request (moto's authorization hook, which the sandbox
    replaces through ``seams/moto.py``)."""
    moto_seam.authorize_every_request(_authorize_request)


def _authorize_request(response: Any, iam_request_cls: type, resource: str = "*") -> None:
    headers = response.headers
    set_signer(None)  # the account's root user unless the key is an identity's
    authorization = str(headers.get("Authorization") or "")
    match = _CREDENTIAL.search(authorization)
    if match is None:
        root = _ROOT_CREDENTIAL.search(authorization)
        if root is not None:  # the account's own keys (``testing``): not evaluated, counted apart
            usage.record_root(root.group(1))
            if root.group(1) == "sts" and enabled() and moto_seam.action_of(response) == "AssumeRole":
                raise moto_seam.query_error("AccessDenied", _ROOT_MAY_NOT_ASSUME, 403)
        return
    region, prefix = match.group(2), match.group(3)
    session = session_for(match.group(1))
    if session is None:
        account = str(getattr(response, "current_account", "") or account_of(match.group(1), headers))
        caller = caller_for(match.group(1), account, get_partition(region))
        if caller is None:
            raise _invalid_token(prefix)
        set_signer(caller.arn)
        if enabled():
            _authorize_caller(caller, response, prefix, region, resource)
        return
    set_signer(session.arn)
    operation = str(response.data.get("Action")) if prefix == "s3" else moto_seam.action_of(response)
    for action, arn, context, policy in checks(prefix, operation, response, resource, session, region):
        if action in _ALWAYS_ALLOWED:
            continue
        try:
            session.authorize(action, arn, context, policy)
        except AccessDenied as denied:
            raise _wire_error(prefix, str(denied)) from None


def _authorize_caller(caller: Caller, response: Any, prefix: str, region: str, resource: str) -> None:
    """An IAM user's (or an assumed role's) request: every check ``actions.py`` derives, evaluated."""
    operation = str(response.data.get("Action")) if prefix == "s3" else moto_seam.action_of(response)
    request = actions.Request(response, prefix, operation, region, caller.account, caller.partition)
    try:
        found = actions.checks_for(request, resource)
    except actions.NotInTable as missing:
        raise _wire_error(prefix, str(missing)) from None
    for action, arn, context in found:
        if action in _ALWAYS_ALLOWED:
            continue
        policy = resource_policy(caller.account, caller.partition, arn)
        try:
            caller.authorize(action, arn, context, policy)
        except AccessDenied as denied:
            raise _wire_error(prefix, str(denied)) from None
        if action == "sts:AssumeRole" and not trust_admits_caller(caller, arn):
            message = f"User: {caller.arn} is not authorized to perform: sts:AssumeRole on resource: {arn}"
            raise _wire_error(prefix, message)


_INVALID_TOKEN = "The security token included in the request is invalid."
#: AWS's answer to AssumeRole signed with an account's root credentials (only IAM users and roles may assume a role).
_ROOT_MAY_NOT_ASSUME = "Roles may not be assumed by root accounts."


def _invalid_token(prefix: str) -> Exception:
    """AWS's answer to an access key it does not know (or an inactive one), in the protocol's shape: S3's
    ``InvalidAccessKeyId``, EC2's ``AuthFailure``, the JSON services' ``UnrecognizedClientException``, and
    the other query services' ``InvalidClientTokenId`` (IAM, STS, SNS, CloudFormation, ELB, Auto Scaling)."""
    if prefix == "s3":
        return S3ClientError("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
    if prefix == "ec2":
        return moto_seam.query_error("AuthFailure", "AWS was not able to validate the provided access credentials", 401)
    if prefix in _JSON_SERVICES:
        return JsonRESTError("UnrecognizedClientException", _INVALID_TOKEN)
    return moto_seam.query_error("InvalidClientTokenId", _INVALID_TOKEN, 403)


def _wire_error(prefix: str, message: str) -> Exception:
    """AWS's refusal in the protocol's shape: EC2's ``UnauthorizedOperation`` ("You are not authorized to
    perform this operation. ..."), SNS's ``AuthorizationError``, the JSON services' ``AccessDeniedException``,
    S3's and the other query services' ``AccessDenied`` (403)."""
    if prefix == "ec2":
        return moto_seam.query_error(
            "UnauthorizedOperation", f"You are not authorized to perform this operation. {message}", 403
        )
    if prefix == "sns":
        return moto_seam.query_error("AuthorizationError", message, 403)
    if prefix == "s3":
        error = S3ClientError("AccessDenied", message)
        error.code = "AccessDenied"
        return error
    if prefix in _JSON_SERVICES:
        return JsonRESTError("AccessDeniedException", message)
    return moto_seam.query_error("AccessDenied", message, 403)


Check = tuple[str, str, dict[str, str | list[str]], dict[str, Any] | None]


def checks(prefix: str, operation: str, response: Any, resource: str, session: RoleSession, region: str) -> list[Check]:
    """The (action, resource ARN, context, resource policy) checks AWS makes for one request: the
    operation's own action on the resource it names, plus the implicit ones (iam:PassRole for a role
    in a task definition, ecs:TagResource when tags come with a create)."""
    partition, account = session.partition, session.account
    action = f"{prefix}:{operation}"

    def param(name: str) -> Any:
        return moto_seam.param_of(response, name)

    def arn(service: str, rest: str) -> str:
        return f"arn:{partition}:{service}:{region}:{account}:{rest}"

    if prefix == "s3":
        return [(action, resource, {}, _bucket_policy(account, partition, resource))]
    if prefix == "ecr":
        if operation == "GetAuthorizationToken":
            return [(action, "*", {}, None)]
        repository = arn("ecr", f"repository/{param('repositoryName')}")
        return [(action, repository, {}, resource_policy(account, partition, repository))]
    if prefix == "logs":
        group = param("logGroupName")
        if operation in ("CreateLogStream", "PutLogEvents"):
            return [(action, arn("logs", f"log-group:{group}:log-stream:{param('logStreamName')}"), {}, None)]
        return [(action, arn("logs", f"log-group:{group}"), {}, None)]
    if prefix == "sns":
        topic = str(param("TopicArn") or "*")
        return [(action, topic, {}, resource_policy(account, partition, topic))]
    if prefix == "codepipeline":
        return [(action, arn("codepipeline", str(param("name"))), {}, None)]
    if prefix == "codebuild":
        project = str(param("projectName") or "").split("/")[-1]
        return [(action, arn("codebuild", f"project/{project}") if project else "*", {}, None)]
    if prefix == "ecs":
        return _ecs_checks(operation, param, arn, account, region)
    return [(action, resource, {}, None)]


def _ecs_checks(operation: str, param: Any, arn: Any, account: str, region: str) -> list[Check]:
    action = f"ecs:{operation}"
    if operation in ("DescribeServices", "UpdateService"):
        cluster = str(param("cluster") or "default").split("/")[-1]
        names = param("services") or [param("service")]
        return [(action, arn("ecs", f"service/{cluster}/{str(n).split('/')[-1]}"), {}, None) for n in names]
    if operation == "RegisterTaskDefinition":
        family = str(param("family"))
        definition = arn("ecs", f"task-definition/{family}:{_next_revision(family, account, region)}")
        found: list[Check] = [(action, definition, {}, None)]
        for key in ("executionRoleArn", "taskRoleArn"):
            role = param(key)
            if role:
                found.append(("iam:PassRole", str(role), {"iam:PassedToService": "ecs-tasks.amazonaws.com"}, None))
        if param("tags"):
            found.append(("ecs:TagResource", definition, {"ecs:CreateAction": "RegisterTaskDefinition"}, None))
        return found
    # DescribeTaskDefinition, ListTasks, DescribeTasks and the rest: the resource AWS documents is "*"
    # for the first; the sandbox's roles do not call the others.
    return [(action, "*", {}, None)]


def _next_revision(family: str, account: str, region: str) -> int:

    definitions = ecs_backends[account][region].task_definitions.get(family, {})
    return (max(definitions) if definitions else 0) + 1


def resource_policy(account: str, partition: str, resource: str) -> dict[str, Any] | None:
    """The policy of the resource an ARN names, which IAM evaluates with the caller's own: an S3 bucket's, an ECR
    repository's (SetRepositoryPolicy) or an SNS topic's (its ``Policy`` attribute); None for any other resource,
    or one that has none."""
    service = resource.split(":")[2] if resource.count(":") >= 5 else ""
    if service == "s3":
        return _bucket_policy(account, partition, resource)
    if service == "ecr" and ":repository/" in resource:
        region, name = resource.split(":")[3], resource.split(":repository/", 1)[1]
        repository = ecr_backends[account][region].repositories.get(name)
        text = getattr(repository, "policy", None)
        return dict(json.loads(text)) if text else None
    if service == "sns":
        topic = sns_backends[account][resource.split(":")[3]].topics.get(resource)
        return dict(json.loads(topic.policy)) if topic is not None else None
    return None


def _bucket_policy(account: str, partition: str, resource: str) -> dict[str, Any] | None:

    bucket_name = resource.split(":::", 1)[-1].split("/", 1)[0]
    bucket = s3_backends[account][partition].buckets.get(bucket_name)
    if bucket is None or bucket.policy is None:
        return None
    return dict(json.loads(bucket.policy.decode() if isinstance(bucket.policy, bytes) else bucket.policy))
