"""The base image in every Docker-mode sandbox's registry, from a machine-wide, content-addressed blob cache, so that
a new sandbox's first push does not compress and upload the base image's layers again.

On AWS, an image built ``FROM public.ecr.aws/docker/library/node:22-alpine`` is pushed to a new ECR repository with
every layer (tens of MB compressed). Here the base is the stand-in (``buildtools/base_image.py``, about 500 MB
unpacked), and ``docker push`` compresses each layer with gzip before it uploads it: 55-90 s of a loaded 2-core
machine, once per new registry, as each sandbox has its own. So the registry holds the base image as an ECR
pull-through cache would (repository ``ecr-public/docker/library/node``, tag ``22-alpine``: the name a cache rule
with the prefix ``ecr-public`` gives it), and docker does what it does with any registry that has a layer in another
repository: ``docker push`` mounts the blob (``POST /v2/<repository>/blobs/uploads/?mount=<digest>&from=...``,
"Mounted from ecr-public/docker/library/node" in its output) instead of sending it. The app's own layer, its config
and manifest are pushed as before; the digests are the registry's.

- The first Docker-mode sandbox on a machine (or after the base image changed) pushes the base image to its registry
  once, in the background, and links its blobs into ``~/.cache/localaws/registry`` (``blobs/sha256/<hex>``, named by
  their digest, and ``images/<image id>.json``, the manifest that names them).
- Every later sandbox's registry gets them at start by hard links (a copy across file systems) into its storage, in
  the registry's own layout; then the engine pushes the base image there, where every layer "already exists" (a
  HEAD each), which records that registry as a source of those layers; docker mounts from a source it knows.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
from pathlib import Path
from typing import Any

from ...buildtools import base_image, engine_tasks

#: The base image's repository in the registry, as an ECR pull-through cache rule with the prefix ``ecr-public`` names
#: ``public.ecr.aws/docker/library/node``; not an ECR repository (DescribeRepositories does not list it).
REPOSITORY = "ecr-public/docker/library/node"
TAG = base_image.NODE_IMAGE.rsplit(":", 1)[1]
_MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"


def cache_root() -> Path:
    """The machine-wide cache: ``blobs/sha256/<hex>`` (content-addressed) and ``images/<image id hex>.json``."""
    return base_image.cache_dir().parent / "registry"


def _hex(digest: str) -> str:
    return digest.removeprefix("sha256:")


def _v2(storage: Path) -> Path:
    return storage / "docker" / "registry" / "v2"


def _stored_blob(storage: Path, digest: str) -> Path:
    """Where the registry keeps a blob (its filesystem driver's layout)."""
    return _v2(storage) / "blobs" / "sha256" / _hex(digest)[:2] / _hex(digest) / "data"


def _cached_blob(digest: str) -> Path:
    return cache_root() / "blobs" / "sha256" / _hex(digest)


def _record(image_id: str) -> Path:
    return cache_root() / "images" / f"{_hex(image_id)}.json"


def _place(source: Path, target: Path) -> None:
    """``target`` becomes ``source``'s content: a hard link (a copy across file systems), made whole or not at all."""
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}")
    try:
        os.link(source, partial)
    except OSError:
        shutil.copyfile(source, partial)
    os.replace(partial, target)


def _write_link(path: Path, digest: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(digest)


def _digests(document: dict[str, Any]) -> list[str]:
    manifest = json.loads(document["manifest"])
    return [document["digest"], manifest["config"]["digest"], *(layer["digest"] for layer in manifest["layers"])]


def seed(storage: Path, image_id: str) -> bool:
    """Put the cached base image (``image_id``) into the registry's ``storage`` as repository ``REPOSITORY``, tag
    ``TAG``: its blobs by hard links, and the repository's links to them as the registry writes them on a push. False
    when the cache does not hold that image (whole)."""
    record = _record(image_id)
    if not record.exists():
        return False
    document = json.loads(record.read_text())
    digests = _digests(document)
    if not all(_cached_blob(digest).exists() for digest in digests):
        return False
    for digest in digests:
        _place(_cached_blob(digest), _stored_blob(storage, digest))
    repository = _v2(storage) / "repositories" / REPOSITORY
    for digest in digests[1:]:
        _write_link(repository / "_layers" / "sha256" / _hex(digest) / "link", digest)
    manifest = document["digest"]
    _write_link(repository / "_manifests" / "revisions" / "sha256" / _hex(manifest) / "link", manifest)
    tag = repository / "_manifests" / "tags" / TAG
    _write_link(tag / "index" / "sha256" / _hex(manifest) / "link", manifest)
    _write_link(tag / "current" / "link", manifest)
    return True


def harvest(storage: Path, image_id: str, manifest: tuple[bytes, str, str]) -> None:
    """After the base image was pushed to a registry: link its blobs from the registry's ``storage`` into the cache,
    then write the record that names them (last, so a record always names blobs that are there)."""
    body, digest, media_type = manifest
    document = {"manifest": body.decode(), "digest": digest, "media_type": media_type or _MANIFEST_TYPE}
    for blob in _digests(document):
        _place(_stored_blob(storage, blob), _cached_blob(blob))
    record = _record(image_id)
    record.parent.mkdir(parents=True, exist_ok=True)
    partial = record.with_name(f".{record.name}.{os.getpid()}")
    partial.write_text(json.dumps(document))
    os.replace(partial, record)


def _reference(address: str) -> str:
    return f"{address}/{REPOSITORY}:{TAG}"


def register(address: str, password: str) -> None:
    """The engine pushes the base image to its repository in the registry at ``address``, which has every blob: each
    layer "already exists" (a HEAD per blob, nothing compressed or sent), and the engine notes the registry as a source
    of those layers, from which its later pushes to other repositories mount them. The push's tag goes again."""
    engine_tasks.tag(base_image.NODE_IMAGE, _reference(address))
    try:
        engine_tasks.push(_reference(address), "AWS", password, timeout=120)
    finally:
        engine_tasks.untag(_reference(address))


def fill(storage: Path, address: str, password: str, image_id: str, fetch: Any) -> bool:
    """Push the base image to the registry at ``address`` (docker compresses and uploads its layers: the slow part,
    once per machine) and keep its blobs in the cache. ``fetch(repository, tag)`` reads the registry's manifest.
    Another sandbox filling the cache at the same time: nothing (False)."""
    lock_path = cache_root() / "fill.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        if _record(image_id).exists():
            return seed(storage, image_id)
        engine_tasks.tag(base_image.NODE_IMAGE, _reference(address))
        try:
            engine_tasks.push(_reference(address), "AWS", password)
        finally:
            engine_tasks.untag(_reference(address))
        manifest = fetch(REPOSITORY, TAG)
        if manifest is None:
            return False
        harvest(storage, image_id, manifest)
        return True


def provide(storage: Path, address: str, password: str, fetch: Any) -> str:
    """At a Docker-mode registry's start: the base image from the cache (``"seeded"``), else pushed once in the
    background to fill the cache (``"filling"``); ``"absent"`` when the engine does not have the base image."""
    try:
        image_id = engine_tasks.image_id(base_image.NODE_IMAGE)
    except (OSError, engine_tasks.EngineError):
        return "absent"
    if image_id is None:
        return "absent"
    if seed(storage, image_id):
        register(address, password)
        return "seeded"

    def _fill() -> None:
        try:
            fill(storage, address, password, image_id, fetch)
        except (OSError, engine_tasks.EngineError, ValueError, KeyError):
            pass  # the sandbox stopped during the push, or the engine refused: the next sandbox tries again

    threading.Thread(target=_fill, name="base-blobs-fill", daemon=True).start()
    return "filling"
