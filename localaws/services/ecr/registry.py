"""The real registry behind the sandbox's ECR in Docker mode: Debian's ``docker-registry`` (the CNCF distribution
registry, 2.8) on a loopback port, started with the sandbox's server and stopped with it.

- Its storage is ``<data>/registry/storage``; its login is ``htpasswd`` with the one user ECR's tokens name,
  ``AWS``, and the password ``GetAuthorizationToken`` gives the account (moto's ``<account>-auth-token``): a login
  with another password is refused by the registry itself.
- A build's ``docker push`` (``buildtools/engine_build.py``) sends the image there, then puts the registry's own
  manifest into ECR with PutImage and the manifest's real digest, so DescribeImages and BatchGetImage answer what
  the registry holds (``models.py``); a PutImage ECR refuses (an immutable tag) puts the registry's tag back.
- DeleteRepository (``--force``) removes the repository's content from the registry's storage (its blobs stay until
  a ``docker-registry garbage-collect``, as a registry's do); BatchDeleteImage and a lifecycle policy's expiry delete
  the image's manifest through the registry's API (its configuration enables deletion), so a pull of it fails.

Docker pushes to 127.0.0.0/8 over plain HTTP without configuration (an insecure registry by default).
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path

from ...buildtools import engine, engine_tasks
from ...buildtools.image_store import ecr_password
from . import base_blobs

#: The registry's address (``127.0.0.1:PORT``), for a build's ``docker`` (``engine_build.build_environment``).
ADDRESS_VARIABLE = "SANDBOX_REGISTRY"
MANIFEST_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.index.v1+json",
)
_CONFIG = """\
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: {storage}
  delete:
    enabled: true
http:
  addr: {address}
auth:
  htpasswd:
    realm: ecr
    path: {htpasswd}
"""


class _Registry:
    process: subprocess.Popen[bytes] | None = None
    address: str | None = None
    folder: Path | None = None


_registry = _Registry()


def account() -> str:
    """The account whose ECR password the registry accepts: ``MOTO_ACCOUNT_ID``, else moto's default account. The
    registry has one login, so another account's token is refused."""
    return os.environ.get("MOTO_ACCOUNT_ID", "123456789012")


def password(account_id: str | None = None) -> str:
    """The password in the account's ECR authorization token (moto's GetAuthorizationToken answer)."""
    return ecr_password(account_id or account())


def address() -> str | None:
    """The running registry's ``127.0.0.1:PORT``; None when none runs."""
    return _registry.address


#: bcrypt's cost (log2 of its rounds) for the registry's htpasswd. The registry checks the password on every request
#: (each blob HEAD, upload chunk and manifest of a push or pull), and at crypt's default cost (12) one check took
#: 0.3-0.6 s of CPU on a 2-core machine: seconds per push. Cost 4, bcrypt's minimum, is still a real check; the
#: secret is a token the sandbox made, not a person's password that a slow hash protects from guessing.
BCRYPT_COST = 4


def _bcrypt(secret: str) -> str:
    with warnings.catch_warnings():  # crypt is deprecated (PEP 594) but the one bcrypt in the standard library
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt

        return crypt.crypt(secret, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=2**BCRYPT_COST))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(data_dir: Path) -> str | None:
    """Start the registry in Docker mode (None in process mode, or without Debian's docker-registry)."""
    if engine.current() != engine.DOCKER or _registry.process is not None:
        return _registry.address
    binary = shutil.which("docker-registry")
    if binary is None:
        print("Docker mode without docker-registry: ECR keeps images in the sandbox only (make docker-engine)")
        return None
    folder = data_dir / "registry"
    (folder / "storage").mkdir(parents=True, exist_ok=True)
    htpasswd = folder / "htpasswd"
    htpasswd.write_text(f"AWS:{_bcrypt(password())}\n")
    port = _free_port()
    location = f"127.0.0.1:{port}"
    config = folder / "config.yml"
    config.write_text(_CONFIG.format(storage=folder / "storage", address=location, htpasswd=htpasswd))
    log = open(folder / "registry.log", "ab")  # noqa: SIM115 - the registry's log, open while it runs
    _registry.process = subprocess.Popen(
        [binary, "serve", str(config)], cwd=folder, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
    )
    _registry.folder, _registry.address = folder, location
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if _status("GET", "/v2/", authorized=False) == 401:
            os.environ[ADDRESS_VARIABLE] = location
            _provide_base(folder / "storage", location)
            return location
        time.sleep(0.05)
    stop()
    raise RuntimeError(f"docker-registry did not answer on {location}; see {folder / 'registry.log'}")


def _provide_base(storage: Path, location: str) -> None:
    """The base image's blobs in the registry from the machine-wide cache (``base_blobs.py``), so that a build's push
    mounts them instead of uploading them; the answer is in ``registry.log``'s folder as ``base.txt``."""
    try:
        provided = base_blobs.provide(storage, location, password(), manifest)
    except (OSError, engine_tasks.EngineError, ValueError, KeyError) as error:
        provided = f"not provided: {error}"
    (storage.parent / "base.txt").write_text(provided + "\n")


def stop() -> None:
    """Stop the registry with the sandbox and forget its address; its storage stays on disk for the next start."""
    process, _registry.process, _registry.address = _registry.process, None, None
    os.environ.pop(ADDRESS_VARIABLE, None)
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def _request(
    method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None, authorized: bool = True
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(f"http://{_registry.address}{path}", data=body, method=method)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    if authorized:
        request.add_header("Authorization", "Basic " + base64.b64encode(f"AWS:{password()}".encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
    except OSError:
        return 0, {}, b""


def _status(method: str, path: str, authorized: bool = True) -> int:
    return _request(method, path, authorized=authorized)[0]


def manifest(repository: str, reference: str) -> tuple[bytes, str, str] | None:
    """The registry's manifest for ``reference`` (a tag or digest): its bytes, digest and media type."""
    if _registry.address is None:
        return None
    status, headers, body = _request(
        "GET", f"/v2/{repository}/manifests/{reference}", headers={"Accept": ", ".join(MANIFEST_TYPES)}
    )
    if status != 200:
        return None
    return body, headers.get("Docker-Content-Digest", ""), headers.get("Content-Type", MANIFEST_TYPES[0])


def put_manifest(repository: str, tag: str, body: bytes, media_type: str) -> bool:
    """Point ``tag`` at the manifest ``body`` again (what ECR keeps when it refuses a push)."""
    if _registry.address is None:
        return False
    status, _, _ = _request("PUT", f"/v2/{repository}/manifests/{tag}", body, {"Content-Type": media_type})
    return status == 201


def delete_manifest(repository: str, digest: str) -> None:
    """Delete one manifest, by digest, from the registry (BatchDeleteImage removed its image from ECR); does nothing
    when no registry runs."""
    if _registry.address is not None:
        _request("DELETE", f"/v2/{repository}/manifests/{digest}")


def delete_repository(repository: str) -> None:
    """Remove the repository's content (its manifests, tags and layer links) from the registry's storage."""
    if _registry.folder is None:
        return
    root = _registry.folder / "storage" / "docker" / "registry" / "v2" / "repositories"
    target = (root / repository).resolve()
    if target.is_relative_to(root.resolve()) and target != root.resolve():
        shutil.rmtree(target, ignore_errors=True)
