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
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import json
import os
import shlex
import shutil
import sys
import tarfile
from pathlib import Path
from typing import Any

from . import engine_build, engine_registry
from .image_store import image_folder, parse_ecr_uri

MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"


class DockerError(Exception):
    pass


def _home() -> Path:
    home = Path(os.environ.get("SANDBOX_DOCKER_HOME") or Path.home() / ".sandbox-docker")
    home.mkdir(parents=True, exist_ok=True)
    return home


def _state() -> dict[str, Any]:
    path = _home() / "state.json"
    return json.loads(path.read_text()) if path.exists() else {"auths": [], "tags": {}}


def _save(state: dict[str, Any]) -> None:
    (_home() / "state.json").write_text(json.dumps(state))


# -- Dockerfile ---------------------------------------------------------------------------------------
def parse_dockerfile(text: str) -> list[tuple[str, str]]:
    instructions, buffer = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not buffer and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        line, buffer = buffer + line, ""
        keyword, _, argument = line.partition(" ")
        instructions.append((keyword.upper(), argument.strip()))
    return instructions


def _json_or_shell(argument: str) -> list[str]:
    if argument.startswith("["):
        return [str(part) for part in json.loads(argument)]
    return ["/bin/sh", "-c", argument]


def _ignored(relative: str, patterns: list[str]) -> bool:
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        if (
            fnmatch.fnmatch(relative, pattern)
            or fnmatch.fnmatch(relative, pattern + "/*")
            or relative.split("/")[0] == pattern
        ):
            ignored = not negate
    return ignored


def build(context: Path, tags: list[str], dockerfile: str = "Dockerfile") -> str:
    path = context / dockerfile
    if not path.exists():
        raise DockerError(f"failed to read dockerfile: open {dockerfile}: no such file or directory")
    ignore_file = context / ".dockerignore"
    patterns = (
        [p.strip() for p in ignore_file.read_text().splitlines() if p.strip() and not p.startswith("#")]
        if ignore_file.exists()
        else []
    )
    staging = _home() / "staging"
    shutil.rmtree(staging, ignore_errors=True)
    rootfs = staging / "rootfs"
    rootfs.mkdir(parents=True)
    config: dict[str, Any] = {"base": "", "workdir": "/", "cmd": [], "entrypoint": [], "env": {}, "exposed": []}
    steps = parse_dockerfile(path.read_text())
    for number, (keyword, argument) in enumerate(steps, start=1):
        print(f"Step {number}/{len(steps)} : {keyword} {argument}", flush=True)
        if keyword == "FROM":
            config["base"] = argument.split()[0]
        elif keyword == "WORKDIR":
            config["workdir"] = argument if argument.startswith("/") else str(Path(config["workdir"]) / argument)
            (rootfs / config["workdir"].lstrip("/")).mkdir(parents=True, exist_ok=True)
        elif keyword in ("COPY", "ADD"):
            parts = [p for p in shlex.split(argument) if not p.startswith("--")]
            *sources, destination = parts
            _copy(context, sources, destination, config["workdir"], rootfs, patterns)
        elif keyword == "CMD":
            config["cmd"] = _json_or_shell(argument)
        elif keyword == "ENTRYPOINT":
            config["entrypoint"] = _json_or_shell(argument)
        elif keyword == "ENV":
            key, _, value = argument.replace("=", " ", 1).partition(" ")
            config["env"][key] = value.strip().strip('"')
        elif keyword == "EXPOSE":
            config["exposed"] += argument.split()
        elif keyword == "RUN":
            print(" ---> skipped: the sandbox does not run RUN steps", flush=True)
    if not config["base"]:
        raise DockerError("no build stage in current context")
    digest = hashlib.sha256()
    for file in sorted(p for p in rootfs.rglob("*") if p.is_file()):
        digest.update(str(file.relative_to(rootfs)).encode() + b"\0" + file.read_bytes())
    config["content"] = digest.hexdigest()
    config_bytes = json.dumps(config, sort_keys=True).encode()
    image_id = "sha256:" + hashlib.sha256(config_bytes).hexdigest()
    local = _home() / "images" / image_id.replace("sha256:", "")
    shutil.rmtree(local, ignore_errors=True)
    local.parent.mkdir(parents=True, exist_ok=True)
    staging.rename(local)
    (local / "config.json").write_bytes(config_bytes)
    state = _state()
    for tag in tags:
        state["tags"][_normalise(tag)] = image_id
    _save(state)
    print(f"Successfully built {image_id[7:19]}", flush=True)
    for tag in tags:
        print(f"Successfully tagged {tag}", flush=True)
    return image_id


def _copy(context: Path, sources: list[str], destination: str, workdir: str, rootfs: Path, patterns: list[str]) -> None:
    target = Path(destination if destination.startswith("/") else str(Path(workdir) / destination))
    matched = []
    for source in sources:
        found = list(context.glob(source)) if any(c in source for c in "*?[") else [context / source]
        for item in found:
            if not item.exists():
                raise DockerError(f"COPY failed: file not found in build context: {source}")
            matched.append(item)
    for item in matched:
        files = [item] if item.is_file() else [p for p in item.rglob("*") if p.is_file()]
        for file in files:
            relative = file.relative_to(context).as_posix()
            if _ignored(relative, patterns):
                continue
            inside = file.relative_to(item) if item.is_dir() else Path(file.name)
            if item.is_file() and not (destination.endswith("/") or len(matched) > 1):
                out = rootfs / str(target).lstrip("/")
            else:
                out = rootfs / str(target).lstrip("/") / inside
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, out)


def _normalise(reference: str) -> str:
    return reference if ":" in reference.rsplit("/", 1)[-1] else reference + ":latest"


# -- registry --------------------------------------------------------------------------------------------
def push(reference: str, data_dir: Path) -> None:
    state = _state()
    reference = _normalise(reference)
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
    local = _home() / "images" / image_id.replace("sha256:", "")
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
    from botocore.exceptions import ClientError

    # The registry protocol as ECR's API offers it, signed with the credentials of the environment (in
    # a build, the project's service role): each step is authorized as a registry push is on AWS.
    ecr = boto3.client("ecr", region_name=parts["region"])
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
    print(f"The push refers to repository [{reference.rsplit(':', 1)[0]}]", flush=True)
    print(f"{tag}: digest: {digest} size: {len(layer_bytes)}", flush=True)


def _login_arguments(arguments: list[str]) -> tuple[str, str]:
    registry = next((a for a in arguments if not a.startswith("-") and a not in _option_values(arguments)), "")
    password = sys.stdin.read().strip() if "--password-stdin" in arguments else _value(arguments, "--password", "-p")
    if not password:
        raise DockerError("Cannot perform an interactive login from a non TTY device")
    return registry, password


def login(arguments: list[str]) -> None:
    registry, _ = _login_arguments(arguments)
    state = _state()
    if registry and registry not in state["auths"]:
        state["auths"].append(registry)
    _save(state)
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


def main(argv: list[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    data_dir = Path(os.environ.get("WORKSHOP_SANDBOX_DATA", "/tmp"))
    docker_mode = engine_build.enabled()
    try:
        command = arguments.pop(0) if arguments else "help"
        if docker_mode and not engine_build.privileged():
            raise DockerError(engine_build.NO_DAEMON)
        if docker_mode and command == "build":
            _, tags, _ = _build_arguments(arguments)
            # --force-rm: a failed RUN step's container goes too (CodeBuild discards its host; this one is shared)
            engine_build.run_cli(["build", "--force-rm", *arguments])
            if not tags:
                return 0
            image_id = engine_build.export(tags[0], _home(), _dockerfile_base(arguments))
            state = _state()
            for tag in tags:
                state["tags"][_normalise(tag)] = image_id
            _save(state)
        elif docker_mode and command == "tag":
            engine_build.run_cli(["tag", *arguments])
            state = _state()
            source, target = arguments[0], arguments[1]
            if _normalise(source) in state["tags"]:
                state["tags"][_normalise(target)] = state["tags"][_normalise(source)]
                _save(state)
        elif docker_mode and command == "login" and engine_registry.address():
            registry, password = _login_arguments(arguments)
            engine_registry.login(arguments, registry, password)
            state = _state()
            state.setdefault("passwords", {})[registry] = password
            _save(state)
        elif docker_mode and command == "push" and engine_registry.address():
            state, reference = _state(), _normalise(arguments[-1])
            registry = reference.split("/", 1)[0]
            engine_registry.push(
                reference, state["tags"].get(reference), _home(), data_dir, state.get("passwords", {}).get(registry)
            )
        elif docker_mode and command not in ("login", "push"):
            engine_build.run_cli([command, *arguments])
        elif command == "login":
            login(arguments)
        elif command == "build":
            context, tags, dockerfile = _build_arguments(arguments)
            build(context.resolve(), tags, dockerfile)
        elif command == "tag":
            state = _state()
            source, target = arguments[0], arguments[1]
            state["tags"][_normalise(target)] = state["tags"][_normalise(source)]
            _save(state)
        elif command == "push":
            push(arguments[-1], data_dir)
        elif command == "images":
            for tag, image_id in _state()["tags"].items():
                print(f"{tag}\t{image_id[7:19]}")
        elif command in ("version", "--version"):
            print("Docker version 24.0.0-sandbox (a stand-in: build, tag, push, login)")
        else:
            raise DockerError(
                f"'{command}' is not a docker command the sandbox stands in for "
                "(it knows login, build, tag, push, images, version)"
            )
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
