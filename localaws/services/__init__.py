"""The kit's extensions to moto, one package per AWS service, each laid out like moto's own
(``models.py`` for backend state, ``responses.py`` for the wire layer, ``exceptions.py``, ``urls.py``) and each
declaring itself in its ``__init__.py``: ``EXTENSION = Extension(...)`` (see ``_extension.py``).

``PACKAGES`` is the one list of them; ``registry()`` imports them by name, as ``moto/backends.py`` imports
moto's services, so that importing one service (a test importing ``codebuild/local_builds.py``) does not import
every other. ``install()`` is the one place they are plugged into moto;
``resume()`` carries them on from a restored state; ``shutdown()`` stops what they started.
"""

from __future__ import annotations

import importlib
import time
from functools import cache
from pathlib import Path

from .. import iam_enforcement
from . import loopback, moto_caches
from ._extension import Extension, Route

#: The service packages, in the order they install and resume: CloudFormation first (its stacks point at the
#: others' live resources before those carry on), ECS last (its tasks start once the listeners listen again).
PACKAGES = (
    "cloudformation",
    "autoscaling",
    "codebuild",
    "codecommit",
    "codepipeline",
    "ec2",
    "ecr",
    "elbv2",
    "iam",
    "s3",
    "servicequotas",
    "ecs",
)


@cache
def registry() -> tuple[Extension, ...]:
    """Every service's ``EXTENSION``, in ``PACKAGES`` order (importing a package defines its CloudFormation
    resource types too, so all are imported before any installs)."""
    return tuple(importlib.import_module(f"{__name__}.{package}").EXTENSION for package in PACKAGES)


def names() -> list[str]:
    """The extended services, as moto and boto3 name them (the health route lists them)."""
    return sorted(extension.name for extension in registry())


def routes() -> list[Route]:
    """The ``/_sandbox`` routes the services serve."""
    return [route for extension in registry() for route in extension.routes]


@cache
def install(data_dir: Path, endpoint: str) -> None:
    """Plug every extension into moto. Call once, before the server handles a request (a second call with
    the same arguments does nothing)."""
    loopback.set_endpoint(endpoint)
    moto_caches.install()
    for extension in registry():
        extension.install(data_dir)
    iam_enforcement.install()


def resume(wait_seconds: float = 20.0) -> list[str]:
    """Carry on from a restored state: builds and executions that were running end with the restart
    reason (approvals stay pending), listeners listen on their ports again, and services start their
    tasks again (waited for up to ``wait_seconds``, so the environments answer when the sandbox does).
    Returns what happened, one line each, for the sandbox's log."""
    report, threads = [], []
    for extension in registry():
        resumed = extension.resume()
        report += resumed.report
        threads += resumed.threads
    deadline = time.monotonic() + wait_seconds
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    report.append(f"{len(threads)} ECS service(s) started their tasks again")
    return report


def shutdown() -> None:
    """Stop every task process and listener the extensions started."""
    for extension in registry():
        extension.shutdown()
