"""A build's ``docker login`` and ``docker push`` in Docker mode: the real CLI against the real registry behind the
sandbox's ECR of the address's account (``services/ecr/registry.py``: one per account, at ``SANDBOX_REGISTRIES``;
``SANDBOX_REGISTRY`` is the build's account's).

An ECR address (``<account>.dkr.ecr.<region>.amazonaws.com``) does not resolve here, so the loopback address of that
account's registry stands for it: ``login`` is the engine's login to that registry (which checks the password the
ECR token holds), ``push`` tags the image for it and pushes with the engine. Then, as ECR does at the end of a push, the
manifest is put with PutImage (signed as the build's role: ``ecr:PutImage`` is evaluated, and the tag immutability
refusal is ECR's) under the registry's own digest.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from . import engine_build
from .image_store import image_folder, parse_ecr_uri

ADDRESS_VARIABLE = "SANDBOX_REGISTRY"
REGISTRIES_VARIABLE = "SANDBOX_REGISTRIES"
_ACCEPT = "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json"


class Refused(Exception):
    """The registry's or ECR's refusal, as docker prints it."""


def address(account: str | None = None) -> str:
    """The loopback address (``127.0.0.1:PORT``) of the real registry behind the account's ECR (the build's account's
    without one), which the sandbox passes to privileged builds; empty when it runs none, and the stand-in's
    ``login`` and ``push`` are used instead."""
    if account:
        for pair in os.environ.get(REGISTRIES_VARIABLE, "").split(","):
            name, _, location = pair.partition("=")
            if name == account and location:
                return location
    return os.environ.get(ADDRESS_VARIABLE, "")


def login(arguments: list[str], registry: str, password: str) -> None:
    """``docker login`` in Docker mode: an ECR address does not resolve here, so the engine logs in to the registry
    behind ECR instead, as user ``AWS`` with the password, which that registry checks as ECR checks its token. Any
    other registry is logged in to as named (also as ``AWS``). ``arguments`` is not read."""
    parts = parse_ecr_uri(f"{registry}/x")
    target = address(parts["account"]) if parts else registry
    answer = subprocess.run(
        [engine_build.cli_path(), "login", "--username", "AWS", "--password-stdin", target],
        input=password,
        text=True,
        check=False,
    )
    if answer.returncode != 0:
        raise engine_build.CommandFailed(answer.returncode)


def _manifest(repository: str, tag: str, password: str, account: str) -> tuple[bytes, str, str]:
    request = urllib.request.Request(f"http://{address(account)}/v2/{repository}/manifests/{tag}")
    request.add_header("Accept", _ACCEPT)
    request.add_header("Authorization", "Basic " + base64.b64encode(f"AWS:{password}".encode()).decode())
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.read(), answer.headers["Docker-Content-Digest"], answer.headers["Content-Type"]


def _blob(repository: str, digest: str, password: str, account: str) -> bytes:
    request = urllib.request.Request(f"http://{address(account)}/v2/{repository}/blobs/{digest}")
    request.add_header("Authorization", "Basic " + base64.b64encode(f"AWS:{password}".encode()).decode())
    with urllib.request.urlopen(request, timeout=30) as answer:
        return bytes(answer.read())


def _upload_config(ecr: Any, repository: str, digest: str, password: str, account: str) -> None:
    """The image's config blob (a few KB) through ECR's layer API: InitiateLayerUpload, UploadLayerPart and
    CompleteLayerUpload are evaluated against the build's role, as each registry push of a new blob is on AWS (the
    engine has sent the layers themselves to the registry)."""
    blob = _blob(repository, digest, password, account)
    upload = ecr.initiate_layer_upload(repositoryName=repository)["uploadId"]
    ecr.upload_layer_part(
        repositoryName=repository, uploadId=upload, partFirstByte=0, partLastByte=len(blob) - 1, layerPartBlob=blob
    )
    ecr.complete_layer_upload(repositoryName=repository, uploadId=upload, layerDigests=[digest])


def _config_in_repository(ecr: Any, repository: str, account: str, config_digest: str) -> bool:
    """Whether ECR has the image's config already; the repository must exist before the engine sends anything
    (ECR answers "name unknown"), and a denial is docker's "denied"."""
    from botocore.exceptions import ClientError

    try:
        checked = ecr.batch_check_layer_availability(repositoryName=repository, layerDigests=[config_digest])
    except ecr.exceptions.RepositoryNotFoundException:
        raise Refused(
            f"name unknown: The repository with name '{repository}' does not exist in the registry with id '{account}'"
        ) from None
    except ClientError as error:
        raise Refused(f"denied: {error.response.get('Error', {}).get('Message')}") from None
    return any(layer.get("layerAvailability") == "AVAILABLE" for layer in checked.get("layers", []))


def push(reference: str, image_id: str | None, home: Path, data_dir: Path, password: str | None) -> None:
    """``docker push`` in Docker mode. To the sandbox's ECR: checks that the repository exists (ECR's "name unknown"),
    has the engine push to the registry behind ECR, uploads the image's config through ECR's layer API when ECR lacks
    it, then puts the manifest with PutImage under its real digest, each ECR call signed as the build's role.
    Refused, with docker's wording, for no login, a denial or an immutable tag. Another registry: the engine's push."""
    parts = parse_ecr_uri(reference)
    if parts is None:  # another registry: the engine's own push
        engine_build.run_cli(["push", reference])
        return
    if password is None:
        raise Refused("no basic auth credentials")
    repository, tag = parts["repository"], parts["tag"] or "latest"
    local = f"{address(parts['account'])}/{repository}:{tag}"
    import boto3  # only a push talks to ECR's API
    from botocore.exceptions import ClientError

    ecr = boto3.client("ecr", region_name=parts["region"])
    config_there = _config_in_repository(ecr, repository, parts["account"], image_id or "sha256:" + "0" * 64)
    engine_build.run_cli(["tag", reference, local])
    try:
        engine_build.run_cli(["push", local])
    finally:
        subprocess.run([engine_build.cli_path(), "rmi", local], capture_output=True, check=False)
    body, digest, media_type = _manifest(repository, tag, password, parts["account"])
    try:
        if not config_there:  # ECR authorizes a push's blob uploads as these three actions, as the build's role
            config = json.loads(body).get("config", {}).get("digest", "")
            _upload_config(ecr, repository, config, password, parts["account"])
        ecr.put_image(
            repositoryName=repository,
            imageManifest=body.decode(),
            imageManifestMediaType=media_type,
            imageTag=tag,
            imageDigest=digest,
        )
    except ecr.exceptions.ImageAlreadyExistsException:  # the same image under the same tag: nothing to do
        pass
    except ClientError as error:
        details: dict[str, Any] = dict(error.response.get("Error", {}))
        if details.get("Code") == "ImageTagAlreadyExistsException":
            raise Refused(
                f"tag invalid: The image tag '{tag}' already exists in the '{repository}' repository and cannot be "
                "overwritten because the repository is immutable."
            ) from None
        raise Refused(f"denied: {details.get('Message')}") from None
    config_digest = json.loads(body).get("config", {}).get("digest", "")
    built = home / "images" / config_digest.removeprefix("sha256:")
    stored = image_folder(data_dir, config_digest)
    if built.exists() and not stored.exists():  # what the sandbox's ECS runs in process-style tasks
        stored.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(built, stored)
    print(f"ECR {parts['account']}.dkr.ecr.{parts['region']}.amazonaws.com/{repository}:{tag} digest: {digest}")
    sys.stdout.flush()
