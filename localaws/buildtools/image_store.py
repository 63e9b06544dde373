"""Where the sandbox keeps container images: a folder per image (its files under its WORKDIR) plus its config
(base image, command, environment), named by config digest under ``<data>/images``.

The build-time ``docker`` stand-in (``docker.py``) writes here and pushes a manifest that names the config digest to
the sandbox's ECR; the sandbox's ECS finds the folder again from an image URI (``services/ecs/images.py``). Both
sides import this module, which imports nothing of moto's: the stand-in runs in every build and starts quickly.
"""

from __future__ import annotations

import re
from pathlib import Path

_ECR_URI = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[\w-]+)\.amazonaws\.com(?:\.cn)?/"
    r"(?P<repository>[^:@]+)(?::(?P<tag>[\w.-]+))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)


def ecr_password(account: str) -> str:
    """The password in an account's ECR authorization token (moto's GetAuthorizationToken answers
    ``AWS:<account>-auth-token``, which ``aws ecr get-login-password`` prints): what a registry login must give."""
    return f"{account}-auth-token"


def store_root(data_dir: Path) -> Path:
    """The folder that holds every image the sandbox can run: ``<data>/images``."""
    return data_dir / "images"


def image_folder(data_dir: Path, config_digest: str) -> Path:
    """One image's folder in the store, named by its config digest (without ``sha256:``), which its manifest names."""
    return store_root(data_dir) / config_digest.replace("sha256:", "")


def parse_ecr_uri(uri: str) -> dict[str, str] | None:
    """An ECR image URI as ``account``, ``region``, ``repository``, ``tag`` and ``digest`` (None when the URI has no tag
    or digest); None for an image of any other registry (Docker Hub, ECR Public)."""
    match = _ECR_URI.match(uri)
    return match.groupdict() if match else None
