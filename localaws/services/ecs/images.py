"""ECS pulling a task's image from the sandbox's ECR: the image's manifest names its config digest, and the image
store (``buildtools/image_store.py``) holds the folder the ``docker`` stand-in built for it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from moto.ecr.models import ecr_backends

from ...buildtools.image_store import image_folder, parse_ecr_uri
from .runner import NODE_IMAGE, ImageNotRunnable, ImageSource


class EcrImageLookup:
    """Finds the folder of an image in the sandbox's ECR, for the ECS task runner."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def __call__(self, uri: str) -> ImageSource | None:
        parts = parse_ecr_uri(uri)
        if parts is None:
            return None
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


def image_digest(uri: str) -> str:
    """The digest of the ECR image ``uri`` names (its own ``@sha256:…``, else its tag's in ECR), as DescribeTasks
    reports a container's ``imageDigest``; empty for another registry's image or one ECR does not have."""
    parts = parse_ecr_uri(uri)
    if parts is None:
        return ""
    if parts["digest"]:
        return parts["digest"]
    repository = ecr_backends[parts["account"]][parts["region"]].repositories.get(parts["repository"])
    tag = parts["tag"] or "latest"
    found = next((i for i in repository.images if tag in i.image_tags), None) if repository else None
    return str(found.image_digest) if found is not None else ""
