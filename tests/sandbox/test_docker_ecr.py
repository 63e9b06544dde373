"""Docker mode (issue 23): ECR is a real registry. The kit's own buildspec (login, build, push) runs in a privileged
CodeBuild project against the engine; the image lands in Debian's docker-registry behind ECR's API, whose
DescribeImages/BatchGetImage answer the registry's manifest, digest and size; the registry checks the login; tag
immutability refuses a re-push; DeleteRepository --force removes the content.

Needs the engine and docker-registry (`make docker-engine`; `make test` runs it); fails with that instruction
without them.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from localaws import api
from localaws.buildtools import engine
from tests.helpers_for_tests import sandbox_client, unique, wait_for_iam_propagation

pytestmark = pytest.mark.docker  # Docker mode: `make test` runs these with a Docker-mode sandbox

SAMPLE_APP = Path(__file__).resolve().parents[2] / "data" / "sample-app"
ACCOUNT = "123456789012"
ROLE = "tests-docker-ecr-build-role"


@pytest.fixture(scope="module")
def registry() -> str:
    """The registry's address, read from its configuration in the session sandbox's data folder."""
    status = api.status()
    if status.containers != "docker":
        pytest.fail(f"The session's sandbox runs in process mode. {engine.ENGINE_HINT}", pytrace=False)
    config = Path(os.environ["LOCALAWS_HOME"]) / "data" / "registry" / "config.yml"
    if not config.exists():
        pytest.fail(f"The sandbox started no registry ({config} is missing). {engine.ENGINE_HINT}", pytrace=False)
    return re.search(r"addr: (\S+)", config.read_text()).group(1)  # type: ignore[union-attr]


def build_policy_with_the_kits_ecr_grants() -> str:
    """A build role's policy: logs and the artifacts in S3, and exactly the ECR actions the kit's CodeBuild service role
    grants (``data/policies/codebuild-service-role.json``)."""
    policy = json.loads((SAMPLE_APP.parents[1] / "data" / "policies" / "codebuild-service-role.json").read_text())
    ecr_actions = sorted({a for s in policy["Statement"] for a in s["Action"] if a.startswith("ecr:")})
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["logs:*", "s3:GetObject", "s3:PutObject"], "Resource": "*"},
            {"Effect": "Allow", "Action": ecr_actions, "Resource": "*"},
        ],
    }
    return json.dumps(document)


@pytest.fixture(scope="module")
def role() -> str:
    iam = sandbox_client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    try:
        return str(iam.get_role(RoleName=ROLE)["Role"]["Arn"])
    except iam.exceptions.NoSuchEntityException:
        pass
    arn = str(iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"])
    iam.put_role_policy(RoleName=ROLE, PolicyName="builds", PolicyDocument=build_policy_with_the_kits_ecr_grants())
    wait_for_iam_propagation()
    return arn


def _source(bucket: str, key: str, run: str, tag: str, account: str | None = None) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in SAMPLE_APP.rglob("*"):
            if path.is_file() and "node_modules" not in path.parts:
                text = path.read_bytes()
                if path.name == "Dockerfile":
                    text = text.replace(b"COPY package.json app.js ./", f"COPY package.json app.js ./\n{run}".encode())
                zipped.writestr(path.relative_to(SAMPLE_APP).as_posix(), text)
        zipped.writestr("source_version", tag)
    sandbox_client("s3", account=account).put_object(Bucket=bucket, Key=key, Body=archive.getvalue())


def _build(role: str, repository_uri: str, run: str, tag: str, account: str | None = None) -> tuple[dict, str]:
    """The kit's buildspec in a privileged project of ``account`` (the default one without it), run to its end."""
    bucket = unique("dockerecr")
    sandbox_client("s3", account=account).create_bucket(Bucket=bucket)
    _source(bucket, "source.zip", run, tag, account)
    codebuild = sandbox_client("codebuild", account=account)
    name = unique("dockerecr")
    codebuild.create_project(
        name=name,
        source={"type": "S3", "location": f"{bucket}/source.zip", "buildspec": "buildspec_containerImage.yml"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
            "privilegedMode": True,
            "environmentVariables": [
                {"name": "ECR_REPOSITORY_URI", "value": repository_uri},
                {"name": "CONTAINER_NAME", "value": "app"},
            ],
        },
        serviceRole=role,
    )
    build_id = codebuild.start_build(projectName=name)["build"]["id"]
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        build = codebuild.batch_get_builds(ids=[build_id])["builds"][0]
        if build["buildComplete"]:
            events = sandbox_client("logs", account=account).get_log_events(
                logGroupName=build["logs"]["groupName"], logStreamName=build["logs"]["streamName"]
            )["events"]
            return build, "\n".join(e["message"] for e in events)
        time.sleep(0.25)
    raise AssertionError(f"build {build_id} did not finish")


def _registry(address: str, path: str, password: str, method: str = "GET") -> tuple[int, dict, bytes]:
    request = urllib.request.Request(f"http://{address}{path}", method=method)
    request.add_header("Accept", "application/vnd.docker.distribution.manifest.v2+json")
    request.add_header("Authorization", "Basic " + base64.b64encode(f"AWS:{password}".encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_kits_buildspec_pushes_to_the_registry_behind_ecr(registry, role):
    ecr = sandbox_client("ecr")
    name = unique("dockerecr-repo")
    uri = ecr.create_repository(repositoryName=name, imageTagMutability="IMMUTABLE")["repository"]["repositoryUri"]
    token = ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    password = base64.b64decode(token).decode().split(":", 1)[1]

    # The registry checks the login ECR's token gives, and refuses another.
    assert _registry(registry, "/v2/", password)[0] == 200
    assert _registry(registry, "/v2/", "not-the-token")[0] == 401

    build, log = _build(role, uri, "RUN echo run-step-ran > from-run.txt", "v1")
    assert build["buildStatus"] == "SUCCEEDED", log
    status, headers, manifest = _registry(registry, f"/v2/{name}/manifests/v1", password)
    assert status == 200
    image = ecr.describe_images(repositoryName=name, imageIds=[{"imageTag": "v1"}])["imageDetails"][0]
    assert image["imageDigest"] == headers["Docker-Content-Digest"]  # ECR's digest is the registry's
    assert image["imageSizeInBytes"] == sum(layer["size"] for layer in json.loads(manifest)["layers"])
    got = ecr.batch_get_image(repositoryName=name, imageIds=[{"imageTag": "v1"}])["images"][0]
    assert got["imageManifest"].encode() == manifest

    # An immutable tag refuses a re-push of another image; the registry's tag stays what ECR has.
    build, log = _build(role, uri, "RUN echo another-image > from-run.txt", "v1")
    assert build["buildStatus"] == "FAILED"
    assert f"tag invalid: The image tag 'v1' already exists in the '{name}' repository" in log
    assert _registry(registry, f"/v2/{name}/manifests/v1", password)[1]["Docker-Content-Digest"] == image["imageDigest"]

    # DeleteRepository --force removes the content from the registry.
    ecr.delete_repository(repositoryName=name, force=True)
    assert _registry(registry, f"/v2/{name}/manifests/v1", password)[0] == 404
