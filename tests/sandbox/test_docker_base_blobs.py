"""Docker mode: a new sandbox's registry has the base image's blobs from the machine-wide cache
(``localaws/services/ecr/base_blobs.py``), so a push of an image built on the base mounts those layers instead of
compressing and uploading them, and the digests stay the registry's own.

The test starts a second registry in this process (as a second sandbox's server does), builds a small image on the
base image with the real CLI and pushes it with the real CLI. It fails if the second registry is not seeded, if a
base layer is uploaded again (a PATCH of its blob in the registry's log, or "Pushed" for it in docker's output), or
if a seeded blob's content is not what its digest says.

Needs the engine and docker-registry (`make docker-engine`; `make test` runs it).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from localaws.buildtools import base_image, engine, engine_tasks
from localaws.services.ecr import base_blobs, registry

pytestmark = pytest.mark.docker


def _session_registry() -> tuple[Path, str]:
    folder = Path(os.environ["LOCALAWS_HOME"]) / "data" / "registry"
    config = folder / "config.yml"
    if not config.exists():
        pytest.fail(f"The session's sandbox started no registry. {engine.ENGINE_HINT}", pytrace=False)
    address = next(line.split()[1] for line in config.read_text().splitlines() if line.strip().startswith("addr:"))
    return folder / "storage", address


def _cache_filled() -> str:
    """The base image's id, once the cache holds it: the session's registry filled it (the first sandbox on a machine
    does, in the background) or this test fills it through that registry. Only the waiting is retried."""
    image_id = engine_tasks.image_id(base_image.NODE_IMAGE)
    assert image_id, f"{base_image.NODE_IMAGE} is not in the engine"
    storage, address = _session_registry()
    deadline = time.monotonic() + 900
    while not (base_blobs.cache_root() / "images" / f"{image_id.removeprefix('sha256:')}.json").exists():
        if base_blobs.fill(storage, address, registry.password(), image_id, _manifest_reader(address)):
            break
        assert time.monotonic() < deadline, "the base image's blob cache was not filled within 900 s"
        time.sleep(2)  # another sandbox is filling it
    return image_id


def _get(address: str, path: str, accept: str = "") -> tuple[dict[str, str], bytes]:
    request = urllib.request.Request(f"http://{address}{path}")
    request.add_header("Authorization", "Basic " + base64.b64encode(f"AWS:{registry.password()}".encode()).decode())
    if accept:
        request.add_header("Accept", accept)
    with urllib.request.urlopen(request, timeout=60) as answer:
        return dict(answer.headers), answer.read()


def _manifest_reader(address: str) -> Callable[[str, str], tuple[bytes, str, str]]:
    def read(repository: str, tag: str) -> tuple[bytes, str, str]:
        headers, body = _get(address, f"/v2/{repository}/manifests/{tag}", registry.MANIFEST_TYPES[0])
        return body, headers["Docker-Content-Digest"], headers["Content-Type"]

    return read


@pytest.fixture
def second_registry(tmp_path, monkeypatch):
    """A registry started as a new Docker-mode sandbox's server starts it, with its own storage, once the cache is
    filled; the base image's id."""
    image_id = _cache_filled()
    monkeypatch.setenv("LOCALAWS_CONTAINERS", "docker")
    saved = os.environ.get(registry.ADDRESS_VARIABLE)
    registry.stop()
    address = registry.start(tmp_path / "data")
    assert address, "docker-registry is missing: `make docker-engine` installs it"
    try:
        yield tmp_path / "data" / "registry", address, image_id
    finally:
        registry.stop()
        if saved is not None:
            os.environ[registry.ADDRESS_VARIABLE] = saved


def test_a_new_registry_has_the_base_blobs_and_a_push_mounts_them(second_registry, tmp_path):
    folder, address, image_id = second_registry
    assert (folder / "base.txt").read_text().strip() == "seeded"
    record = json.loads((base_blobs.cache_root() / "images" / f"{image_id.removeprefix('sha256:')}.json").read_text())
    base_layers = [layer["digest"] for layer in json.loads(record["manifest"])["layers"]]

    # The seeded blobs are the registry's: served under their digest, and their content hashes to it.
    headers, body = _get(address, f"/v2/{base_blobs.REPOSITORY}/manifests/{base_blobs.TAG}", record["media_type"])
    assert headers["Docker-Content-Digest"] == record["digest"]
    smallest = min(json.loads(body)["layers"], key=lambda layer: layer["size"])
    _, blob = _get(address, f"/v2/{base_blobs.REPOSITORY}/blobs/{smallest['digest']}")
    assert "sha256:" + hashlib.sha256(blob).hexdigest() == smallest["digest"]

    # An image built on the base, pushed with the real CLI: its base layers are mounted, only its own layer is sent.
    (tmp_path / "context").mkdir()
    (tmp_path / "context" / "hello.txt").write_text(f"hello {time.time()}\n")
    (tmp_path / "context" / "Dockerfile").write_text(f"FROM {base_image.NODE_IMAGE}\nCOPY hello.txt /srv/\n")
    reference = f"{address}/tests-base-blobs:v1"
    docker = engine.cli() or "docker"
    subprocess.run([docker, "build", "--quiet", "--tag", reference, str(tmp_path / "context")], check=True)
    config_dir = tmp_path / "docker-config"  # a login of its own, as a build has
    environment = {**os.environ, "DOCKER_CONFIG": str(config_dir)}
    subprocess.run(
        [docker, "login", "--username", "AWS", "--password-stdin", address],
        input=registry.password(),
        text=True,
        env=environment,
        check=True,
        capture_output=True,
    )
    try:
        pushed = subprocess.run(
            [docker, "push", reference], env=environment, capture_output=True, text=True, check=True
        ).stdout
    finally:
        subprocess.run([docker, "rmi", reference], capture_output=True, check=False)
    assert f"Mounted from {base_blobs.REPOSITORY}" in pushed, pushed
    log = (folder / "registry.log").read_text()
    uploads = [
        line
        for line in log.splitlines()
        if "PATCH /v2/tests-base-blobs/" in line or "PUT /v2/tests-base-blobs/blobs" in line
    ]
    sent = [line for line in uploads if any(layer.replace(":", "%3A") in line for layer in base_layers)]
    assert not sent, "base layers were uploaded again:\n" + "\n".join(sent)
    assert pushed.count("Pushed") == 1, pushed  # the image's own layer

    # The pushed manifest names the cached base layers, and docker's digest is the registry's.
    headers, body = _get(address, "/v2/tests-base-blobs/manifests/v1", record["media_type"])
    assert [layer["digest"] for layer in json.loads(body)["layers"]][: len(base_layers)] == base_layers
    assert f"digest: {headers['Docker-Content-Digest']}" in pushed
