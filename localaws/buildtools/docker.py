"""A stand-in for the ``docker`` CLI inside sandbox builds: ``login``, ``build``, ``tag``, ``push``,
``images``, ``version``.

``build`` turns the build context into an image the sandbox can run (the files the Dockerfile
COPYs, laid out under its WORKDIR, and its CMD/ENTRYPOINT/ENV); RUN steps are not executed (the
sample app needs none) and are reported. ``push`` stores the image and puts its manifest in the
sandbox's ECR under the tag, as a registry push would.

In Docker mode (``LOCALAWS_CONTAINERS=docker``, see ``engine.py``) ``build`` and ``tag`` run the real docker CLI
against the engine (``engine_build.py``): RUN steps execute, and a failing one fails the command with docker's
message. As on CodeBuild, only a project with ``privilegedMode: true`` reaches the daemon; in any other every command
answers what docker answers without a daemon.

``build`` is in ``dockerfile.py``, the stand-in's tags and logins in ``docker_state.py``; this module is the
command line, ``push`` and Docker mode's commands.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import engine_build, engine_registry
from .docker_state import DockerError, home, load_state, normalise, save_state
from .dockerfile import build, parse_dockerfile
from .image_store import ecr_password, image_folder, parse_ecr_uri

MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"


# -- registry --------------------------------------------------------------------------------------------
def push(reference: str, data_dir: Path) -> None:
    """``docker push`` without an engine: the image tagged ``reference`` goes to the sandbox's ECR through ECR's layer
    API and PutImage, signed with the build's credentials so that each step is authorized as a registry push is on AWS.
    The image's folder is also copied into ``<data>/images``, where the ECS task runner finds it. DockerError, with
    docker's message, for an untagged image, a registry other than the sandbox's ECR, or a registry not logged in to."""
    state = load_state()
    reference = normalise(reference)
    image_id = state["tags"].get(reference)
    if image_id is None:
        raise DockerError(f"An image does not exist locally with the tag: {reference.rsplit(':', 1)[0]}")
    parts = parse_ecr_uri(reference)
    if parts is None:
        raise DockerError(
            f"the sandbox can push only to its own ECR (…dkr.ecr.<region>.amazonaws.com), not {reference}"
        )
    registry = reference.split("/", 1)[0]
    if registry not in state["auths"]:
        raise DockerError("no basic auth credentials (run `aws ecr get-login-password | docker login ...` first)")
    local = home() / "images" / image_id.replace("sha256:", "")
    config_bytes = (local / "config.json").read_bytes()
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w:gz") as archive:
        archive.add(local / "rootfs", arcname=".")
    layer_bytes = layer.getvalue()
    manifest: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": len(config_bytes),
            "digest": image_id,
        },
        "layers": [
            {
                "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "size": len(layer_bytes),
                "digest": "sha256:" + hashlib.sha256(layer_bytes).hexdigest(),
            }
        ],
    }
    stored = image_folder(data_dir, image_id)
    if not stored.exists():
        stored.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(local, stored)
    import boto3  # only a push talks to the registry; build and login start faster without it

    # The registry protocol as ECR's API offers it, signed with the credentials of the environment (in
    # a build, the project's service role): each step is authorized as a registry push is on AWS.
    ecr = boto3.client("ecr", region_name=parts["region"])
    tag = parts["tag"] or "latest"
    digest = _upload_image(ecr, parts, manifest, layer_bytes)
    print(f"The push refers to repository [{reference.rsplit(':', 1)[0]}]", flush=True)
    print(f"{tag}: digest: {digest} size: {len(layer_bytes)}", flush=True)


def _upload_image(ecr: Any, parts: dict[str, Any], manifest: dict[str, Any], layer_bytes: bytes) -> str:
    """Push the image's layer (unless the registry has it) and manifest through ECR's API; its digest."""
    from botocore.exceptions import ClientError

    repository, tag = parts["repository"], parts["tag"] or "latest"
    layer_digest = manifest["layers"][0]["digest"]
    try:
        available = ecr.batch_check_layer_availability(repositoryName=repository, layerDigests=[layer_digest])
        if not [layer for layer in available["layers"] if layer.get("layerAvailability") == "AVAILABLE"]:
            upload = ecr.initiate_layer_upload(repositoryName=repository)["uploadId"]
            ecr.upload_layer_part(
                repositoryName=repository,
                uploadId=upload,
                partFirstByte=0,
                partLastByte=len(layer_bytes) - 1,
                layerPartBlob=layer_bytes,
            )
            ecr.complete_layer_upload(repositoryName=repository, uploadId=upload, layerDigests=[layer_digest])
        try:
            digest = ecr.put_image(
                repositoryName=repository,
                imageManifest=json.dumps(manifest),
                imageManifestMediaType=MANIFEST_TYPE,
                imageTag=tag,
            )["image"]["imageId"]["imageDigest"]
        except ecr.exceptions.ImageAlreadyExistsException:  # the same image under the same tag: nothing to do
            digest = "sha256:" + hashlib.sha256(layer_digest.encode()).hexdigest()  # the sandbox ECR's digest
    except ecr.exceptions.RepositoryNotFoundException:
        raise DockerError(
            f"name unknown: The repository with name '{repository}' does not exist in the "
            f"registry with id '{parts['account']}'"
        ) from None
    except ClientError as error:  # the registry's refusal, as docker prints it
        details: dict[str, Any] = dict(error.response.get("Error", {}))
        if details.get("Code") != "AccessDeniedException":
            raise
        raise DockerError(f"denied: {details.get('Message')}") from None
    return str(digest)


def _login_arguments(arguments: list[str]) -> tuple[str, str]:
    registry = next((a for a in arguments if not a.startswith("-") and a not in _option_values(arguments)), "")
    password = sys.stdin.read().strip() if "--password-stdin" in arguments else _value(arguments, "--password", "-p")
    if not password:
        raise DockerError("Cannot perform an interactive login from a non TTY device")
    return registry, password


def login(arguments: list[str]) -> None:
    """``docker login`` without an engine: the registry is remembered, which ``push`` requires as docker requires
    credentials. A login to the sandbox's ECR is checked as ECR checks it: user ``AWS`` and the password of the
    registry's account's authorization token (``aws ecr get-login-password``); another one fails as docker reports
    ECR's refusal. Other registries are remembered as given (the sandbox cannot reach them)."""
    registry, password = _login_arguments(arguments)
    ecr = parse_ecr_uri(f"{registry}/x:latest")
    user = _value(arguments, "--username", "-u") or "AWS"
    if ecr is not None and (user != "AWS" or password != ecr_password(ecr["account"])):
        raise DockerError(
            f"Error response from daemon: login attempted to https://{registry}/v2/ failed with status: 400 Bad Request"
        )
    state = load_state()
    if registry and registry not in state["auths"]:
        state["auths"].append(registry)
    save_state(state)
    print("Login Succeeded", flush=True)


def _value(arguments: list[str], *names: str) -> str:
    for index, argument in enumerate(arguments):
        if argument in names and index + 1 < len(arguments):
            return arguments[index + 1]
        for name in names:
            if argument.startswith(name + "="):
                return argument.split("=", 1)[1]
    return ""


def _option_values(arguments: list[str]) -> set[str]:
    values = set()
    for index, argument in enumerate(arguments):
        if argument in ("--username", "-u", "--password", "-p") and index + 1 < len(arguments):
            values.add(arguments[index + 1])
    return values


def _build_arguments(arguments: list[str]) -> tuple[Path, list[str], str]:
    """A ``docker build`` command line's context folder, tags and Dockerfile."""
    tags = [arguments[i + 1] for i, a in enumerate(arguments) if a in ("--tag", "-t") and i + 1 < len(arguments)]
    tags += [a.split("=", 1)[1] for a in arguments if a.startswith("--tag=")]
    dockerfile = _value(arguments, "--file", "-f") or "Dockerfile"
    positional = [a for a in arguments if not a.startswith("-") and a not in tags and a != dockerfile]
    if not positional:
        raise DockerError('"docker build" requires exactly 1 argument.')
    return Path(positional[-1]), tags, dockerfile


def _dockerfile_base(arguments: list[str]) -> str:
    """The last FROM of the Dockerfile a ``docker build`` command line names (the image's base)."""
    context, _, dockerfile = _build_arguments(arguments)
    path = Path(dockerfile) if Path(dockerfile).is_absolute() else context / dockerfile
    froms = [argument for keyword, argument in parse_dockerfile(path.read_text()) if keyword == "FROM"]
    words = [word for word in (froms[-1].split() if froms else []) if not word.startswith("--")]
    return words[0] if words else ""


def _engine_build(arguments: list[str], data_dir: Path) -> None:
    _, tags, _ = _build_arguments(arguments)
    # --force-rm: a failed RUN step's container goes too (CodeBuild discards its host; this one is shared)
    engine_build.run_cli(["build", "--force-rm", *arguments])
    if not tags:
        return
    image_id = engine_build.export(tags[0], home(), _dockerfile_base(arguments))
    state = load_state()
    for tag in tags:
        state["tags"][normalise(tag)] = image_id
    save_state(state)


def _engine_tag(arguments: list[str], data_dir: Path) -> None:
    engine_build.run_cli(["tag", *arguments])
    state = load_state()
    source, target = arguments[0], arguments[1]
    if normalise(source) in state["tags"]:
        state["tags"][normalise(target)] = state["tags"][normalise(source)]
        save_state(state)


def _engine_login(arguments: list[str], data_dir: Path) -> None:
    registry, password = _login_arguments(arguments)
    engine_registry.login(arguments, registry, password)
    state = load_state()
    state.setdefault("passwords", {})[registry] = password
    save_state(state)


def _engine_push(arguments: list[str], data_dir: Path) -> None:
    state, reference = load_state(), normalise(arguments[-1])
    registry = reference.split("/", 1)[0]
    engine_registry.push(
        reference, state["tags"].get(reference), home(), data_dir, state.get("passwords", {}).get(registry)
    )


def _in_docker_mode(command: str, arguments: list[str], data_dir: Path) -> bool:
    """Run ``command`` with the real CLI (Docker mode); False for login and push when the sandbox runs no
    registry of its own, which the stand-in then does."""
    if command in ("login", "push") and not engine_registry.address():
        return False
    handlers = {"build": _engine_build, "tag": _engine_tag, "login": _engine_login, "push": _engine_push}
    handler = handlers.get(command)
    if handler is None:
        engine_build.run_cli([command, *arguments])
    else:
        handler(arguments, data_dir)
    return True


def _stand_in_build(arguments: list[str], data_dir: Path) -> None:
    context, tags, dockerfile = _build_arguments(arguments)
    build(context.resolve(), tags, dockerfile)


def _stand_in_tag(arguments: list[str], data_dir: Path) -> None:
    state = load_state()
    source, target = arguments[0], arguments[1]
    state["tags"][normalise(target)] = state["tags"][normalise(source)]
    save_state(state)


def _stand_in_images(arguments: list[str], data_dir: Path) -> None:
    for tag, image_id in load_state()["tags"].items():
        print(f"{tag}\t{image_id[7:19]}")


def _stand_in_version(arguments: list[str], data_dir: Path) -> None:
    print("Docker version 24.0.0-sandbox (a stand-in: build, tag, push, login)")


#: The commands the stand-in knows (Process mode, or login and push with no registry of the sandbox's own).
_STAND_IN: dict[str, Callable[[list[str], Path], None]] = {
    "login": lambda arguments, data_dir: login(arguments),
    "build": _stand_in_build,
    "tag": _stand_in_tag,
    "push": lambda arguments, data_dir: push(arguments[-1], data_dir),
    "images": _stand_in_images,
    "version": _stand_in_version,
    "--version": _stand_in_version,
}


def _run(command: str, arguments: list[str], data_dir: Path) -> None:
    docker_mode = engine_build.enabled()
    if docker_mode and not engine_build.privileged():
        raise DockerError(engine_build.NO_DAEMON)
    if docker_mode and _in_docker_mode(command, arguments, data_dir):
        return
    stand_in = _STAND_IN.get(command)
    if stand_in is None:
        raise DockerError(
            f"'{command}' is not a docker command the sandbox stands in for "
            "(it knows login, build, tag, push, images, version)"
        )
    stand_in(arguments, data_dir)


def main(argv: list[str] | None = None) -> int:
    """The ``docker`` a build's commands run (the CodeBuild runner puts it first on PATH): one command, by the stand-in
    or, in Docker mode, by the real CLI. Returns the exit status docker would, with docker's errors on stderr."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    data_dir = Path(os.environ.get("WORKSHOP_SANDBOX_DATA", "/tmp"))
    try:
        command = arguments.pop(0) if arguments else "help"
        _run(command, arguments, data_dir)
    except engine_registry.Refused as refused:  # as docker prints a registry's refusal
        print(str(refused), file=sys.stderr, flush=True)
        return 1
    except engine_build.CommandFailed as failed:  # the real CLI has said why
        return failed.code
    except DockerError as error:
        print(f"Error: {error}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
