"""Docker mode (issue 23): an image ECR's lifecycle policy expires leaves the real registry too. Three images pushed
with ``docker push`` to the registry behind ECR and put into ECR as a push does, under a policy that keeps one: the
registry answers 404 for the two expired manifests (by digest and by tag) and ``docker pull`` of one fails, while the
newest is still served.

Needs the engine and docker-registry (`make docker-engine`; `make test` runs it).
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from localaws import api
from localaws.buildtools import engine
from tests.helpers_for_tests import sandbox_client, unique

pytestmark = pytest.mark.docker  # Docker mode: `make test` runs these with a Docker-mode sandbox


def docker(*args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([engine.cli() or "docker", *args], capture_output=True, text=True, check=check, **kwargs)


@pytest.fixture(scope="module")
def registry() -> str:
    if api.status().containers != "docker":
        pytest.fail(f"The session's sandbox runs in process mode. {engine.ENGINE_HINT}", pytrace=False)
    config = Path(os.environ["LOCALAWS_HOME"]) / "data" / "registry" / "config.yml"
    if not config.exists():
        pytest.fail(f"The sandbox started no registry ({config} is missing). {engine.ENGINE_HINT}", pytrace=False)
    return re.search(r"addr: (\S+)", config.read_text()).group(1)  # type: ignore[union-attr]


def _manifest(address: str, name: str, reference: str, password: str) -> tuple[int, str, str]:
    request = urllib.request.Request(f"http://{address}/v2/{name}/manifests/{reference}")
    request.add_header("Accept", "application/vnd.docker.distribution.manifest.v2+json")
    request.add_header("Authorization", "Basic " + base64.b64encode(f"AWS:{password}".encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read().decode(), answer.headers["Docker-Content-Digest"]
    except urllib.error.HTTPError as error:
        return error.code, "", ""


def test_expired_images_are_deleted_from_the_registry(registry, tmp_path):
    ecr = sandbox_client("ecr")
    name = unique("lifecycle-docker")
    ecr.create_repository(repositoryName=name)
    policy = {
        "rules": [
            {
                "rulePriority": 1,
                "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 1},
                "action": {"type": "expire"},
            }
        ]
    }
    ecr.put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=json.dumps(policy))
    token = ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    password = base64.b64decode(token).decode().split(":", 1)[1]
    docker("login", "--username", "AWS", "--password-stdin", registry, input=password)

    digests = []
    for n in range(3):
        (tmp_path / "file.txt").write_text(f"image {n} of {name}\n")
        (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY file.txt /\n")
        local = f"{registry}/{name}:v{n}"
        docker("build", "--quiet", "--tag", local, str(tmp_path))
        docker("push", "--quiet", local)
        docker("rmi", local)
        status, manifest, digest = _manifest(registry, name, f"v{n}", password)
        assert status == 200
        ecr.put_image(repositoryName=name, imageManifest=manifest, imageTag=f"v{n}", imageDigest=digest)
        digests.append(digest)

    assert [i["imageDigest"] for i in ecr.list_images(repositoryName=name)["imageIds"]] == [digests[2]]
    for n, digest in enumerate(digests[:2]):
        assert _manifest(registry, name, digest, password)[0] == 404
        assert _manifest(registry, name, f"v{n}", password)[0] == 404
    assert _manifest(registry, name, digests[2], password)[0] == 200
    pulled = docker("pull", f"{registry}/{name}@{digests[0]}", check=False)
    assert pulled.returncode != 0, pulled.stdout
    assert "not found" in (pulled.stderr + pulled.stdout).lower()
