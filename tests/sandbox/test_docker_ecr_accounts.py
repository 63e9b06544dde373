"""Docker mode (issue 21 with issue 23): each account has a registry of its own behind its ECR, as on AWS, where each
account's registry is its own host, ``<account>.dkr.ecr.<region>.amazonaws.com``: GetAuthorizationToken's
``proxyEndpoint`` and a repository's ``repositoryUri`` name it, and account B's token is refused by account A's
registry (``services/ecr/registry.py``: one ``docker-registry`` per account, on a loopback port of its own, started
when the account first needs it).

- A session of a role in account B gets a token for B's registry; ``docker login`` with it to B's registry succeeds
  and to the default account's is refused, and the default account's token is refused by B's.
- A privileged CodeBuild build in account B (the kit's buildspec) pushes to B's registry; B's DescribeImages answers
  the registry's own digest, and the default account's registry does not have the image.
- An ECS task in account B runs B's image, pulled from B's registry.

Needs the engine and docker-registry (`make docker-engine`; `make test` runs it).
"""

from __future__ import annotations

import base64
import os
import re
import socket
import subprocess
from pathlib import Path

import pytest

from localaws import api
from localaws.buildtools import base_image, engine
from tests.helpers_for_tests import sandbox_client, unique, wait_for, wait_for_iam_propagation
from tests.sandbox.test_accounts import _signed, _trusting, role_session_in_other_account
from tests.sandbox.test_docker_ecr import _build, _registry, build_policy_with_the_kits_ecr_grants
from tests.sandbox.test_docker_tasks import own_sandbox  # noqa: F401 - the fixture

pytestmark = pytest.mark.docker  # Docker mode: `make test` runs these with a Docker-mode sandbox

DEFAULT = "123456789012"
OTHER = "210987654321"


def _address(folder: str) -> str:
    config = Path(os.environ["LOCALAWS_HOME"]) / "data" / folder / "config.yml"
    assert config.exists(), f"no registry's configuration at {config}"
    return re.search(r"addr: (\S+)", config.read_text()).group(1)  # type: ignore[union-attr]


def _password(ecr) -> tuple[str, str]:
    """The password in the caller's ECR token, and the token's proxyEndpoint."""
    data = ecr.get_authorization_token()["authorizationData"][0]
    return base64.b64decode(data["authorizationToken"]).decode().split(":", 1)[1], data["proxyEndpoint"]


def _docker_login(config: Path, address: str, password: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [engine.cli() or "docker", "--config", str(config), "login", "--username", "AWS", "--password-stdin", address],
        input=password,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module", autouse=True)
def docker_mode() -> None:
    if api.status().containers != "docker":
        pytest.fail(f"The session's sandbox runs in process mode. {engine.ENGINE_HINT}", pytrace=False)


@pytest.fixture(scope="module")
def session_in_other_account() -> dict:
    """A session of a role in account B (allowed ECR), assumed by a user of the default account."""
    _, _, session = role_session_in_other_account(unique("xecr"), "ecr:*", wait=wait_for_iam_propagation)
    return dict(session)


@pytest.fixture(scope="module")
def build_role_in_other_account() -> str:
    """A CodeBuild service role in account B with exactly the kit's ECR grants."""
    iam = sandbox_client("iam", account=OTHER)
    trust = _trusting({"Service": "codebuild.amazonaws.com"})
    name = unique("xecr-build")
    arn = str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"])
    iam.put_role_policy(RoleName=name, PolicyName="builds", PolicyDocument=build_policy_with_the_kits_ecr_grants())
    wait_for_iam_propagation()
    return arn


def test_each_account_logs_in_to_its_own_registry_only(session_in_other_account, tmp_path):
    other_password, other_endpoint = _password(_signed("ecr", session_in_other_account))
    default_password, default_endpoint = _password(sandbox_client("ecr"))
    assert other_endpoint == f"https://{OTHER}.dkr.ecr.us-east-1.amazonaws.com"
    assert default_endpoint == f"https://{DEFAULT}.dkr.ecr.us-east-1.amazonaws.com"

    # B's token started B's registry: a host (here a loopback port) of its own.
    other, default = _address(f"registry-{OTHER}"), _address("registry")
    assert other != default
    assert _docker_login(tmp_path, other, other_password).returncode == 0
    refused = _docker_login(tmp_path, default, other_password)
    assert refused.returncode != 0 and "unauthorized" in refused.stderr.lower(), refused.stderr
    assert _docker_login(tmp_path, other, default_password).returncode != 0
    assert _docker_login(tmp_path, default, default_password).returncode == 0
    assert _registry(other, "/v2/", other_password)[0] == 200
    assert _registry(default, "/v2/", other_password)[0] == 401


def test_a_build_in_another_account_pushes_to_its_registry_and_a_task_there_runs_it(build_role_in_other_account):
    ecr = sandbox_client("ecr", account=OTHER)
    name = unique("xecr-repo")
    uri = ecr.create_repository(repositoryName=name)["repository"]["repositoryUri"]
    assert uri.startswith(f"{OTHER}.dkr.ecr.us-east-1.amazonaws.com/")
    other, default = _address(f"registry-{OTHER}"), _address("registry")

    build, log = _build(build_role_in_other_account, uri, "RUN echo built-in-account-b > from-run.txt", "v1", OTHER)
    assert build["buildStatus"] == "SUCCEEDED", log
    other_password, _ = _password(ecr)
    status, headers, _ = _registry(other, f"/v2/{name}/manifests/v1", other_password)
    assert status == 200
    image = ecr.describe_images(repositoryName=name, imageIds=[{"imageTag": "v1"}])["imageDetails"][0]
    assert image["registryId"] == OTHER
    assert image["imageDigest"] == headers["Docker-Content-Digest"]  # B's ECR answers B's registry's digest
    default_password, _ = _password(sandbox_client("ecr"))
    assert _registry(default, f"/v2/{name}/manifests/v1", default_password)[0] == 404  # not in the default's

    # An ECS task in B runs B's image, pulled from B's registry.
    ecs, logs = sandbox_client("ecs", account=OTHER), sandbox_client("logs", account=OTHER)
    cluster = unique("xecr-cluster")
    ecs.create_cluster(clusterName=cluster)
    logs.create_log_group(logGroupName=f"/ecs/{cluster}")
    definition = ecs.register_task_definition(
        family=cluster,
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": "job",
                "image": f"{uri}:v1",
                "essential": True,
                "command": ["cat", "from-run.txt"],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": f"/ecs/{cluster}",
                        "awslogs-region": "us-east-1",
                        "awslogs-stream-prefix": "ecs",
                    },
                },
            }
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    [task] = ecs.run_task(cluster=cluster, taskDefinition=definition, launchType="FARGATE")["tasks"]
    stopped = wait_for(_stopped_in_other_account(cluster, task["taskArn"]))
    assert stopped["containers"][0].get("exitCode") == 0, stopped
    task_id = task["taskArn"].split("/")[-1]
    events = logs.get_log_events(logGroupName=f"/ecs/{cluster}", logStreamName=f"ecs/job/{task_id}")["events"]
    assert [e["message"] for e in events] == ["built-in-account-b"]
    ecr.delete_repository(repositoryName=name, force=True)
    assert _registry(other, f"/v2/{name}/manifests/v1", other_password)[0] == 404  # B's content removed


def _stopped_in_other_account(cluster: str, arn: str):
    ecs = sandbox_client("ecs", account=OTHER)

    def check() -> dict | None:
        """the task in account B is STOPPED"""
        found = ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]
        return found if found["lastStatus"] == "STOPPED" else None

    return check


# -- a restart ---------------------------------------------------------------------------------------------------
def _answers(address: str) -> bool:
    host, port = address.split(":")
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex((host, int(port))) == 0


def test_another_accounts_registry_stops_with_the_sandbox_and_keeps_its_content_across_a_restart(
    own_sandbox,  # noqa: F811 - the fixture imported above
    tmp_path,
):
    home, port = own_sandbox
    ecr = sandbox_client("ecr", account=OTHER)
    name = unique("xecr-restart")
    ecr.create_repository(repositoryName=name)  # starts B's registry
    other = _address(f"registry-{OTHER}")
    password, _ = _password(ecr)
    local = f"{other}/{name}:v1"
    docker = engine.cli() or "docker"
    subprocess.run([docker, "tag", base_image.NODE_IMAGE, local], check=True)
    try:
        assert _docker_login(tmp_path, other, password).returncode == 0
        subprocess.run([docker, "--config", str(tmp_path), "push", "--quiet", local], check=True, capture_output=True)
    finally:
        subprocess.run([docker, "rmi", local], check=False, capture_output=True)
    status, headers, manifest = _registry(other, f"/v2/{name}/manifests/v1", password)
    assert status == 200
    digest = headers["Docker-Content-Digest"]
    ecr.put_image(repositoryName=name, imageManifest=manifest.decode(), imageTag="v1", imageDigest=digest)

    api.stop(home)
    assert not _answers(other)  # B's registry stopped with the sandbox
    api.start(home, port)
    # B's content is still in B's ECR and, once B's registry runs again, in B's registry.
    assert ecr.describe_images(repositoryName=name)["imageDetails"][0]["imageDigest"] == digest
    ecr.batch_delete_image(repositoryName=name, imageIds=[{"imageDigest": digest}])
    again = _address(f"registry-{OTHER}")
    assert _answers(again)  # started again for the deletion, the content's account's registry
    assert _registry(again, f"/v2/{name}/manifests/{digest}", password)[0] == 404  # the deletion reached it
