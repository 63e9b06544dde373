"""Requests signed by an IAM user's access key (or a role a user assumed) are evaluated by the sandbox, and
refused in each protocol's shape with AWS's message (issue 21, item 1).

AWS semantics pinned here:
- An implicit deny names the action and resource "because no identity-based policy allows the <action>
  action" (IAM User Guide, "Troubleshoot access denied error messages": "Access denied error messages").
- EC2 answers ``UnauthorizedOperation`` "You are not authorized to perform this operation." (EC2 API
  reference, "Error codes for the Amazon EC2 API"); SNS ``AuthorizationError`` (SNS API reference, "Common
  errors"); JSON-protocol services ``AccessDeniedException``; IAM and S3 ``AccessDenied`` (403).
- GetCallerIdentity needs no permission (STS API reference, GetCallerIdentity: "No permissions are required
  to perform this operation").
- Root credentials: GetCallerIdentity answers ``arn:aws:iam::ACCOUNT:root`` and UserId the account id.
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from localaws import api as process
from tests.helpers_for_tests import REGION, sandbox_client, unique

ACCOUNT = "123456789012"


def _user(policy: dict | None = None, managed: dict | None = None, group: dict | None = None) -> tuple[str, dict]:
    iam = sandbox_client("iam")
    name = unique("user")
    iam.create_user(UserName=name)
    if policy is not None:
        iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=json.dumps(policy))
    if managed is not None:
        arn = iam.create_policy(PolicyName=unique("managed"), PolicyDocument=json.dumps(managed))["Policy"]["Arn"]
        iam.attach_user_policy(UserName=name, PolicyArn=arn)
    if group is not None:
        group_name = unique("group")
        iam.create_group(GroupName=group_name)
        iam.put_group_policy(GroupName=group_name, PolicyName="g", PolicyDocument=json.dumps(group))
        iam.add_user_to_group(GroupName=group_name, UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return name, {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}


def _as(credentials: dict, service: str):
    return boto3.client(service, endpoint_url=process.endpoint(), region_name=REGION, **credentials)


def _allow(action: str, resource: str | list[str]) -> dict:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}


def _error(call) -> dict:
    with pytest.raises(ClientError) as raised:
        call()
    return {
        "code": raised.value.response["Error"]["Code"],
        "message": raised.value.response["Error"]["Message"],
        "status": raised.value.response["ResponseMetadata"]["HTTPStatusCode"],
    }


def test_the_default_credentials_are_the_accounts_root_and_are_not_evaluated():
    identity = sandbox_client("sts").get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert identity["UserId"] == ACCOUNT
    sandbox_client("codepipeline").list_pipelines()  # no policy anywhere, and allowed


def test_a_user_with_no_policy_is_refused_in_the_json_protocols_shape():
    name, credentials = _user()
    codepipeline = _as(credentials, "codepipeline")
    error = _error(lambda: codepipeline.get_pipeline_state(name="someone-else-dev"))
    assert error["code"] == "AccessDeniedException"
    assert error["message"] == (
        f"User: arn:aws:iam::{ACCOUNT}:user/{name} is not authorized to perform: codepipeline:GetPipelineState "
        f"on resource: arn:aws:codepipeline:{REGION}:{ACCOUNT}:someone-else-dev because no identity-based "
        "policy allows the codepipeline:GetPipelineState action"
    )
    # GetCallerIdentity needs no permission, and names the user.
    assert _as(credentials, "sts").get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/{name}"


def test_an_allow_on_the_named_resource_lets_the_call_through_and_no_other():
    pipeline_arn = f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:mine-dev"
    _, credentials = _user(policy=_allow("codepipeline:GetPipeline", pipeline_arn))
    codepipeline = _as(credentials, "codepipeline")
    # Allowed by IAM, so the service answers: the pipeline does not exist.
    assert _error(lambda: codepipeline.get_pipeline(name="mine-dev"))["code"] == "PipelineNotFoundException"
    assert _error(lambda: codepipeline.get_pipeline(name="theirs-dev"))["code"] == "AccessDeniedException"


def test_managed_and_group_policies_count_and_an_explicit_deny_wins():
    bucket = unique("bucket")
    sandbox_client("s3").create_bucket(Bucket=bucket)
    deny = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/secret/*"}],
    }
    name, credentials = _user(managed=_allow("s3:PutObject", f"arn:aws:s3:::{bucket}/*"), group=deny)
    s3 = _as(credentials, "s3")
    s3.put_object(Bucket=bucket, Key="open/a.txt", Body=b"a")
    error = _error(lambda: s3.put_object(Bucket=bucket, Key="secret/a.txt", Body=b"a"))
    assert (error["code"], error["status"]) == ("AccessDenied", 403)
    assert error["message"] == (
        f"User: arn:aws:iam::{ACCOUNT}:user/{name} is not authorized to perform: s3:PutObject on resource: "
        f"arn:aws:s3:::{bucket}/secret/a.txt with an explicit deny in an identity-based policy"
    )


def test_ec2_refuses_with_unauthorized_operation_and_evaluates_the_resources_tags():
    ec2 = sandbox_client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    mine = ec2.create_security_group(
        GroupName=unique("mine"),
        Description="d",
        VpcId=vpc,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": [{"Key": "workshop:prefix", "Value": "a"}]}],
    )["GroupId"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "ec2:DeleteSecurityGroup",
                "Resource": f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/*",
                "Condition": {"StringEquals": {"aws:ResourceTag/workshop:prefix": "b"}},
            }
        ],
    }
    name, credentials = _user(policy=policy)
    error = _error(lambda: _as(credentials, "ec2").delete_security_group(GroupId=mine))
    assert (error["code"], error["status"]) == ("UnauthorizedOperation", 403)
    assert error["message"] == (
        f"You are not authorized to perform this operation. User: arn:aws:iam::{ACCOUNT}:user/{name} is not "
        f"authorized to perform: ec2:DeleteSecurityGroup on resource: arn:aws:ec2:{REGION}:{ACCOUNT}:"
        f"security-group/{mine} because no identity-based policy allows the ec2:DeleteSecurityGroup action"
    )
    ec2.create_tags(Resources=[mine], Tags=[{"Key": "workshop:prefix", "Value": "b"}])
    _as(credentials, "ec2").delete_security_group(GroupId=mine)  # the tag now matches the condition


def test_disassociate_route_table_is_evaluated_on_the_associations_route_table_and_its_tags():
    """EC2's DisassociateRouteTable names only the association; IAM evaluates it on the route table (Service
    Authorization Reference, Amazon EC2: DisassociateRouteTable, resource type route-table), so a participant whose
    policy allows it on their tagged route tables may undo their own association (notebook 05 in an account without a
    default VPC) and not another's. moto keeps a table's associations apart from its public list of them."""
    ec2 = sandbox_client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.77.1.0/24")["Subnet"]["SubnetId"]
    tables = {}
    for owner in ("mine", "theirs"):
        table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.create_tags(Resources=[table], Tags=[{"Key": "workshop:prefix", "Value": owner}])
        tables[owner] = table
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "ec2:DisassociateRouteTable",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:ResourceTag/workshop:prefix": "mine"}},
            }
        ],
    }
    _, credentials = _user(policy)
    theirs = ec2.associate_route_table(RouteTableId=tables["theirs"], SubnetId=subnet)["AssociationId"]
    error = _error(lambda: _as(credentials, "ec2").disassociate_route_table(AssociationId=theirs))
    assert error["code"] == "UnauthorizedOperation"
    assert f"on resource: arn:aws:ec2:{REGION}:{ACCOUNT}:route-table/{tables['theirs']}" in error["message"]
    ec2.disassociate_route_table(AssociationId=theirs)
    mine = ec2.associate_route_table(RouteTableId=tables["mine"], SubnetId=subnet)["AssociationId"]
    _as(credentials, "ec2").disassociate_route_table(AssociationId=mine)  # allowed: the table carries their tag
    for table in tables.values():
        ec2.delete_route_table(RouteTableId=table)
    ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc)


def test_query_protocols_refuse_with_access_denied_and_sns_with_authorization_error():
    name, credentials = _user()
    iam_error = _error(lambda: _as(credentials, "iam").get_role(RoleName="anything"))
    assert (iam_error["code"], iam_error["status"]) == ("AccessDenied", 403)
    assert f"user/{name} is not authorized to perform: iam:GetRole on resource: " in iam_error["message"]
    sns_error = _error(lambda: _as(credentials, "sns").create_topic(Name="t"))
    assert (sns_error["code"], sns_error["status"]) == ("AuthorizationError", 403)
    assert f"sns:CreateTopic on resource: arn:aws:sns:{REGION}:{ACCOUNT}:t " in sns_error["message"]


def test_an_operation_the_sandbox_has_no_row_for_is_refused_naming_it():
    _, credentials = _user(policy=_allow("codecommit:ListApprovalRuleTemplates", "*"))
    error = _error(lambda: _as(credentials, "codecommit").list_approval_rule_templates())
    assert error["code"] == "AccessDeniedException"
    assert "does not evaluate codecommit:ListApprovalRuleTemplates for IAM users" in error["message"]


def test_an_assumed_roles_session_is_evaluated_with_the_roles_policies_and_boundary():
    iam = sandbox_client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}
        ],
    }
    boundary = iam.create_policy(
        PolicyName=unique("boundary"), PolicyDocument=json.dumps(_allow("codepipeline:GetPipeline", "*"))
    )["Policy"]["Arn"]
    role = unique("role")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust), PermissionsBoundary=boundary)
    both = ["codepipeline:GetPipeline", "codepipeline:ListPipelineExecutions"]
    iam.put_role_policy(RoleName=role, PolicyName="p", PolicyDocument=json.dumps(_allow(both, "*")))  # type: ignore[arg-type]
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/{role}"
    _, assumer = _user(_allow("sts:AssumeRole", role_arn))  # the root user may not assume roles
    answer = _as(assumer, "sts").assume_role(RoleArn=role_arn, RoleSessionName="session")
    keys = answer["Credentials"]
    session = boto3.client(
        "codepipeline",
        endpoint_url=process.endpoint(),
        region_name=REGION,
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys["SessionToken"],
    )
    assert _error(lambda: session.get_pipeline(name="p"))["code"] == "PipelineNotFoundException"
    error = _error(lambda: session.list_pipeline_executions(pipelineName="p"))  # allowed, but not by the boundary
    assert error["code"] == "AccessDeniedException"
    assert error["message"].startswith(f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{role}/session is not authorized")


def test_assume_role_needs_the_trust_policy_too_and_the_root_user_may_not():
    """A role's trust policy must admit the caller even in its own account; one naming the account delegates to the
    caller's identity policy; the root user is refused ("Roles may not be assumed by root accounts.", the answer AWS
    STS gives to root credentials)."""
    iam = sandbox_client("iam")
    role = unique("role")
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/{role}"
    only_ecs = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(only_ecs))
    name, keys = _user(_allow("sts:AssumeRole", role_arn))
    error = _error(lambda: _as(keys, "sts").assume_role(RoleArn=role_arn, RoleSessionName="session"))
    assert (error["code"], error["status"]) == ("AccessDenied", 403)
    assert error["message"] == (
        f"User: arn:aws:iam::{ACCOUNT}:user/{name} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
    )
    error = _error(lambda: sandbox_client("sts").assume_role(RoleArn=role_arn, RoleSessionName="session"))
    assert (error["code"], error["message"]) == ("AccessDenied", "Roles may not be assumed by root accounts.")
    # A trust policy naming the user itself admits them; one naming the account needs their identity policy too.
    names_user = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/{name}"}, "Action": "sts:AssumeRole"}
        ],
    }
    iam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(names_user))
    assert _as(keys, "sts").assume_role(RoleArn=role_arn, RoleSessionName="session")["Credentials"]["AccessKeyId"]


class _Request:
    """A request as moto's response parsed it, for the table alone: every parameter present."""

    LISTS = frozenset(
        {"services", "clusters", "names", "ids", "repositoryNames", "capacityProviders", "taskDefinitions"}
    )

    def __init__(self) -> None:
        self.querystring: dict[str, list[str]] = {}
        self.headers: dict[str, str] = {}
        self.method = "POST"

    def _get_param(self, name: str, default=None):
        if name in self.LISTS:
            return ["example"]
        if name == "pipeline":
            return {"name": "example"}
        if name.endswith("Arn") or name.endswith("ARN"):
            return f"arn:aws:example:{REGION}:{ACCOUNT}:example/example"
        if name in ("tags", "Tags"):
            return None
        return "example"


def test_every_operation_the_kit_calls_has_a_row_naming_its_own_action():
    """A participant's notebook never meets "the sandbox does not evaluate": every boto3 operation the kit
    calls (helpers.permissions.KIT_OPERATIONS, which a scan of helpers/ and the notebooks keeps complete)
    has a row, and the row evaluates the action the permission list grants for it."""
    from helpers.permissions.operations import KIT_OPERATIONS, _service_names, operation_actions
    from localaws.iam_enforcement import actions

    missing = []
    for service, operations in KIT_OPERATIONS.items():
        if service == "s3":
            continue  # S3's action comes from the method and subresource (test_managed_and_group_... and the flows)
        prefix, names = _service_names(service)
        for operation in operations:
            request = actions.Request(_Request(), prefix, names[operation], REGION, ACCOUNT, "aws")
            try:
                evaluated = {action for action, _, _ in actions.checks_for(request, "")}
            except actions.NotInTable:
                missing.append(f"{service}.{operation}")
                continue
            assert set(operation_actions(service, operation)) <= evaluated | {""}, (service, operation, evaluated)
    assert missing == []
