"""What stands for container images in the sandbox: a folder (the image's files under its WORKDIR)
plus its config (base image, command, environment), stored by config digest.

The build-time ``docker`` stand-in writes here and pushes a manifest that names the config digest
to the sandbox's ECR; the sandbox's ECS finds the folder again from an image URI.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ..ecs.runner import NODE_IMAGE, ImageNotRunnable, ImageSource

_ECR_URI = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[\w-]+)\.amazonaws\.com(?:\.cn)?/"
    r"(?P<repository>[^:@]+)(?::(?P<tag>[\w.-]+))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)


def store_root(data_dir: Path) -> Path:
    return data_dir / "images"


def image_folder(data_dir: Path, config_digest: str) -> Path:
    return store_root(data_dir) / config_digest.replace("sha256:", "")


def parse_ecr_uri(uri: str) -> dict[str, str] | None:
    match = _ECR_URI.match(uri)
    return match.groupdict() if match else None


class EcrImageLookup:
    """Finds the folder of an image in the sandbox's ECR, for the ECS task runner."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def __call__(self, uri: str) -> ImageSource | None:
        parts = parse_ecr_uri(uri)
        if parts is None:
            return None
        from moto.ecr.models import ecr_backends

        backend = ecr_backends[parts["account"]][parts["region"]]
        repository = backend.repositories.get(parts["repository"])
        if repository is None:
            raise ImageNotRunnable(f"CannotPullContainerError: repository {parts['repository']} not found")
        image = next(
            (
                i
                for i in repository.images
                if (parts["digest"] and i.image_digest == parts["digest"])
                or (not parts["digest"] and i.image_tag == (parts["tag"] or "latest"))
            ),
            None,
        )
        if image is None:
            raise ImageNotRunnable(f"CannotPullContainerError: {uri}: not found")
        config_digest = json.loads(image.image_manifest).get("config", {}).get("digest", "")
        folder = image_folder(self.data_dir, config_digest)
        if not (folder / "config.json").exists():
            raise ImageNotRunnable(f"CannotPullContainerError: {uri} was not built in this sandbox")
        config: dict[str, Any] = json.loads((folder / "config.json").read_text())
        if not NODE_IMAGE.match(config.get("base", "")):
            raise ImageNotRunnable(
                f"CannotStartContainerError: the sandbox runs images based on node, not {config.get('base')}"
            )
        workdir = folder / "rootfs" / config.get("workdir", "/").lstrip("/")
        return ImageSource(
            folder=workdir, command=list(config.get("cmd") or []), entry_point=list(config.get("entrypoint") or [])
        )
