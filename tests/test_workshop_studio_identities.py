"""The Workshop Studio variant on the sandbox (issue 21, items 2 and 3): ``event start --workshop-studio`` makes each
participant an IAM role of their own, in an AWS account of their own, carrying the Studio policy; their profile
assumes it, their notebooks run 00 -> 05 as a session of that role in that account (git, ECR, pipelines, builds, ECS),
another participant's session is refused on their resources with AWS's message and does not see them (another
account's repository does not exist in theirs), and ``event cleanup`` removes the roles and policies only. The
statements the run proves needed are printed as a table.

AWS semantics pinned: an assumed role's session is named ``arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION``, without
the role's path, in GetCallerIdentity and in refusals (IAM User Guide, IAM identifiers, "Unique identifiers" and
the assumed-role example; Troubleshoot access denied error messages); a policy variable may stand only after an
ARN's fifth colon (IAM User Guide, IAM policy elements: Variables and tags, "Where you can use policy variables").
"""

from __future__ import annotations

import configparser
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote

import pytest

from helpers import setup
from helpers.__main__ import main
from helpers.core.state import load_state
from helpers.event.names import load_record
from helpers.event.status import event_status
from helpers.event.studio_roles import participant_accounts, studio_role
from helpers.permissions import permissions_check, required_actions
from helpers.permissions.studio import variable_before_fifth_colon
from localaws import api as process
from tests.helpers_for_tests import REGION, git_refs_status, sandbox_client, unique
from tests.iam_usage import (
    advanced_module_statements,
    attached_documents,
    identity_usage,
    participant_credentials,
    refusal,
    remove_each_proven_statement,
    signed_as,
)

#: The instructor's account: the sandbox's default one, whose root user the kit's own keys are.
ACCOUNT = "123456789012"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def _event_quota():
    """An event raises the new account's CodeBuild quota first, as the plan tells an instructor to."""
    process.configure_account({"codebuild_concurrency": 20})
    yield
    process.reset_account()


@pytest.fixture(scope="module")
def event(_event_quota):
    name = unique("ws")[:12]
    assert main(["event", "start", "--event", name, "--participants", "2", "--workshop-studio", "--json"]) == 0
    yield name
    main(["event", "cleanup", "--event", name, "--json"])


def _account(prefix: str) -> str:
    """The participant's own account, as the event's record has it."""
    record = load_record(prefix.rsplit("-", 1)[0])
    assert record is not None
    return record.accounts[prefix]


def _session_arn(prefix: str) -> str:
    return f"arn:aws:sts::{_account(prefix)}:assumed-role/{prefix}/{prefix}"


def _role_documents(prefix: str) -> list[dict]:
    return [document for _, _, document in attached_documents("role", prefix, _account(prefix))]


def test_each_participant_is_a_role_their_profile_assumes(event, capsys):
    first, second = f"{event}-01", f"{event}-02"
    # Each participant has an account of their own, recorded with the event and derived from it stably; neither is
    # the instructor's, and a session of their role acts in it (GetCallerIdentity's Account).
    accounts = load_record(event).accounts
    assert accounts == participant_accounts(event, [first, second], ACCOUNT)
    assert len({ACCOUNT, *accounts.values()}) == 3 and all(len(a) == 12 and a.isdigit() for a in accounts.values())
    assert sandbox_client("sts").get_caller_identity()["Account"] == ACCOUNT
    for prefix in (first, second):
        identity = signed_as(participant_credentials(capsys, event, prefix), "sts").get_caller_identity()
        assert identity["Account"] == accounts[prefix]
    with pytest.raises(sandbox_client("iam").exceptions.NoSuchEntityException):  # not in the instructor's account
        sandbox_client("iam").get_role(RoleName=first)
    credentials = participant_credentials(capsys, event, first)
    role_arn = f"arn:aws:iam::{accounts[first]}:role/workshop/{event}/{first}"
    assert credentials["role_arn"] == role_arn
    assert credentials["access_key_id"].startswith("ASIA") and credentials["session_token"]
    assert signed_as(credentials, "sts").get_caller_identity()["Arn"] == _session_arn(first)
    # The profile is an assume-role profile, as the AWS CLI reads one: role_arn + source_profile.
    config = configparser.ConfigParser()
    config.read(credentials["config_file"])
    section = config[f"profile {first}"]
    assert (section["role_arn"], section["source_profile"]) == (role_arn, credentials["source_profile"])
    assert "aws_access_key_id" not in section
    assert section["duration_seconds"] == "43200"  # a workshop day; the role's MaxSessionDuration allows it
    own_iam = sandbox_client("iam", account=accounts[first])
    assert own_iam.get_role(RoleName=first)["Role"]["MaxSessionDuration"] == 43200
    # The real AWS CLI resolves the same profile itself (AssumeRole with the source profile's keys, at the sandbox).
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_CONFIG_FILE": credentials["config_file"], "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"})
    cli = Path(sys.executable).with_name("aws")
    done = subprocess.run(
        [str(cli), "--profile", first, "sts", "get-caller-identity", "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Arn"] == _session_arn(first)
    assert load_state(first).settings.profile == first
    workshop = setup.open_workshop(first, expect_resources=False)
    assert workshop.client("sts").get_caller_identity()["Arn"] == _session_arn(first)
    # The preflight asks the simulator about the participant's role, with aws:PrincipalAccount in the context.
    check = permissions_check(workshop.state)
    assert (check.status, check.detail) == ("ok", f"all {len(required_actions())} actions the kit calls are allowed")
    iam = own_iam
    role = iam.get_role(RoleName=first)["Role"]
    trust = role["AssumeRolePolicyDocument"]
    trust = trust if isinstance(trust, dict) else json.loads(unquote(trust))
    assert trust["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert {"Key": "workshop:event", "Value": event} in iam.list_role_tags(RoleName=first)["Tags"]
    text = ""
    for document in _role_documents(first):
        text += json.dumps(document)
        for statement in document["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            assert actions and not any("*" in a for a in actions)
            assert not any(variable_before_fifth_colon(r) for r in resources), statement
    assert "${aws:PrincipalAccount}" in text  # in the bucket's name, after the fifth colon
    assert studio_role(event, f"{event}-02") is not None
    # Another participant's session may not become this one: its policy grants no sts:AssumeRole.
    intruder = participant_credentials(capsys, event, second)
    code, message = refusal(
        lambda: signed_as(intruder, "sts").assume_role(RoleArn=role_arn, RoleSessionName="intruder")
    )
    assert (code, message) == (
        "AccessDenied",
        f"User: {_session_arn(second)} is not authorized to perform: sts:AssumeRole on resource: {role_arn} "
        "because no identity-based policy allows the sts:AssumeRole action",
    )


def test_notebooks_00_to_05_as_the_assumed_role_and_another_participant_refused(event, capsys, tmp_path):
    from helpers.event.rehearse import run_participant

    first, second = f"{event}-01", f"{event}-02"
    process.iam_usage(reset=True)
    timings = run_participant(
        first,
        [
            "00-setup.ipynb",
            "01-prerequisites.ipynb",
            "02-build-projects.ipynb",
            "03-pipelines.ipynb",
            "04-test-the-pipeline.ipynb",
        ],
        tmp_path,
    )
    # The instructor's `event status` reads the participant's resources in their own account (as its root user).
    watched = {p["prefix"]: p for p in event_status(event)["participants"]}
    assert (watched[first]["step"], watched[first].get("error")) == ("04-test-the-pipeline", None), watched[first]
    names = setup.open_workshop(first).names
    intruder = participant_credentials(capsys, event, second)
    intruder_arn = _session_arn(second)
    bucket = names.artifact_bucket
    code, message = refusal(lambda: signed_as(intruder, "s3").put_object(Bucket=bucket, Key="x", Body=b"x"))
    assert (code, message) == (
        "AccessDenied",
        f"User: {intruder_arn} is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::{bucket}/x "
        "because no identity-based policy allows the s3:PutObject action",
    )
    cluster, service = names.cluster("dev"), names.service("dev")
    code, message = refusal(
        lambda: signed_as(intruder, "ecs").update_service(cluster=cluster, service=service, desiredCount=0)
    )
    assert (code, message) == (
        "AccessDeniedException",
        f"User: {intruder_arn} is not authorized to perform: ecs:UpdateService on resource: "
        f"arn:aws:ecs:{REGION}:{_account(second)}:service/{cluster}/{service} because no identity-based policy allows "
        "the ecs:UpdateService action",
    )
    groups = sandbox_client("ec2", account=_account(first)).describe_security_groups(
        Filters=[{"Name": "tag:workshop:prefix", "Values": [first]}]
    )["SecurityGroups"]
    group = groups[0]["GroupId"]
    code, message = refusal(lambda: signed_as(intruder, "ec2").delete_security_group(GroupId=group))
    assert code == "UnauthorizedOperation"
    assert f"User: {intruder_arn} is not authorized to perform: ec2:DeleteSecurityGroup on resource: " in message
    pipeline = names.pipeline("dev")
    _pipeline_page_is_the_accounts(pipeline, _account(first), _account(second))
    code, message = refusal(lambda: signed_as(intruder, "codepipeline").start_pipeline_execution(name=pipeline))
    assert (code, message) == (
        "AccessDeniedException",
        f"User: {intruder_arn} is not authorized to perform: codepipeline:StartPipelineExecution on resource: "
        f"arn:aws:codepipeline:{REGION}:{_account(second)}:{pipeline} because no identity-based policy allows the "
        "codepipeline:StartPipelineExecution action",
    )
    owner = participant_credentials(capsys, event, first)
    _another_account_has_not_the_repository(names.repository, owner, intruder, _account(first), _account(second))
    codepipeline = signed_as(owner, "codepipeline")
    assert codepipeline.get_pipeline_state(name=pipeline)["stageStates"]
    # A stage retry (notebook 04 retries only a build CodeBuild's quota refused): IAM allows it on the stage's ARN
    # before CodePipeline finds nothing to retry in a stage that succeeded.
    execution = codepipeline.list_pipeline_executions(pipelineName=pipeline)["pipelineExecutionSummaries"][0]
    code, _ = refusal(
        lambda: codepipeline.retry_stage_execution(
            pipelineName=pipeline,
            stageName="Build",
            pipelineExecutionId=execution["pipelineExecutionId"],
            retryMode="FAILED_ACTIONS",
        )
    )
    assert code in ("StageNotRetryableException", "NotLatestPipelineExecutionException"), code
    timings.update(run_participant(first, ["05-cleanup.ipynb"], tmp_path))
    print("seconds per notebook (Workshop Studio role):", {k: round(v, 1) for k, v in timings.items()})
    _statements_proven(first)


def _another_account_has_not_the_repository(
    repository: str, owner: dict, intruder: dict, own_account: str, their_account: str
) -> None:
    """The first participant's repository is in their account only: the second's account lists none of that name and
    CodeCommit answers for it as for any name the account has no repository of (even to the account's root user, whom
    IAM does not limit); the second's session is refused by IAM on the ARN in their own account (a CodeCommit call
    names a repository, never an account); and the git endpoint, which finds a repository in the account of the
    credentials, has none at that clone URL for theirs."""
    own, theirs = sandbox_client("codecommit", account=own_account), sandbox_client("codecommit", account=their_account)
    assert repository in [r["repositoryName"] for r in own.list_repositories()["repositories"]]
    assert repository not in [r["repositoryName"] for r in theirs.list_repositories()["repositories"]]
    assert refusal(lambda: theirs.get_repository(repositoryName=repository)) == (
        "RepositoryDoesNotExistException",
        f"{repository} does not exist",
    )
    assert refusal(lambda: signed_as(intruder, "codecommit").get_repository(repositoryName=repository)) == (
        "AccessDeniedException",
        f"User: {_session_arn(intruder['prefix'])} is not authorized to perform: codecommit:GetRepository on "
        f"resource: arn:aws:codecommit:{REGION}:{their_account}:{repository} because no identity-based policy allows "
        "the codecommit:GetRepository action",
    )
    clone_url = own.get_repository(repositoryName=repository)["repositoryMetadata"]["cloneUrlHttp"]
    assert git_refs_status(clone_url, _git_user(owner)) == 200
    assert git_refs_status(clone_url, _git_user(intruder)) == 404


def _pipeline_page_is_the_accounts(pipeline: str, own_account: str, their_account: str) -> None:
    """The sandbox's pipeline page (the console's, on AWS) shows the participant's pipeline from their account: the
    link the kit prints (no account: the one account that has a pipeline of that name), and the page of their
    account; the other participant's account has no such pipeline."""
    for url in (
        process.pipeline_page_url(REGION, pipeline),
        process.pipeline_page_url(REGION, pipeline, None, own_account),
    ):
        with urllib.request.urlopen(url, timeout=30) as answer:
            assert f"<h1>Pipeline {pipeline}</h1>" in answer.read().decode()
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(process.pipeline_page_url(REGION, pipeline, None, their_account), timeout=30)
    assert missing.value.code == 404


#: Statements the Fargate run 00 -> 05 cannot prove, and why: EC2 capacity only (the Auto Scaling groups, the
#: ECS-optimized AMI's parameter: a Studio role's EC2 run, 00 -> 04, the advanced module and 05, proves them and every
#: other statement in tests/test_modern_deployments.py), and CreateServiceLinkedRole only in an account that has no
#: ECS service-linked role yet (an earlier test on the worker may have made it). The stage retry's (Codepipeline2) is
#: proven by a retry the test asks for.
NOT_PROVEN_ON_FARGATE = {"Autoscaling", "Ssm", "Iam2"}


def _statements_proven(prefix: str) -> None:
    """Used versus granted for the role's session: every statement the run needed alone is proven needed."""
    usage = identity_usage(_session_arn(prefix), _role_documents(prefix))
    print(f"Studio policy: {len(usage.sids)} statements, {len(usage.granted)} actions granted, {len(usage.used)} used")
    print(usage.table())
    print("not proven:", sorted(set(usage.sids) - usage.proven))
    assert usage.used <= usage.granted
    # The refusals allowed: cleanup's listing of every capacity provider, which the scoped policy does not allow (it
    # then looks them up by name), and the preflight's GetRole on the participant's own role, which the policy does
    # not grant (the simulator is then asked about the role's ARN without its path, which the sandbox resolves by name).
    role_arn = f"arn:aws:iam::{_account(prefix)}:role/workshop/{prefix.rsplit('-', 1)[0]}/{prefix}"
    assert set(usage.denied) <= {("ecs:DescribeCapacityProviders", "*"), ("iam:GetRole", role_arn)}
    assert set(usage.sids) - usage.proven <= NOT_PROVEN_ON_FARGATE | advanced_module_statements(_role_documents(prefix))
    assert usage.root  # the test's own admin calls, counted apart from the participant's
    _each_proven_statement_removed_is_refused(prefix, role_arn, usage.statements)


def _each_proven_statement_removed_is_refused(prefix: str, role_arn: str, statements: dict) -> None:
    """Every statement the run proved, removed one at a time: the first request it alone allowed is refused."""
    removed = remove_each_proven_statement("role", prefix, role_arn, statements, _account(prefix))
    print(f"{len(removed)} statements removed one at a time, each refusing the request it alone allowed:")
    print("\n".join(removed))
    assert len(removed) == len([s for s in statements.values() if s["alone"]])


def test_event_cleanup_removes_the_roles_and_policies_and_nothing_else(capsys):
    name = unique("wc")[:12]
    assert main(["event", "start", "--event", name, "--participants", "1", "--workshop-studio", "--json"]) == 0
    instructor, own = sandbox_client("iam"), sandbox_client("iam", account=_account(f"{name}-01"))
    path = f"/workshop/{name}/"
    bystander = unique("bystander")
    nothing = json.dumps({"Version": "2012-10-17", "Statement": []})
    for iam in (instructor, own):
        iam.create_role(RoleName=bystander, AssumeRolePolicyDocument=nothing)
    assert [r["RoleName"] for r in own.list_roles(PathPrefix=path)["Roles"]] == [f"{name}-01"]
    assert instructor.list_roles(PathPrefix=path)["Roles"] == []  # the role is in the participant's account only
    assert [u["UserName"] for u in instructor.list_users(PathPrefix=path)["Users"]] == [f"{name}-studio"]
    assert own.list_policies(Scope="Local", PathPrefix=path)["Policies"]
    assert main(["event", "cleanup", "--event", name, "--json"]) == 0
    for iam in (instructor, own):
        assert iam.list_roles(PathPrefix=path)["Roles"] == []
        assert iam.list_users(PathPrefix=path)["Users"] == []
        assert iam.list_policies(Scope="Local", PathPrefix=path)["Policies"] == []
        assert iam.get_role(RoleName=bystander)["Role"]["RoleName"] == bystander
        iam.delete_role(RoleName=bystander)
    assert studio_role(name, f"{name}-01") is None


def _git_user(credentials: dict) -> str:
    """The user name CodeCommit's credential helper sends for a session: the access key id and the token."""
    return f"{credentials['access_key_id']}%{credentials['session_token']}"
