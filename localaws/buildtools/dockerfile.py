"""``docker build`` as the stand-in does it: the Dockerfile read, its COPY/ADD steps laid out under its WORKDIR
in the image's root folder (minus what .dockerignore leaves out), its CMD, ENTRYPOINT, ENV and EXPOSE in the
image's config; RUN steps are reported, not executed. The image is stored and tagged in the stand-in's state
(``docker_state.py``)."""

from __future__ import annotations

import fnmatch
import hashlib
import json
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .docker_state import DockerError, home, load_state, normalise, save_state


def parse_dockerfile(text: str) -> list[tuple[str, str]]:
    """A Dockerfile's instructions as (KEYWORD, argument) pairs, continuation lines joined and comment lines left out;
    both the stand-in's build and Docker mode's base-image lookup read it. Heredocs are not understood."""
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
    """``docker build`` without an engine: the context's COPY/ADD files laid out under the WORKDIR (minus what
    .dockerignore leaves out), CMD, ENTRYPOINT, ENV and EXPOSE kept, RUN steps printed as skipped; the image is stored
    in the stand-in's folder and tagged. Returns its id, the digest of its config (which includes a digest of its
    files). DockerError with docker's message for a missing Dockerfile, a COPY source not found, or no FROM."""
    path = context / dockerfile
    if not path.exists():
        raise DockerError(f"failed to read dockerfile: open {dockerfile}: no such file or directory")
    ignore_file = context / ".dockerignore"
    patterns = (
        [p.strip() for p in ignore_file.read_text().splitlines() if p.strip() and not p.startswith("#")]
        if ignore_file.exists()
        else []
    )
    staging = home() / "staging"
    shutil.rmtree(staging, ignore_errors=True)
    rootfs = staging / "rootfs"
    rootfs.mkdir(parents=True)
    config: dict[str, Any] = {"base": "", "workdir": "/", "cmd": [], "entrypoint": [], "env": {}, "exposed": []}
    steps = parse_dockerfile(path.read_text())
    for number, (keyword, argument) in enumerate(steps, start=1):
        print(f"Step {number}/{len(steps)} : {keyword} {argument}", flush=True)
        _apply_step(keyword, argument, config, _StepContext(context, rootfs, patterns))
    if not config["base"]:
        raise DockerError("no build stage in current context")
    digest = hashlib.sha256()
    for file in sorted(p for p in rootfs.rglob("*") if p.is_file()):
        digest.update(str(file.relative_to(rootfs)).encode() + b"\0" + file.read_bytes())
    config["content"] = digest.hexdigest()
    config_bytes = json.dumps(config, sort_keys=True).encode()
    image_id = "sha256:" + hashlib.sha256(config_bytes).hexdigest()
    local = home() / "images" / image_id.replace("sha256:", "")
    shutil.rmtree(local, ignore_errors=True)
    local.parent.mkdir(parents=True, exist_ok=True)
    staging.rename(local)
    (local / "config.json").write_bytes(config_bytes)
    state = load_state()
    for tag in tags:
        state["tags"][normalise(tag)] = image_id
    save_state(state)
    print(f"Successfully built {image_id[7:19]}", flush=True)
    for tag in tags:
        print(f"Successfully tagged {tag}", flush=True)
    return image_id


@dataclass(frozen=True)
class _StepContext:
    """Where a Dockerfile's steps take their files from and put them: the build context, the image's root
    folder, and the .dockerignore patterns."""

    context: Path
    rootfs: Path
    patterns: list[str]


def _apply_step(keyword: str, argument: str, config: dict[str, Any], where: _StepContext) -> None:
    """One Dockerfile step: it changes the image's ``config`` or copies files into its root folder."""
    if keyword == "FROM":
        config["base"] = argument.split()[0]
    elif keyword == "WORKDIR":
        config["workdir"] = argument if argument.startswith("/") else str(Path(config["workdir"]) / argument)
        (where.rootfs / config["workdir"].lstrip("/")).mkdir(parents=True, exist_ok=True)
    elif keyword in ("COPY", "ADD"):
        parts = [p for p in shlex.split(argument) if not p.startswith("--")]
        *sources, destination = parts
        _copy(where.context, sources, destination, config["workdir"], where.rootfs, where.patterns)
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
