"""Contract tests for the sandbox's CodeBuild: builds that really run their buildspec, through boto3
and the AWS CLI."""

from __future__ import annotations

import base64
import json
import time

import pytest
from botocore.exceptions import ClientError

from tests.helpers_for_tests import (
    assert_matches_output_shape,
    aws_cli,
    cli_json,
    sandbox_client,
    sandbox_environment,
    unique,
    wait_for_iam_propagation,
)

ROLE = "arn:aws:iam::123456789012:role/build-role"
ENVIRONMENT = {
    "type": "LINUX_CONTAINER",
    "image": "aws/codebuild/standard:7.0",
    "computeType": "BUILD_GENERAL1_SMALL",
    "environmentVariables": [
        {"name": "FROM_PROJECT", "value": "project", "type": "PLAINTEXT"},
        {"name": "OVERRIDDEN", "value": "project", "type": "PLAINTEXT"},
    ],
}

SPEC = """
version: 0.2
env:
  variables:
    FROM_BUILDSPEC: buildspec
phases:
  install:
    commands:
      - GREETING=kept-between-phases
  pre_build:
    commands:
      - echo "id=$CODEBUILD_BUILD_ID initiator=$CODEBUILD_INITIATOR number=$CODEBUILD_BUILD_NUMBER"
  build:
    commands:
      - echo "greeting=$GREETING project=$FROM_PROJECT override=$OVERRIDDEN spec=$FROM_BUILDSPEC"
      - echo "$GREETING" > out.txt
      - {failing}
  post_build:
    commands:
      - echo "post_build ran, succeeding=$CODEBUILD_BUILD_SUCCEEDING"
artifacts:
  files:
    - out.txt
"""


@pytest.fixture(scope="module", autouse=True)
def build_role():
    """The service role the projects name: CodeBuild may assume it, and it may write the builds' logs and
    use S3 (the sandbox enforces both, as AWS does)."""
    iam = sandbox_client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    try:
        iam.create_role(RoleName="build-role", AssumeRolePolicyDocument=json.dumps(trust))
    except iam.exceptions.EntityAlreadyExistsException:
        pass
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": "arn:aws:logs:*:123456789012:log-group:/aws/codebuild/*",
            },
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::*/*"},
        ],
    }
    iam.put_role_policy(RoleName="build-role", PolicyName="builds", PolicyDocument=json.dumps(policy))
    wait_for_iam_propagation()  # CodeBuild refuses a role it cannot assume yet, as on AWS


def wait(build_id: str, timeout: float = 60) -> dict:
    codebuild = sandbox_client("codebuild")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        build = codebuild.batch_get_builds(ids=[build_id])["builds"][0]
        if build["buildComplete"]:
            return build
        time.sleep(0.1)
    raise AssertionError(f"build {build_id} did not finish")


def log_text(build: dict) -> str:
    events = sandbox_client("logs").get_log_events(
        logGroupName=build["logs"]["groupName"], logStreamName=build["logs"]["streamName"]
    )["events"]
    return "\n".join(e["message"] for e in events)


@pytest.fixture
def project():
    """A NO_SOURCE project with an inline buildspec and S3 artifacts."""
    name = unique("cb")
    bucket = unique("cb-artifacts")
    sandbox_client("s3").create_bucket(Bucket=bucket)

    def make(failing: str = "echo fine") -> str:
        sandbox_client("codebuild").create_project(
            name=name,
            source={"type": "NO_SOURCE", "buildspec": SPEC.replace("{failing}", failing)},
            artifacts={"type": "S3", "location": bucket, "name": "result.zip"},
            environment=ENVIRONMENT,
            serviceRole=ROLE,
        )
        return name

    make.bucket = bucket  # type: ignore[attr-defined]
    yield make
    try:
        sandbox_client("codebuild").delete_project(name=name)
    except ClientError:
        pass


def test_a_build_runs_its_phases_with_the_documented_variables(project):
    codebuild = sandbox_client("codebuild")
    name = project()
    started = codebuild.start_build(
        projectName=name,
        environmentVariablesOverride=[{"name": "OVERRIDDEN", "value": "override", "type": "PLAINTEXT"}],
    )
    assert_matches_output_shape(codebuild, "StartBuild", started)
    build = wait(started["build"]["id"])
    assert_matches_output_shape(codebuild, "BatchGetBuilds", {"builds": [build], "buildsNotFound": []})
    assert build["buildStatus"] == "SUCCEEDED", (build["phases"], log_text(build))
    phases = [(p["phaseType"], p.get("phaseStatus")) for p in build["phases"]]
    assert phases[:11] == [
        ("SUBMITTED", "SUCCEEDED"),
        ("QUEUED", "SUCCEEDED"),
        ("PROVISIONING", "SUCCEEDED"),
        ("DOWNLOAD_SOURCE", "SUCCEEDED"),
        ("INSTALL", "SUCCEEDED"),
        ("PRE_BUILD", "SUCCEEDED"),
        ("BUILD", "SUCCEEDED"),
        ("POST_BUILD", "SUCCEEDED"),
        ("UPLOAD_ARTIFACTS", "SUCCEEDED"),
        ("FINALIZING", "SUCCEEDED"),
        ("COMPLETED", None),
    ]
    text = log_text(build)
    assert "greeting=kept-between-phases project=project override=override spec=buildspec" in text
    assert f"id={build['id']} initiator=moto number=1" in text
    assert "post_build ran, succeeding=1" in text
    assert build["artifacts"]["location"].endswith(f"{project.bucket}/result.zip")
    body = sandbox_client("s3").get_object(Bucket=project.bucket, Key="result.zip")["Body"].read()
    assert body[:2] == b"PK"  # a zip


PHASES_GUIDE = "https://docs.aws.amazon.com/codebuild/latest/userguide/view-build-details-phases.html"
BUILDSPEC_REFERENCE = "https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html"
VARIABLES_GUIDE = "https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-env-vars.html"


def _phases(build: dict) -> list[tuple[str, str | None]]:
    return [(p["phaseType"], p.get("phaseStatus")) for p in build["phases"]][4:]  # after DOWNLOAD_SOURCE


def test_a_failing_command_fails_its_phase_and_post_build_and_the_upload_still_run(project):
    """PHASES_GUIDE: a failed BUILD goes on to POST_BUILD, and "The UPLOAD_ARTIFACTS phase is always attempted,
    even if the BUILD phase fails"; the build ends FAILED."""
    name = project(failing="exit 7")
    build = wait(sandbox_client("codebuild").start_build(projectName=name)["build"]["id"])
    assert build["buildStatus"] == "FAILED"
    phase = next(p for p in build["phases"] if p["phaseType"] == "BUILD")
    assert phase["phaseStatus"] == "FAILED"
    assert phase["contexts"][0]["statusCode"] == "COMMAND_EXECUTION_ERROR"
    assert "exit status 7" in phase["contexts"][0]["message"]
    assert "post_build ran, succeeding=0" in log_text(build)
    assert _phases(build)[-5:] == [
        ("BUILD", "FAILED"),
        ("POST_BUILD", "SUCCEEDED"),
        ("UPLOAD_ARTIFACTS", "SUCCEEDED"),
        ("FINALIZING", "SUCCEEDED"),
        ("COMPLETED", None),
    ]
    body = sandbox_client("s3").get_object(Bucket=project.bucket, Key="result.zip")["Body"].read()
    assert body[:2] == b"PK"  # what the failed build made is uploaded


def _inline(name: str, spec: str, **extra: object) -> str:
    sandbox_client("codebuild").create_project(
        name=name,
        source={"type": "NO_SOURCE", "buildspec": spec},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={**ENVIRONMENT, **extra},
        serviceRole=ROLE,
    )
    return name


def test_a_failed_install_skips_to_finalizing(project):
    """PHASES_GUIDE: INSTALL and PRE_BUILD failures go straight to FINALIZING (no build, no upload)."""
    spec = (
        "version: 0.2\nphases:\n  install:\n    commands:\n      - exit 1\n  build:\n    commands:\n      - echo no\n"
    )
    build = wait(sandbox_client("codebuild").start_build(projectName=_inline(unique("cbi"), spec))["build"]["id"])
    assert _phases(build) == [("INSTALL", "FAILED"), ("FINALIZING", "SUCCEEDED"), ("COMPLETED", None)]


def test_on_failure_continue_runs_the_next_phases_and_abort_runs_none(project):
    """BUILDSPEC_REFERENCE: on-failure CONTINUE goes on to the next phase, ABORT stops the build; either way the
    build FAILED; finally runs after the phase's commands even when one fails."""
    spec = (
        "version: 0.2\nphases:\n  install:\n    on-failure: CONTINUE\n    commands:\n      - exit 1\n"
        "    finally:\n      - echo finally-of-install\n"
        "  build:\n    commands:\n      - echo build-ran\n"
    )
    build = wait(sandbox_client("codebuild").start_build(projectName=_inline(unique("cbc"), spec))["build"]["id"])
    assert build["buildStatus"] == "FAILED"
    assert _phases(build)[:4] == [
        ("INSTALL", "FAILED"),
        ("PRE_BUILD", "SUCCEEDED"),
        ("BUILD", "SUCCEEDED"),
        ("POST_BUILD", "SUCCEEDED"),
    ]
    text = log_text(build)
    assert "finally-of-install" in text and "build-ran" in text
    aborting = spec.replace("CONTINUE", "ABORT")
    build = wait(sandbox_client("codebuild").start_build(projectName=_inline(unique("cba"), aborting))["build"]["id"])
    assert _phases(build) == [("INSTALL", "FAILED"), ("FINALIZING", "SUCCEEDED"), ("COMPLETED", None)]


def test_documented_variables_project_arn_and_no_resolved_version_without_a_source(project):
    """VARIABLES_GUIDE: CODEBUILD_PROJECT_ARN is set; CODEBUILD_RESOLVED_SOURCE_VERSION only where there is a
    source revision (a NO_SOURCE build has none, as a build whose input is another build's artifact)."""
    spec = (
        "version: 0.2\nphases:\n  build:\n    commands:\n"
        '      - echo "arn=$CODEBUILD_PROJECT_ARN resolved=${CODEBUILD_RESOLVED_SOURCE_VERSION-unset}"\n'
    )
    name = _inline(unique("cbv"), spec)
    build = wait(sandbox_client("codebuild").start_build(projectName=name)["build"]["id"])
    assert f"arn=arn:aws:codebuild:us-east-1:123456789012:project/{name} resolved=unset" in log_text(build)


def test_parameter_store_values_are_read_with_the_build_role(project):
    """VARIABLES_GUIDE / buildspec env parameter-store: CodeBuild reads them with the service role, which needs
    ssm:GetParameters; the build role here has none, so PROVISIONING fails with the role's refusal."""
    sandbox_client("ssm").put_parameter(Name=unique("/cb/secret"), Value="s3cret", Type="SecureString")
    secret = sandbox_client("ssm").describe_parameters()["Parameters"][-1]["Name"]
    spec = 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo "len=${#SECRET}"\n'
    name = _inline(
        unique("cbp"), spec, environmentVariables=[{"name": "SECRET", "value": secret, "type": "PARAMETER_STORE"}]
    )
    build = wait(sandbox_client("codebuild").start_build(projectName=name)["build"]["id"])
    provisioning = next(p for p in build["phases"] if p["phaseType"] == "PROVISIONING")
    assert provisioning["phaseStatus"] == "FAILED"
    assert "Decrypted Variables Error" in provisioning["contexts"][0]["message"]
    assert "ssm:GetParameters" in provisioning["contexts"][0]["message"]


def test_stop_build(project):
    codebuild = sandbox_client("codebuild")
    name = project(failing="sleep 30")
    build_id = codebuild.start_build(projectName=name)["build"]["id"]
    time.sleep(1)
    stopped = codebuild.stop_build(id=build_id)
    assert_matches_output_shape(codebuild, "StopBuild", stopped)
    assert wait(build_id, 20)["buildStatus"] == "STOPPED"


def test_listing_builds(project):
    codebuild = sandbox_client("codebuild")
    name = project()
    first = codebuild.start_build(projectName=name)["build"]["id"]
    second = codebuild.start_build(projectName=name)["build"]["id"]
    wait(first), wait(second)
    listed = codebuild.list_builds_for_project(projectName=name)
    assert_matches_output_shape(codebuild, "ListBuildsForProject", listed)
    assert listed["ids"] == [second, first]
    assert {first, second} <= set(codebuild.list_builds()["ids"])
    missing = codebuild.batch_get_builds(ids=[first, f"{name}:nope"])
    assert missing["buildsNotFound"] == [f"{name}:nope"]


def test_codepipeline_projects_need_no_location_and_cannot_be_started_directly():
    codebuild = sandbox_client("codebuild")
    name = unique("cbp")
    created = codebuild.create_project(
        name=name,
        source={"type": "CODEPIPELINE", "buildspec": "buildspec.yml"},
        artifacts={"type": "CODEPIPELINE"},
        environment=ENVIRONMENT,
        serviceRole=ROLE,
    )
    assert_matches_output_shape(codebuild, "CreateProject", created)
    with pytest.raises(ClientError) as excinfo:
        codebuild.start_build(projectName=name)
    assert excinfo.value.response["Error"]["Code"] == "InvalidInputException"
    updated = codebuild.update_project(name=name, description="changed")
    assert updated["project"]["description"] == "changed"
    codebuild.delete_project(name=name)


def test_a_codecommit_source_builds_the_branch_head():
    codecommit, codebuild = sandbox_client("codecommit"), sandbox_client("codebuild")
    repo = unique("cbsrc")
    location = codecommit.create_repository(repositoryName=repo)["repositoryMetadata"]["cloneUrlHttp"]
    commit = codecommit.put_file(
        repositoryName=repo,
        branchName="master",
        filePath="buildspec.yml",
        fileContent=b"version: 0.2\nphases:\n  build:\n    commands:\n"
        b"      - echo resolved=$CODEBUILD_RESOLVED_SOURCE_VERSION\n",
    )["commitId"]
    name = unique("cbcc")
    codebuild.create_project(
        name=name,
        source={"type": "CODECOMMIT", "location": location},
        artifacts={"type": "NO_ARTIFACTS"},
        environment=ENVIRONMENT,
        serviceRole=ROLE,
    )
    # The build's role clones the repository: without codecommit:GitPull on it the source cannot be downloaded.
    refused = wait(codebuild.start_build(projectName=name, sourceVersion="master")["build"]["id"])
    assert refused["buildStatus"] == "FAILED"
    download = next(p for p in refused["phases"] if p["phaseType"] == "DOWNLOAD_SOURCE")
    assert download["phaseStatus"] == "FAILED"
    assert download["contexts"][0]["statusCode"] == "CLIENT_ERROR"
    assert "authorization failed for primary source" in download["contexts"][0]["message"]

    iam, arn = sandbox_client("iam"), codecommit.get_repository(repositoryName=repo)["repositoryMetadata"]["Arn"]
    pull = {"Effect": "Allow", "Action": "codecommit:GitPull", "Resource": arn}
    iam.put_role_policy(
        RoleName=ROLE.rsplit("/", 1)[-1],
        PolicyName=f"pull-{repo}",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [pull]}),
    )
    try:
        wait_for_iam_propagation()
        build = wait(codebuild.start_build(projectName=name, sourceVersion="master")["build"]["id"])
    finally:
        iam.delete_role_policy(RoleName=ROLE.rsplit("/", 1)[-1], PolicyName=f"pull-{repo}")
    assert build["buildStatus"] == "SUCCEEDED"
    assert build["resolvedSourceVersion"] == commit
    assert f"resolved={commit}" in log_text(build)


def test_builds_through_the_cli(project):
    name = project()
    build_id = cli_json("codebuild", "start-build", "--project-name", name)["build"]["id"]
    wait(build_id)
    described = cli_json("codebuild", "batch-get-builds", "--ids", build_id)
    assert described["builds"][0]["buildStatus"] == "SUCCEEDED"
    assert cli_json("codebuild", "list-builds-for-project", "--project-name", name)["ids"] == [build_id]
    stopped = aws_cli("codebuild", "stop-build", "--id", build_id)
    assert json.loads(stopped.stdout)["build"]["buildStatus"] == "SUCCEEDED"  # already finished: unchanged


def test_the_docker_stand_in_needs_a_login_and_an_existing_repository(tmp_path, monkeypatch):
    from localaws.buildtools import docker

    for key, value in sandbox_environment("us-east-1").items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SANDBOX_DOCKER_HOME", str(tmp_path / "docker"))
    (tmp_path / "Dockerfile").write_text(
        'FROM public.ecr.aws/docker/library/node:20-alpine\nWORKDIR /app\nCOPY app.js ./\nCMD ["node", "app.js"]\n'
    )
    (tmp_path / "app.js").write_text("console.log('hi')\n")
    uri = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{unique('nope')}:v1"
    assert docker.main(["build", "--tag", uri, str(tmp_path)]) == 0
    assert docker.main(["push", uri]) == 1  # not logged in
    registry = uri.split("/")[0]
    # ECR checks the token: a made-up password is refused as docker reports it; get-login-password's is accepted
    assert docker.main(["login", "--username", "AWS", "--password", "token", registry]) == 1
    assert docker.main(["push", uri]) == 1  # still not logged in
    token = sandbox_client("ecr").get_authorization_token()["authorizationData"][0]["authorizationToken"]
    user, password = base64.b64decode(token).decode().split(":", 1)
    assert docker.main(["login", "--username", "Admin", "--password", password, registry]) == 1
    assert docker.main(["login", "--username", user, "--password", password, registry]) == 0
    assert docker.main(["push", uri]) == 1  # the repository does not exist
    repository = uri.split("/", 1)[1].split(":")[0]
    sandbox_client("ecr").create_repository(repositoryName=repository)
    assert docker.main(["push", uri]) == 0
    image = sandbox_client("ecr").describe_images(repositoryName=repository)["imageDetails"][0]
    assert image["imageTags"] == ["v1"]


def test_a_build_record_is_answered_as_one_snapshot():
    """The build's thread completes its record while requests read it (CI once saw ``buildComplete``
    true with ``buildStatus`` IN_PROGRESS): every answer is a copy taken in one step, so a later change
    to the live record never shows half-applied in a response already taken."""
    from localaws.services.codebuild.models import RunningCodeBuildBackend

    backend = RunningCodeBuildBackend("us-east-1", "123456789012")
    live = {
        "id": "p:1",
        "buildStatus": "IN_PROGRESS",
        "buildComplete": False,
        "phases": [{"phaseType": "BUILD"}],
    }
    backend.builds["p:1"] = live
    [answer] = backend.batch_get_builds(["p:1"])
    live["phases"][0]["phaseStatus"] = "SUCCEEDED"
    live.update(buildStatus="SUCCEEDED", buildComplete=True)
    assert (answer["buildStatus"], answer["buildComplete"]) == ("IN_PROGRESS", False)
    assert "phaseStatus" not in answer["phases"][0]
    assert backend.batch_get_builds(["p:1"])[0]["buildStatus"] == "SUCCEEDED"
