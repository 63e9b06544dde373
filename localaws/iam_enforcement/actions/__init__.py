"""What IAM evaluates for one request made by an IAM user or a role a user assumed: the action(s) and the
resource ARN(s) of each operation the workshop calls, service by service.

A row says which IAM action an operation is and which resource ARN(s) AWS evaluates it against (the
service authorization reference's "Resource types" column for that action), plus the implicit actions a
request carries (``iam:TagRole`` when CreateRole comes with Tags, ``iam:PassRole`` for a role in a task
definition, ``s3:PutBucketOwnershipControls`` for CreateBucket with ObjectOwnership) and the context keys
the kit's policies test (``aws:RequestTag/…`` and ``aws:TagKeys`` on creates, ``aws:ResourceTag/…`` from the
EC2 resource's tags, ``iam:PassedToService``, ``iam:AWSServiceName``). A resource not known before it is made
(a load balancer's id, a stack's id) is evaluated with ``*`` in the id's place, so a policy that names the
resource by its name with ``/*`` for the id matches it.

The rows live with their service's family, as AWS's console groups them: ``iam.py`` (IAM, STS), ``s3.py``,
``developer_tools.py`` (CodeCommit, CodePipeline, CodeBuild), ``containers.py`` (ECR, ECS), ``ec2.py`` (EC2,
Elastic Load Balancing, Auto Scaling) and ``management.py`` (the rest); the request they read and the checks
they answer are in ``request.py``.

An operation with no row is refused for IAM users (``NotInTable``), with a message naming it: the sandbox
never lets a call it cannot evaluate through. ``tests/test_iam_user_requests.py`` checks that every
operation the kit calls (``helpers.permissions.KIT_OPERATIONS``) has a row.
"""

from __future__ import annotations

from collections.abc import Callable

from . import containers, developer_tools, ec2, iam, management, s3
from .request import UNSCOPED, Check, Context, NotInTable, Request

__all__ = ["TABLE", "UNSCOPED", "Check", "Context", "NotInTable", "Request", "checks_for"]

TABLE: dict[str, Callable[[Request], list[Check]]] = {
    "iam": iam.iam,
    "codecommit": developer_tools.codecommit,
    "codepipeline": developer_tools.codepipeline,
    "codebuild": developer_tools.codebuild,
    "ecr": containers.ecr,
    "ecs": containers.ecs,
    "elasticloadbalancing": ec2.elbv2,
    "ec2": ec2.ec2,
    "autoscaling": ec2.autoscaling,
    "cloudformation": management.cloudformation,
    "logs": management.logs,
    "sns": management.sns,
    "events": management.events,
    "ssm": management.ssm,
    "sts": iam.sts,
    "servicequotas": management.unscoped,
}


def checks_for(r: Request, s3_resource: str) -> list[Check]:
    """The (action, resource ARN, context) checks AWS makes for one user's request; ``NotInTable`` when
    the sandbox has no row for its operation."""
    if r.prefix == "s3":
        return s3.s3(r, s3_resource)
    row = TABLE.get(r.prefix)
    if row is None:
        raise NotInTable(r.action)
    return row(r)
