"""The sandbox's policy evaluator against a table of cases taken from AWS's IAM User Guide, each citing the page
it follows. One evaluator serves identity policies, permissions boundaries, resource policies and trust policies
(localaws/iam_enforcement/evaluator.py and conditions.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from localaws.iam_enforcement.evaluator import ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY, Principal, evaluate

DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
LOGIC = DOCS + "reference_policies_evaluation-logic_policy-eval-denyallow.html"
SINGLE_ACCOUNT = DOCS + "reference_policies_evaluation-logic_policy-eval-basics.html"
BOUNDARIES = DOCS + "access_policies_boundaries.html"
OPERATORS = DOCS + "reference_policies_elements_condition_operators.html"
MULTIVALUED = DOCS + "reference_policies_condition-single-vs-multi-valued-context-keys.html"
VARIABLES = DOCS + "reference_policies_variables.html"
NOT_ACTION = DOCS + "reference_policies_elements_notaction.html"
NOT_RESOURCE = DOCS + "reference_policies_elements_notresource.html"
NOT_PRINCIPAL = DOCS + "reference_policies_elements_notprincipal.html"
TAGS = DOCS + "access_tags.html"
PASS_ROLE = DOCS + "id_roles_use_passrole.html"
CONFUSED_DEPUTY = DOCS + "confused-deputy.html"

ACCOUNT = "111122223333"
USER = f"arn:aws:iam::{ACCOUNT}:user/ws-01"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ws-01-role"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/ws-01-role/ws-01"
BUCKET = "arn:aws:s3:::ws-01-artifacts"
OBJECT = BUCKET + "/build/app.zip"
SERVICE = f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/ws-01-dev/ws-01-dev-service"
OTHER_SERVICE = f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/ws-02-dev/ws-02-dev-service"


def policy(*statements: dict[str, Any], version: str = "2012-10-17") -> dict[str, Any]:
    return {"Version": version, "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


@dataclass
class Case:
    name: str
    source: str
    expected: str
    action: str
    resource: str
    identity: list[dict[str, Any]] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
    boundary: dict[str, Any] | None = None
    resource_policy: dict[str, Any] | None = None
    principal: Principal | None = None


BOUNDED_USER = Principal(arn=USER, bounded=True)
BOUNDED_SESSION = Principal(arn=SESSION, role_arn=ROLE, bounded=True)
S3_ONLY = policy(allow("s3:*"))

CASES = [
    # -- the order of evaluation -------------------------------------------------------------------
    Case("nothing allows: implicit deny", LOGIC, IMPLICIT_DENY, "s3:GetObject", OBJECT),
    Case("an allow allows", LOGIC, ALLOWED, "s3:GetObject", OBJECT, [policy(allow("s3:GetObject", BUCKET + "/*"))]),
    Case(
        "an explicit deny overrides an allow in another policy",
        LOGIC,
        EXPLICIT_DENY,
        "s3:GetObject",
        OBJECT,
        [policy(allow("s3:*")), policy(deny("s3:GetObject", OBJECT))],
    ),
    Case(
        "an explicit deny in the resource policy overrides the identity's allow",
        SINGLE_ACCOUNT,
        EXPLICIT_DENY,
        "s3:PutObject",
        OBJECT,
        [policy(allow("s3:*"))],
        resource_policy=policy(deny("s3:PutObject", BUCKET + "/*", Principal="*")),
        principal=Principal(arn=USER),
    ),
    # -- permissions boundaries ----------------------------------------------------------------------
    Case(
        "the boundary does not allow what the identity policy allows",
        BOUNDARIES,
        IMPLICIT_DENY,
        "iam:CreateUser",
        "*",
        [policy(allow("iam:CreateUser"))],
        boundary=S3_ONLY,
    ),
    Case(
        "the boundary alone grants nothing",
        BOUNDARIES,
        IMPLICIT_DENY,
        "s3:GetObject",
        OBJECT,
        [],
        boundary=S3_ONLY,
    ),
    Case(
        "identity and boundary both allow",
        BOUNDARIES,
        ALLOWED,
        "s3:GetObject",
        OBJECT,
        [policy(allow("s3:GetObject"))],
        boundary=S3_ONLY,
    ),
    Case(
        "an explicit deny in the boundary denies",
        BOUNDARIES,
        EXPLICIT_DENY,
        "s3:DeleteBucket",
        BUCKET,
        [policy(allow("s3:*"))],
        boundary=policy(allow("s3:*"), deny("s3:DeleteBucket")),
    ),
    # -- resource policies in the same account ---------------------------------------------------------
    Case(
        "a resource policy naming the user allows without any identity policy",
        SINGLE_ACCOUNT,
        ALLOWED,
        "s3:GetObject",
        OBJECT,
        [],
        resource_policy=policy(allow("s3:GetObject", BUCKET + "/*", Principal={"AWS": USER})),
        principal=Principal(arn=USER),
    ),
    Case(
        "a resource policy naming the user is not limited by the user's boundary",
        BOUNDARIES,
        ALLOWED,
        "sns:Publish",
        f"arn:aws:sns:us-east-1:{ACCOUNT}:ws-01-approval",
        [],
        boundary=S3_ONLY,
        resource_policy=policy(allow("sns:Publish", Principal={"AWS": USER})),
        principal=BOUNDED_USER,
    ),
    Case(
        "a resource policy naming the role is limited by the session's boundary",
        BOUNDARIES,
        IMPLICIT_DENY,
        "sns:Publish",
        f"arn:aws:sns:us-east-1:{ACCOUNT}:ws-01-approval",
        [],
        boundary=S3_ONLY,
        resource_policy=policy(allow("sns:Publish", Principal={"AWS": ROLE})),
        principal=BOUNDED_SESSION,
    ),
    Case(
        "a resource policy naming the role session is not limited by the boundary",
        BOUNDARIES,
        ALLOWED,
        "sns:Publish",
        f"arn:aws:sns:us-east-1:{ACCOUNT}:ws-01-approval",
        [],
        boundary=S3_ONLY,
        resource_policy=policy(allow("sns:Publish", Principal={"AWS": SESSION})),
        principal=BOUNDED_SESSION,
    ),
    Case(
        "a resource policy naming the account delegates to the identity policies (none here)",
        SINGLE_ACCOUNT,
        IMPLICIT_DENY,
        "ecr:BatchGetImage",
        f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/ws-01-dev",
        [],
        resource_policy=policy(allow("ecr:BatchGetImage", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"})),
        principal=Principal(arn=USER),
    ),
    Case(
        "a resource policy naming the account plus an identity allow",
        SINGLE_ACCOUNT,
        ALLOWED,
        "ecr:BatchGetImage",
        f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/ws-01-dev",
        [policy(allow("ecr:BatchGetImage"))],
        resource_policy=policy(allow("ecr:BatchGetImage", Principal={"AWS": ACCOUNT})),
        principal=Principal(arn=USER),
    ),
    Case(
        "a resource policy for another principal does not allow",
        SINGLE_ACCOUNT,
        IMPLICIT_DENY,
        "s3:GetObject",
        OBJECT,
        [],
        resource_policy=policy(allow("s3:GetObject", BUCKET + "/*", Principal={"AWS": ROLE})),
        principal=Principal(arn=USER),
    ),
    # -- NotAction, NotResource, NotPrincipal --------------------------------------------------------
    Case(
        "NotAction with Allow allows every other action",
        NOT_ACTION,
        ALLOWED,
        "s3:GetObject",
        OBJECT,
        [policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})],
    ),
    Case(
        "NotAction with Allow does not allow the listed action",
        NOT_ACTION,
        IMPLICIT_DENY,
        "iam:CreateUser",
        "*",
        [policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})],
    ),
    Case(
        "NotResource with Deny denies everything but the listed resource",
        NOT_RESOURCE,
        EXPLICIT_DENY,
        "s3:GetObject",
        "arn:aws:s3:::ws-02-artifacts/x",
        [policy(allow("s3:*"), {"Effect": "Deny", "Action": "s3:*", "NotResource": [BUCKET, BUCKET + "/*"]})],
    ),
    Case(
        "NotResource with Deny spares the listed resource",
        NOT_RESOURCE,
        ALLOWED,
        "s3:GetObject",
        OBJECT,
        [policy(allow("s3:*"), {"Effect": "Deny", "Action": "s3:*", "NotResource": [BUCKET, BUCKET + "/*"]})],
    ),
    Case(
        "NotPrincipal with Deny spares the named principal",
        NOT_PRINCIPAL,
        ALLOWED,
        "s3:GetObject",
        OBJECT,
        [policy(allow("s3:*"))],
        resource_policy=policy({"Effect": "Deny", "NotPrincipal": {"AWS": USER}, "Action": "s3:*", "Resource": "*"}),
        principal=Principal(arn=USER),
    ),
    Case(
        "NotPrincipal with Deny denies everyone else",
        NOT_PRINCIPAL,
        EXPLICIT_DENY,
        "s3:GetObject",
        OBJECT,
        [policy(allow("s3:*"))],
        resource_policy=policy({"Effect": "Deny", "NotPrincipal": {"AWS": ROLE}, "Action": "s3:*", "Resource": "*"}),
        principal=Principal(arn=USER),
    ),
    Case(
        "NotPrincipal with Deny always denies a principal with a permissions boundary",
        BOUNDARIES,
        EXPLICIT_DENY,
        "s3:GetObject",
        OBJECT,
        [policy(allow("s3:*"))],
        boundary=S3_ONLY,
        resource_policy=policy({"Effect": "Deny", "NotPrincipal": {"AWS": USER}, "Action": "s3:*", "Resource": "*"}),
        principal=BOUNDED_USER,
    ),
    # -- condition operators: a Deny with each family ------------------------------------------------
    *[
        Case(
            f"a Deny with {operator} {'applies' if applies else 'does not apply'}",
            OPERATORS,
            EXPLICIT_DENY if applies else ALLOWED,
            action,
            resource,
            [policy(allow("*"), deny(action, Condition={operator: {key: expected}}))],
            {key: actual},
        )
        for operator, key, expected, actual, applies, action, resource in [
            ("NumericGreaterThan", "s3:max-keys", "100", "500", True, "s3:ListBucket", BUCKET),
            ("NumericGreaterThan", "s3:max-keys", "100", "50", False, "s3:ListBucket", BUCKET),
            ("NumericLessThanEquals", "s3:max-keys", "10", "10", True, "s3:ListBucket", BUCKET),
            ("NumericNotEquals", "s3:max-keys", "10", "11", True, "s3:ListBucket", BUCKET),
            ("DateGreaterThan", "aws:CurrentTime", "2026-12-31T23:59:59Z", "2027-01-01T00:00:00Z", True, "*", "*"),
            ("DateGreaterThan", "aws:CurrentTime", "2026-12-31T23:59:59Z", "2026-12-05T10:00:00Z", False, "*", "*"),
            ("DateLessThan", "aws:EpochTime", "1798761599", "1764928800", True, "*", "*"),
            ("DateEquals", "aws:CurrentTime", "2026-12-05", "2026-12-05T00:00:00+00:00", True, "*", "*"),
            ("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", "198.51.100.7", True, "*", "*"),
            ("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", "203.0.113.9", False, "*", "*"),
            ("IpAddress", "aws:SourceIp", "2001:db8::/32", "2001:db8::1", True, "*", "*"),
            ("BinaryEquals", "aws:Binary", "QmluYXJ5VmFsdWU=", "QmluYXJ5VmFsdWU=", True, "*", "*"),
            ("BinaryEquals", "aws:Binary", "QmluYXJ5VmFsdWU=", "T3RoZXI=", False, "*", "*"),
            ("Bool", "aws:SecureTransport", "false", "false", True, "s3:GetObject", OBJECT),
            ("Bool", "aws:SecureTransport", "false", "true", False, "s3:GetObject", OBJECT),
            ("StringNotEqualsIgnoreCase", "aws:username", "WS-01", "ws-01", False, "*", "*"),
            ("ArnNotLike", "aws:SourceArn", f"arn:aws:codebuild:*:{ACCOUNT}:project/ws-01-*", SERVICE, True, "*", "*"),
        ]
    ],
    Case(
        "a key missing from the request: a positive operator does not match",
        OPERATORS,
        ALLOWED,
        "*",
        "*",
        [policy(allow("*"), deny("*", Condition={"NumericGreaterThan": {"s3:max-keys": "100"}}))],
    ),
    Case(
        "a key missing from the request: a negated operator matches",
        OPERATORS,
        EXPLICIT_DENY,
        "*",
        "*",
        [policy(allow("*"), deny("*", Condition={"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}))],
    ),
    Case(
        "...IfExists holds when the key is missing",
        OPERATORS,
        ALLOWED,
        "ec2:RunInstances",
        "*",
        [policy(allow("ec2:RunInstances", Condition={"StringLikeIfExists": {"ec2:InstanceType": "t3.*"}}))],
    ),
    Case(
        "...IfExists checks the key when present",
        OPERATORS,
        IMPLICIT_DENY,
        "ec2:RunInstances",
        "*",
        [policy(allow("ec2:RunInstances", Condition={"StringLikeIfExists": {"ec2:InstanceType": "t3.*"}}))],
        {"ec2:InstanceType": "m5.24xlarge"},
    ),
    Case(
        "Null true matches a missing key",
        OPERATORS,
        EXPLICIT_DENY,
        "ec2:CreateTags",
        "*",
        [policy(allow("*"), deny("ec2:CreateTags", Condition={"Null": {"aws:RequestTag/workshop:prefix": "true"}}))],
    ),
    Case(
        "several values of one key are ORed",
        DOCS + "reference_policies_condition-logic-multiple-context-keys-or-values.html",
        ALLOWED,
        "iam:PassRole",
        ROLE,
        [
            policy(
                allow(
                    "iam:PassRole",
                    ROLE,
                    Condition={
                        "StringEquals": {"iam:PassedToService": ["ecs-tasks.amazonaws.com", "ec2.amazonaws.com"]}
                    },
                )
            )
        ],
        {"iam:PassedToService": "ec2.amazonaws.com"},
    ),
    Case(
        "several keys of a block must all hold",
        DOCS + "reference_policies_condition-logic-multiple-context-keys-or-values.html",
        IMPLICIT_DENY,
        "sts:AssumeRole",
        ROLE,
        [
            policy(
                allow(
                    "sts:AssumeRole",
                    ROLE,
                    Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT, "aws:PrincipalTag/team": "ws"}},
                )
            )
        ],
        {"aws:SourceAccount": ACCOUNT},
    ),
    # -- multivalued keys ---------------------------------------------------------------------------
    Case(
        "ForAllValues holds when every requested tag key is allowed",
        MULTIVALUED,
        ALLOWED,
        "ecs:TagResource",
        SERVICE,
        [
            policy(
                allow(
                    "ecs:TagResource",
                    Condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["workshop:prefix", "env"]}},
                )
            )
        ],
        {"aws:TagKeys": ["workshop:prefix"]},
    ),
    Case(
        "ForAllValues fails when one requested tag key is not allowed",
        MULTIVALUED,
        IMPLICIT_DENY,
        "ecs:TagResource",
        SERVICE,
        [
            policy(
                allow("ecs:TagResource", Condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["workshop:prefix"]}})
            )
        ],
        {"aws:TagKeys": ["workshop:prefix", "owner"]},
    ),
    Case(
        "ForAllValues holds when the key is missing (why a Null check goes with it)",
        MULTIVALUED,
        ALLOWED,
        "ecs:TagResource",
        SERVICE,
        [
            policy(
                allow("ecs:TagResource", Condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["workshop:prefix"]}})
            )
        ],
    ),
    Case(
        "ForAnyValue does not hold when the key is missing",
        MULTIVALUED,
        IMPLICIT_DENY,
        "ecs:TagResource",
        SERVICE,
        [
            policy(
                allow("ecs:TagResource", Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["workshop:prefix"]}})
            )
        ],
    ),
    # -- policy variables --------------------------------------------------------------------------
    Case(
        "${aws:username} in Resource",
        VARIABLES,
        ALLOWED,
        "s3:GetObject",
        "arn:aws:s3:::ws-artifacts/home/ws-01/notes.txt",
        [policy(allow("s3:GetObject", "arn:aws:s3:::ws-artifacts/home/${aws:username}/*"))],
        {"aws:username": "ws-01"},
    ),
    Case(
        "${aws:username} does not reach another user's folder",
        VARIABLES,
        IMPLICIT_DENY,
        "s3:GetObject",
        "arn:aws:s3:::ws-artifacts/home/ws-02/notes.txt",
        [policy(allow("s3:GetObject", "arn:aws:s3:::ws-artifacts/home/${aws:username}/*"))],
        {"aws:username": "ws-01"},
    ),
    Case(
        "a variable with no value makes the statement not apply",
        VARIABLES,
        IMPLICIT_DENY,
        "s3:GetObject",
        "arn:aws:s3:::ws-artifacts/home/ws-01/notes.txt",
        [policy(allow("s3:GetObject", "arn:aws:s3:::ws-artifacts/home/${aws:username}/*"))],
    ),
    Case(
        "a variable's default value is used when the key has no value",
        VARIABLES,
        ALLOWED,
        "s3:GetObject",
        "arn:aws:s3:::ws-artifacts/home/shared/notes.txt",
        [policy(allow("s3:GetObject", "arn:aws:s3:::ws-artifacts/home/${aws:username, 'shared'}/*"))],
    ),
    Case(
        "${*} is a literal asterisk, not a wildcard",
        VARIABLES,
        IMPLICIT_DENY,
        "s3:GetObject",
        "arn:aws:s3:::ws-artifacts/anything",
        [policy(allow("s3:GetObject", "arn:aws:s3:::ws-artifacts/${*}"))],
    ),
    Case(
        "a 2008-10-17 policy takes ${...} literally",
        VARIABLES,
        IMPLICIT_DENY,
        "s3:GetObject",
        "arn:aws:s3:::ws-artifacts/home/ws-01/x",
        [policy(allow("s3:GetObject", "arn:aws:s3:::ws-artifacts/home/${aws:username}/*"), version="2008-10-17")],
        {"aws:username": "ws-01"},
    ),
    Case(
        "a principal tag as a variable in a condition: the participant's own service",
        TAGS,
        ALLOWED,
        "ecs:UpdateService",
        SERVICE,
        [
            policy(
                allow(
                    "ecs:UpdateService",
                    Condition={
                        "StringEquals": {"aws:ResourceTag/workshop:prefix": "${aws:PrincipalTag/workshop:prefix}"}
                    },
                )
            )
        ],
        {"aws:ResourceTag/workshop:prefix": "ws-01", "aws:PrincipalTag/workshop:prefix": "ws-01"},
    ),
    Case(
        "a principal tag as a variable in a condition: another participant's service",
        TAGS,
        IMPLICIT_DENY,
        "ecs:UpdateService",
        OTHER_SERVICE,
        [
            policy(
                allow(
                    "ecs:UpdateService",
                    Condition={
                        "StringEquals": {"aws:ResourceTag/workshop:prefix": "${aws:PrincipalTag/workshop:prefix}"}
                    },
                )
            )
        ],
        {"aws:ResourceTag/workshop:prefix": "ws-02", "aws:PrincipalTag/workshop:prefix": "ws-01"},
    ),
    Case(
        "aws:RequestTag: a resource created without the participant's tag is refused",
        TAGS,
        IMPLICIT_DENY,
        "ec2:CreateSecurityGroup",
        "*",
        [
            policy(
                allow(
                    "ec2:CreateSecurityGroup", Condition={"StringEquals": {"aws:RequestTag/workshop:prefix": "ws-01"}}
                )
            )
        ],
        {"aws:RequestTag/workshop:prefix": "ws-02"},
    ),
    # -- PassRole and the confused deputy ------------------------------------------------------------
    Case(
        "iam:PassedToService: passing the role to the service it is for",
        PASS_ROLE,
        ALLOWED,
        "iam:PassRole",
        ROLE,
        [
            policy(
                allow(
                    "iam:PassRole", ROLE, Condition={"StringEquals": {"iam:PassedToService": "codebuild.amazonaws.com"}}
                )
            )
        ],
        {"iam:PassedToService": "codebuild.amazonaws.com"},
    ),
    Case(
        "iam:PassedToService: passing it to another service is refused",
        PASS_ROLE,
        IMPLICIT_DENY,
        "iam:PassRole",
        ROLE,
        [
            policy(
                allow(
                    "iam:PassRole", ROLE, Condition={"StringEquals": {"iam:PassedToService": "codebuild.amazonaws.com"}}
                )
            )
        ],
        {"iam:PassedToService": "ec2.amazonaws.com"},
    ),
    Case(
        "a trust policy with aws:SourceAccount refuses a service acting for another account",
        CONFUSED_DEPUTY,
        IMPLICIT_DENY,
        "sts:AssumeRole",
        ROLE,
        [],
        {"aws:SourceAccount": "444455556666"},
        resource_policy=policy(
            {
                "Effect": "Allow",
                "Principal": {"Service": "codebuild.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
            }
        ),
        principal=Principal(service="codebuild.amazonaws.com"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_evaluator_decides_as_aws_documents(case: Case):
    decision = evaluate(
        case.identity,
        case.action,
        case.resource,
        case.context,
        resource_policy=case.resource_policy,
        principal=case.principal,
        boundary=case.boundary,
    )
    assert decision.decision == case.expected, f"{case.name} ({case.source})"


def test_every_case_cites_an_aws_documentation_page():
    assert len(CASES) >= 50
    assert all(c.source.startswith(DOCS) for c in CASES)
