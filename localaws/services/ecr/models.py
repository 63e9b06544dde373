"""ECR backend state: moto's, with PutImage answering RepositoryNotFoundException (moto fails with a
bare exception, an HTTP 500) when the repository does not exist, as a registry push must report.

In Docker mode a real registry holds the content (``registry.py``): an image's digest is its manifest's (the push
gives it to PutImage), its size the sum of its compressed layers (as DescribeImages documents ``imageSizeInBytes``),
a push ECR refuses leaves the registry's tag as ECR has it, and DeleteRepository and BatchDeleteImage remove the
content from the registry. DeleteRepository also removes the engine's images of the repository (a build's tag under the
ECR address, a task's pull from the registry's loopback address): nothing of a deleted repository stays in the engine.
"""

from __future__ import annotations

import json
from typing import Any

from moto.ecr.exceptions import RepositoryNotFoundException
from moto.ecr.models import ECRBackend, Image

from ...buildtools import engine_tasks
from . import registry
from .exceptions import ImageTagAlreadyExistsException


class RegistryImage(Image):
    """An image whose size is its layers' (compressed, as pushed), as ECR reports it."""

    def get_image_size_in_bytes(self) -> int | None:
        document = json.loads(self.image_manifest)
        layers = document.get("layers")
        if not layers:
            return super().get_image_size_in_bytes()
        return sum(int(layer.get("size", 0)) for layer in layers)


class RegistryECRBackend(ECRBackend):
    def put_image(self, repository_name: str, *args: Any, **kwargs: Any) -> Any:
        if repository_name not in self.repositories:
            raise RepositoryNotFoundException(repository_name, self.account_id)
        image_tag = args[1] if len(args) > 1 else kwargs.get("image_tag")
        before = next(
            (i for i in self.repositories[repository_name].images if image_tag and image_tag in i.image_tags), None
        )
        try:
            manifest = args[0] if args else kwargs.get("image_manifest")
            repository = self.repositories[repository_name]
            if before is not None and repository.is_tag_immutable() and before.image_manifest != manifest:
                raise ImageTagAlreadyExistsException(repository_name, str(image_tag))
            image = super().put_image(repository_name, *args, **kwargs)
        except Exception:
            if before is not None:  # the registry took the push; ECR refused it: the tag stays what ECR has
                registry.put_manifest(
                    repository_name,
                    str(image_tag),
                    before.image_manifest.encode(),
                    before.image_manifest_media_type or registry.MANIFEST_TYPES[0],
                )
            raise
        if type(image) is Image:
            image.__class__ = RegistryImage
        return image

    def delete_repository(self, repository_name: str, registry_id: str | None = None, force: bool = False) -> Any:
        deleted = super().delete_repository(repository_name, registry_id, force)
        registry.delete_repository(repository_name)
        self._remove_engine_images(repository_name)
        return deleted

    def _remove_engine_images(self, repository_name: str) -> None:
        """In Docker mode (a registry runs), untag the engine's images of the repository: the build's
        ``ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME:TAG`` and the tasks' ``127.0.0.1:PORT/NAME:TAG`` or ``@DIGEST``."""
        address = registry.address()
        if address is None:
            return
        ecr_host = f"{self.account_id}.dkr.ecr.{self.region_name}.amazonaws.com"
        names = (f"{ecr_host}/{repository_name}", f"{address}/{repository_name}")
        try:
            engine_tasks.remove_images([name + end for name in names for end in (":", "@")])
        except (OSError, engine_tasks.EngineError):
            pass  # no engine answers: nothing of it to remove

    def batch_delete_image(self, repository_name: str, *args: Any, **kwargs: Any) -> Any:
        repository = self.repositories.get(repository_name)
        before = {i.image_digest for i in repository.images} if repository else set()
        answer = super().batch_delete_image(repository_name, *args, **kwargs)
        left = {i.image_digest for i in repository.images} if repository else set()
        for digest in sorted(before - left):
            registry.delete_manifest(repository_name, digest)
        return answer
