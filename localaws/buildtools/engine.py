"""Which runtime the sandbox uses for containers: ``docker`` when a Docker engine answers, ``process`` otherwise.

Docker mode: a build's ``docker build`` runs the real CLI against the engine (RUN steps execute), and the sandbox
makes sure the base image the kit's Dockerfile names exists (``base_image.py``). Process mode: today's stand-ins
(``docker.py`` without an engine, ECS tasks as local processes). ``LOCALAWS_CONTAINERS`` forces either; ``auto``
(the default) asks the engine at ``DOCKER_HOST`` (``unix://`` or ``tcp://``), else at ``/var/run/docker.sock``.

The sandbox decides once, when it starts (``process.start``), and hands the answer to its server and to every build
as ``LOCALAWS_CONTAINERS=docker|process``; ``status --json`` reports it as ``containers``.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
from collections.abc import Mapping
from urllib.parse import urlparse

from .. import config

DEFAULT_SOCKET = "unix:///var/run/docker.sock"
DOCKER = "docker"
PROCESS = "process"
#: Where the real docker CLI is, for a build's ``docker`` (the build's PATH finds the stand-in first).
CLI_VARIABLE = "SANDBOX_DOCKER_CLI"
ENGINE_HINT = (
    "Docker mode needs a Docker engine: as root, `make docker-engine` installs Debian's docker.io and starts dockerd "
    "(or set DOCKER_HOST to a running engine); LOCALAWS_CONTAINERS=process runs without one."
)


class EngineUnavailable(Exception):
    """Docker mode was asked for (``LOCALAWS_CONTAINERS=docker``) and no engine answers."""


def docker_host(environ: Mapping[str, str] | None = None) -> str:
    """Where the engine is asked for: ``DOCKER_HOST``, as the docker CLI reads it, else the default socket."""
    environ = os.environ if environ is None else environ
    return environ.get("DOCKER_HOST", "").strip() or DEFAULT_SOCKET


class UnixConnection(http.client.HTTPConnection):
    """HTTP to the engine over its Unix socket (``DOCKER_HOST=unix://...`` or the default one)."""

    def __init__(self, path: str, timeout: float | None) -> None:
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.socket_path)


def reachable(host: str | None = None, timeout: float = 2.0) -> bool:
    """Whether a Docker engine answers ``GET /_ping`` at ``host`` (``DOCKER_HOST`` or the default socket)."""
    url = urlparse(host or docker_host())
    connection: http.client.HTTPConnection
    if url.scheme == "unix":
        if not os.path.exists(url.path):
            return False
        connection = UnixConnection(url.path, timeout)
    elif url.scheme in ("tcp", "http"):
        connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port or 2375, timeout=timeout)
    else:  # ssh://, https:// (TLS needs the client's certificates): the CLI would know; the sandbox does not guess
        return False
    try:
        connection.request("GET", "/_ping")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def cli() -> str | None:
    """The real docker CLI on this machine's PATH."""
    return shutil.which("docker")


def decide(environ: Mapping[str, str] | None = None) -> str:
    """``docker`` or ``process``, from ``LOCALAWS_CONTAINERS`` and whether an engine answers. EngineUnavailable
    when Docker mode is forced and no engine (or no CLI) is there."""
    wanted = config.containers(environ)
    if wanted == PROCESS:
        return PROCESS
    found = reachable(docker_host(environ)) and cli() is not None
    if found:
        return DOCKER
    if wanted == DOCKER:
        raise EngineUnavailable(
            f"LOCALAWS_CONTAINERS=docker, but no Docker engine answers at {docker_host(environ)}. " + ENGINE_HINT
        )
    return PROCESS


def current(environ: Mapping[str, str] | None = None) -> str:
    """The mode the running sandbox decided at start (its server and builds have it in their environment)."""
    environ = os.environ if environ is None else environ
    return DOCKER if environ.get(config.CONTAINERS, "").strip().lower() == DOCKER else PROCESS
