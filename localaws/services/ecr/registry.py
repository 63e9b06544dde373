"""The real registries behind the sandbox's ECR in Docker mode: Debian's ``docker-registry`` (the CNCF distribution
registry, 2.8), one per account on a loopback port of its own, as each account has its own registry host on AWS
(``<account>.dkr.ecr.<region>.amazonaws.com``, which GetAuthorizationToken's ``proxyEndpoint`` and a repository's
``repositoryUri`` name). The default account's starts with the sandbox's server; another account's when that account
first needs it (its first CreateRepository or GetAuthorizationToken, a privileged build, a task pulling its image:
``ensure``); all stop with the sandbox.

- The default account's storage is ``<data>/registry/storage``, another account's ``<data>/registry-<account>/
  storage``; each one's login is ``htpasswd`` with the one user ECR's tokens name, ``AWS``, and the password
  ``GetAuthorizationToken`` gives that account (moto's ``<account>-auth-token``): a login with another password
  (another account's token) is refused by the registry itself, as account B's token is by account A's registry.
- A privileged build gets its account's registry's address (``SANDBOX_REGISTRY``) and every running one's by account
  (``SANDBOX_REGISTRIES``: ``build_variables``); its ``docker push`` (``buildtools/engine_registry.py``) sends the
  image to the registry of the ECR address's account, then puts the registry's own manifest into ECR with PutImage
  and the manifest's real digest, so DescribeImages and BatchGetImage answer what the registry holds
  (``models.py``); a PutImage ECR refuses (an immutable tag) puts the registry's tag back.
- DeleteRepository (``--force``) removes the repository's content from its account's registry's storage (its blobs
  stay until a ``docker-registry garbage-collect``, as a registry's do); BatchDeleteImage and a lifecycle policy's
  expiry delete the image's manifest through that registry's API (its configuration enables deletion), so a pull of
  it fails.

Docker pushes to 127.0.0.0/8 over plain HTTP without configuration (an insecure registry by default). One registry
idles at about 20 MB resident (27 MB at its peak while the base image was pushed to it; measured 2026-12-06).
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path

from ...buildtools import engine, engine_tasks
from ...buildtools.image_store import ecr_password
from . import base_blobs

#: A registry's address (``127.0.0.1:PORT``), for a build's ``docker`` (``build_variables``): the default account's in
#: the sandbox's own environment, the build's account's in a build's.
ADDRESS_VARIABLE = "SANDBOX_REGISTRY"
#: Every running registry as ``ACCOUNT=127.0.0.1:PORT`` pairs separated by commas, for a build's ``docker``.
REGISTRIES_VARIABLE = "SANDBOX_REGISTRIES"
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
    def __init__(self, process: subprocess.Popen[bytes], address: str, folder: Path) -> None:
        self.process, self.address, self.folder = process, address, folder


#: The running registries by account.
_registries: dict[str, _Registry] = {}
#: The sandbox's data folder once ``start`` ran in Docker mode with docker-registry (None: no registry is started).
_data_dir: list[Path] = []
_lock = threading.RLock()


def account() -> str:
    """The sandbox's default account (``MOTO_ACCOUNT_ID``, else moto's), whose registry starts with the sandbox."""
    return os.environ.get("MOTO_ACCOUNT_ID", "123456789012")


def password(account_id: str | None = None) -> str:
    """The password in the account's ECR authorization token (moto's GetAuthorizationToken answer)."""
    return ecr_password(account_id or account())


def address(account_id: str | None = None) -> str | None:
    """The ``127.0.0.1:PORT`` of the account's running registry (the default account's without one); None when it
    runs none (``ensure`` starts it)."""
    running = _registries.get(account_id or account())
    return running.address if running else None


def ensure(account_id: str | None = None) -> str | None:
    """The account's registry's address, started now if it runs none yet; None in process mode or without
    docker-registry."""
    with _lock:
        if address(account_id) is None and _data_dir:
            _start(_data_dir[0], account_id or account())
        return address(account_id)


def build_variables(account_id: str) -> dict[str, str]:
    """A privileged build's variables for its ``docker`` (``buildtools/engine_registry.py``): the address of its
    account's registry (started if needed) and of every running one, by account; empty when no registry runs."""
    own = ensure(account_id)
    if own is None:
        return {}
    pairs = ",".join(f"{name}={running.address}" for name, running in sorted(_registries.items()))
    return {ADDRESS_VARIABLE: own, REGISTRIES_VARIABLE: pairs}


def folder(account_id: str | None = None) -> Path | None:
    """The account's registry's folder (``config.yml``, ``storage``, ``registry.log``), whether it runs or not (its
    storage stays on disk when the sandbox stops); None when no registry is started (process mode)."""
    if not _data_dir:
        return None
    return _data_dir[0] / _folder_name(account_id or account())


def _folder_name(account_id: str) -> str:
    return "registry" if account_id == account() else f"registry-{account_id}"


def _holding(account_id: str | None) -> str | None:
    """The address of the account's registry when it holds content: started again if it ran before (its storage is
    on disk, e.g. from before the sandbox restarted); None when the account never had one."""
    existing = folder(account_id)
    if address(account_id) is None and existing is not None and (existing / "storage").is_dir():
        return ensure(account_id)
    return address(account_id)


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
    """Start the default account's registry in Docker mode (None in process mode, or without Debian's
    docker-registry); other accounts' start when they first need one (``ensure``)."""
    if engine.current() != engine.DOCKER:
        return None
    if shutil.which("docker-registry") is None:
        print("Docker mode without docker-registry: ECR keeps images in the sandbox only (make docker-engine)")
        return None
    with _lock:
        _data_dir[:] = [data_dir]
        location = ensure(account())
    if location is not None:
        os.environ[ADDRESS_VARIABLE] = location
    return location


def _start(data_dir: Path, account_id: str) -> None:
    binary = shutil.which("docker-registry")
    if binary is None:
        return
    folder = data_dir / _folder_name(account_id)
    (folder / "storage").mkdir(parents=True, exist_ok=True)
    htpasswd = folder / "htpasswd"
    htpasswd.write_text(f"AWS:{_bcrypt(password(account_id))}\n")
    port = _free_port()
    location = f"127.0.0.1:{port}"
    config = folder / "config.yml"
    config.write_text(_CONFIG.format(storage=folder / "storage", address=location, htpasswd=htpasswd))
    log = open(folder / "registry.log", "ab")  # noqa: SIM115 - the registry's log, open while it runs
    process = subprocess.Popen(
        [binary, "serve", str(config)], cwd=folder, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
    )
    _registries[account_id] = _Registry(process, location, folder)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if _status("GET", "/v2/", authorized=False, account_id=account_id) == 401:
            _provide_base(folder / "storage", location, account_id)
            return
        time.sleep(0.05)
    _stop(account_id)
    raise RuntimeError(f"docker-registry did not answer on {location}; see {folder / 'registry.log'}")


def _provide_base(storage: Path, location: str, account_id: str) -> None:
    """The base image's blobs in the registry from the machine-wide cache (``base_blobs.py``), so that a build's push
    mounts them instead of uploading them; the answer is in ``registry.log``'s folder as ``base.txt``."""
    try:
        provided = base_blobs.provide(
            storage,
            location,
            password(account_id),
            lambda repository, reference: manifest(repository, reference, account_id),
        )
    except (OSError, engine_tasks.EngineError, ValueError, KeyError) as error:
        provided = f"not provided: {error}"
    (storage.parent / "base.txt").write_text(provided + "\n")


def stop() -> None:
    """Stop every account's registry with the sandbox and forget their addresses; their storage stays on disk for
    the next start."""
    with _lock:
        for account_id in list(_registries):
            _stop(account_id)
        _data_dir.clear()
    os.environ.pop(ADDRESS_VARIABLE, None)


def _stop(account_id: str) -> None:
    running = _registries.pop(account_id, None)
    if running is not None and running.process.poll() is None:
        running.process.terminate()
        try:
            running.process.wait(10)
        except subprocess.TimeoutExpired:
            running.process.kill()


def _request(
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    authorized: bool = True,
    account_id: str | None = None,
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(f"http://{address(account_id)}{path}", data=body, method=method)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    if authorized:
        secret = password(account_id)
        request.add_header("Authorization", "Basic " + base64.b64encode(f"AWS:{secret}".encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
    except OSError:
        return 0, {}, b""


def _status(method: str, path: str, authorized: bool = True, account_id: str | None = None) -> int:
    return _request(method, path, authorized=authorized, account_id=account_id)[0]


def manifest(repository: str, reference: str, account_id: str | None = None) -> tuple[bytes, str, str] | None:
    """The account's registry's manifest for ``reference`` (a tag or digest): its bytes, digest and media type."""
    if address(account_id) is None:
        return None
    status, headers, body = _request(
        "GET",
        f"/v2/{repository}/manifests/{reference}",
        headers={"Accept": ", ".join(MANIFEST_TYPES)},
        account_id=account_id,
    )
    if status != 200:
        return None
    return body, headers.get("Docker-Content-Digest", ""), headers.get("Content-Type", MANIFEST_TYPES[0])


def put_manifest(repository: str, tag: str, body: bytes, media_type: str, account_id: str | None = None) -> bool:
    """Point ``tag`` at the manifest ``body`` again (what ECR keeps when it refuses a push)."""
    if _holding(account_id) is None:
        return False
    status, _, _ = _request(
        "PUT", f"/v2/{repository}/manifests/{tag}", body, {"Content-Type": media_type}, account_id=account_id
    )
    return status == 201


def delete_manifest(repository: str, digest: str, account_id: str | None = None) -> None:
    """Delete one manifest, by digest, from the account's registry (BatchDeleteImage removed its image from ECR);
    does nothing when it never had a registry."""
    if _holding(account_id) is not None:
        _request("DELETE", f"/v2/{repository}/manifests/{digest}", account_id=account_id)


def delete_repository(repository: str, account_id: str | None = None) -> None:
    """Remove the repository's content (its manifests, tags and layer links) from the account's registry's storage."""
    storage = folder(account_id)
    if storage is None:
        return
    root = storage / "storage" / "docker" / "registry" / "v2" / "repositories"
    target = (root / repository).resolve()
    if target.is_relative_to(root.resolve()) and target != root.resolve():
        shutil.rmtree(target, ignore_errors=True)
