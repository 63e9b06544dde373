"""ECR backend state: moto's, with PutImage answering RepositoryNotFoundException (moto fails with a
bare exception, an HTTP 500) when the repository does not exist, as a registry push must report.

In Docker mode a real registry holds the content (``registry.py``): an image's digest is its manifest's (the push
gives it to PutImage), its size the sum of its compressed layers (as DescribeImages documents ``imageSizeInBytes``),
a push ECR refuses leaves the registry's tag as ECR has it, and DeleteRepository and BatchDeleteImage remove the
content from the registry. DeleteRepository also removes the engine's images of the repository (a build's tag under the
ECR address, a task's pull from the registry's loopback address): nothing of a deleted repository stays in the engine.

Lifecycle policies are applied (moto only stores them): ``lifecycle.py`` decides, ``apply_lifecycle_policy`` removes
what expired from ECR, the registry and the image store, right after each push and PutLifecyclePolicy and when the
sandbox's clock moves on (AWS: within 24 hours of a push).
"""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path
from typing import Any, cast

from moto.ecr.exceptions import LifecyclePolicyNotFoundException, RepositoryNotFoundException
from moto.ecr.models import ECRBackend, Image, ecr_backends
from moto.ecr.policy_validation import EcrLifecyclePolicyValidator

from ... import clock
from ...buildtools import engine_tasks
from ...buildtools.image_store import image_folder
from . import lifecycle, previews, registry
from .exceptions import ImageTagAlreadyExistsException

#: Set while moto's put_image runs in this thread: its BatchDeleteImage of the pushed tag moves the tag instead.
_moving_tag = threading.local()


class RegistryImage(Image):
    """An image whose size is its layers' (compressed, as pushed), as ECR reports it, and that knows when it was
    pushed on the sandbox's clock (``pushed_clock``), which a lifecycle policy's ``sinceImagePushed`` reads."""

    pushed_clock: float | None = None

    @property
    def pushed_at(self) -> float:
        """When the image was pushed (seconds since the epoch, the sandbox's clock); moto's whole second for an image
        from a state saved before the sandbox kept its own."""
        return float(self.pushed_clock if self.pushed_clock is not None else self.image_pushed_at)

    def config_digest(self) -> str:
        """The digest of the image's config, which names its folder in the image store (process mode)."""
        try:
            return str(json.loads(self.image_manifest).get("config", {}).get("digest", ""))
        except (ValueError, AttributeError):
            return ""

    def get_image_size_in_bytes(self) -> int | None:
        document = json.loads(self.image_manifest)
        layers = document.get("layers")
        if not layers:
            return super().get_image_size_in_bytes()
        return sum(int(layer.get("size", 0)) for layer in layers)


class RegistryECRBackend(ECRBackend):
    #: The sandbox's data folder (``install`` sets it): the image store an expired image leaves.
    data_dir: Path | None = None

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
            _moving_tag.active = True
            try:
                image = super().put_image(repository_name, *args, **kwargs)
            finally:
                _moving_tag.active = False
        except Exception:
            if before is not None:  # the registry took the push; ECR refused it: the tag stays what ECR has
                registry.put_manifest(
                    repository_name,
                    str(image_tag),
                    before.image_manifest.encode(),
                    before.image_manifest_media_type or registry.MANIFEST_TYPES[0],
                    self.account_id,
                )
            raise
        if type(image) is Image:
            image.__class__ = RegistryImage
            cast(RegistryImage, image).pushed_clock = clock.now().timestamp()
        self.apply_lifecycle_policy(repository_name)
        return image

    def create_repository(self, *args: Any, **kwargs: Any) -> Any:
        """Also starts the account's registry in Docker mode, if it runs none yet (``registry.ensure``)."""
        created = super().create_repository(*args, **kwargs)
        registry.ensure(self.account_id)
        return created

    def put_lifecycle_policy(self, registry_id: str, repository_name: str, lifecycle_policy_text: str) -> Any:
        answer = super().put_lifecycle_policy(registry_id, repository_name, lifecycle_policy_text)
        self.apply_lifecycle_policy(repository_name)
        return answer

    def apply_lifecycle_policy(self, repository_name: str) -> list[lifecycle.Verdict]:
        """Expire what the repository's lifecycle policy expires (``lifecycle.py``): gone from ECR's answers, from the
        registry (Docker mode) and from the image store when no image left in the sandbox's ECR uses its folder.
        An image a running task uses is expired too: ECR does not know about ECS, on AWS either."""
        repository = self.repositories.get(repository_name)
        if repository is None or not repository.lifecycle_policy:
            return []
        images = [image for image in repository.images if isinstance(image, RegistryImage)]
        verdicts = lifecycle.expired(repository.lifecycle_policy, images, clock.now().timestamp())
        for verdict in verdicts:
            if verdict.image not in repository.images:  # a concurrent evaluation (a push, the clock) expired it
                continue
            repository.images.remove(verdict.image)
            registry.delete_manifest(repository_name, verdict.image.image_digest, self.account_id)
        self._remove_unused_folders({verdict.image.config_digest() for verdict in verdicts})
        return verdicts

    def start_lifecycle_policy_preview(
        self, repository_name: str, registry_id: str | None, policy_text: str | None
    ) -> dict[str, Any]:
        """What ``policy_text`` (else the repository's policy) would expire now (``previews.py``)."""
        repository = self._repository(repository_name, registry_id)
        text = policy_text or repository.lifecycle_policy
        if not text:
            raise LifecyclePolicyNotFoundException(repository_name, registry_id or self.account_id)
        if policy_text:
            EcrLifecyclePolicyValidator(policy_text).validate()
        images = [image for image in repository.images if isinstance(image, RegistryImage)]
        self._previews()[repository_name] = previews.evaluate(text, images, clock.now().timestamp())
        return {
            "registryId": repository.registry_id,
            "repositoryName": repository_name,
            "lifecyclePolicyText": text,
            "status": "IN_PROGRESS",
        }

    def get_lifecycle_policy_preview(
        self,
        repository_name: str,
        registry_id: str | None,
        image_ids: list[dict[str, str]] | None,
        tag_status: str | None,
        next_token: str | None,
        max_results: int | None,
    ) -> dict[str, Any]:
        repository = self._repository(repository_name, registry_id)
        preview = self._previews().get(repository_name)
        if preview is None:
            raise previews.LifecyclePolicyPreviewNotFoundException(repository_name, repository.registry_id)
        rows = previews.selected(preview, image_ids, tag_status)
        start = int(next_token or 0)
        end = start + int(max_results or 100)
        answer: dict[str, Any] = {
            "registryId": repository.registry_id,
            "repositoryName": repository_name,
            "lifecyclePolicyText": preview.policy_text,
            "status": "COMPLETE",
            "previewResults": rows[start:end],
            "summary": {"expiringImageTotalCount": len(preview.results)},
        }
        if end < len(rows):
            answer["nextToken"] = str(end)
        return answer

    def _repository(self, repository_name: str, registry_id: str | None) -> Any:
        repository = self.repositories.get(repository_name)
        if repository is None:
            raise RepositoryNotFoundException(repository_name, registry_id or self.account_id)
        return repository

    def _previews(self) -> dict[str, previews.Preview]:
        """The last preview of each repository (an attribute made on first use: a backend restored from a state saved
        before previews existed has none)."""
        if not hasattr(self, "lifecycle_previews"):
            self.lifecycle_previews: dict[str, previews.Preview] = {}
        return self.lifecycle_previews

    def _remove_unused_folders(self, config_digests: set[str]) -> None:
        """Remove the image store's folders of ``config_digests`` that no image in any account's ECR still names."""
        if self.data_dir is None or not config_digests:
            return
        for _, _, backend in ecr_backends.iter_backends():
            for repository in cast(ECRBackend, backend).repositories.values():
                for image in repository.images:
                    if isinstance(image, RegistryImage):
                        config_digests.discard(image.config_digest())
        for digest in config_digests:
            if digest:
                shutil.rmtree(image_folder(self.data_dir, digest), ignore_errors=True)

    def delete_repository(self, repository_name: str, registry_id: str | None = None, force: bool = False) -> Any:
        deleted = super().delete_repository(repository_name, registry_id, force)
        registry.delete_repository(repository_name, self.account_id)
        self._remove_engine_images(repository_name)
        return deleted

    def _remove_engine_images(self, repository_name: str) -> None:
        """In Docker mode (a registry runs), untag the engine's images of the repository: the build's
        ``ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME:TAG`` and the tasks' ``127.0.0.1:PORT/NAME:TAG`` or ``@DIGEST``."""
        address = registry.address(self.account_id)
        if address is None:
            return
        ecr_host = f"{self.account_id}.dkr.ecr.{self.region_name}.amazonaws.com"
        names = (f"{ecr_host}/{repository_name}", f"{address}/{repository_name}")
        try:
            engine_tasks.remove_images([name + end for name in names for end in (":", "@")])
        except (OSError, engine_tasks.EngineError):
            pass  # no engine answers: nothing of it to remove

    def batch_delete_image(self, repository_name: str, *args: Any, **kwargs: Any) -> Any:
        if getattr(_moving_tag, "active", False):  # moto's put_image taking a tag from the image that had it
            image_ids = kwargs.get("image_ids", args[1] if len(args) > 1 else None) or []
            return self._move_tags(repository_name, [i["imageTag"] for i in image_ids if i.get("imageTag")])
        repository = self.repositories.get(repository_name)
        before = {i.image_digest for i in repository.images} if repository else set()
        answer = super().batch_delete_image(repository_name, *args, **kwargs)
        left = {i.image_digest for i in repository.images} if repository else set()
        for digest in sorted(before - left):
            registry.delete_manifest(repository_name, digest, self.account_id)
        return answer

    def _move_tags(self, repository_name: str, tags: list[str]) -> dict[str, Any]:
        """A push takes ``tags`` from the images that have them; an image left without a tag stays, untagged, as on
        ECR ("the tag is moved to the new image and the previous image becomes untagged"). moto deletes it instead,
        so a lifecycle rule for untagged images would never see one."""
        for image in self.repositories[repository_name].images:
            for tag in tags:
                image.remove_tag(tag)
            if not image.image_tags:
                image.image_tag = None  # type: ignore[assignment]  # moto keeps None for an untagged push
        return {"imageIds": [], "failures": []}
