"""The one way the kit reads AWS errors: which ones mean "there is no such resource".

Only not-found is ever treated as an answer. A denial, a throttle or a failed request is an error
that must reach the caller: cleanup reports it as a failed row, never as "nothing left". The codes
below are the modeled not-found exceptions of the services the kit calls (botocore's service models
name them); CloudFormation alone says "no such stack" through a ValidationError, matched narrowly.
"""

from __future__ import annotations

import re

from botocore.exceptions import ClientError

#: Every error code that means "that resource does not exist", by service.
NOT_FOUND_CODES: dict[str, frozenset[str]] = {
    "autoscaling": frozenset(),  # Describe* return empty lists; deletes of missing groups say ValidationError
    "codebuild": frozenset({"ResourceNotFoundException"}),
    "codecommit": frozenset({"RepositoryDoesNotExistException", "BranchDoesNotExistException"}),
    "codepipeline": frozenset({"PipelineNotFoundException", "PipelineExecutionNotFoundException"}),
    "ec2": frozenset(
        {
            "InvalidGroup.NotFound",
            "InvalidGroupId.NotFound",
            "InvalidLaunchTemplateName.NotFoundException",
            "InvalidLaunchTemplateId.NotFound",
            "InvalidVpcID.NotFound",
            "InvalidSubnetID.NotFound",
            "InvalidInternetGatewayID.NotFound",
            "InvalidRouteTableID.NotFound",
            "InvalidAssociationID.NotFound",
            "InvalidInstanceID.NotFound",
        }
    ),
    "ecr": frozenset({"RepositoryNotFoundException"}),
    "ecs": frozenset({"ClusterNotFoundException", "ServiceNotFoundException"}),
    "elbv2": frozenset({"LoadBalancerNotFound", "TargetGroupNotFound", "ListenerNotFound"}),
    "events": frozenset({"ResourceNotFoundException"}),
    "iam": frozenset({"NoSuchEntity"}),
    "logs": frozenset({"ResourceNotFoundException"}),
    "s3": frozenset({"404", "NoSuchBucket", "NotFound", "NoSuchTagSet"}),
    "sns": frozenset({"NotFound"}),
}
_ALL_NOT_FOUND = frozenset().union(*NOT_FOUND_CODES.values())
#: CloudFormation's only signal for a missing stack: a ValidationError with this message.
_STACK_MISSING = re.compile(r"^Stack with id \S+ does not exist$")


def error_code(error: ClientError) -> str:
    """The code AWS gave ``error`` (``NoSuchEntity``, ``ValidationError``, S3's bare ``404``); "" when the
    response has none, so comparing it never raises."""
    return str(error.response.get("Error", {}).get("Code", ""))


def error_message(error: ClientError) -> str:
    """AWS's message for ``error``, "" when it has none: for the few refusals that only their text tells
    apart (CloudFormation's missing stack, ECS's missing service-linked role, IAM's "has been taken")."""
    return str(error.response.get("Error", {}).get("Message", ""))


def is_not_found(error: BaseException) -> bool:
    """True only when ``error`` says the resource does not exist (never for a denial or a throttle)."""
    if not isinstance(error, ClientError):
        return False
    code = error_code(error)
    if code in _ALL_NOT_FOUND:
        return True
    return code == "ValidationError" and bool(_STACK_MISSING.match(error_message(error)))


def is_code(error: BaseException, *codes: str) -> bool:
    """Whether ``error`` is an AWS error with one of ``codes`` (for the few expected refusals)."""
    return isinstance(error, ClientError) and error_code(error) in codes
