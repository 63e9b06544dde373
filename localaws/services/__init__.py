"""The kit's extensions to moto, one package per AWS service, each laid out like moto's own
(``models.py`` for backend state, ``responses.py`` for the wire layer, ``exceptions.py``, ``urls.py``).

``install()`` is the one place they are plugged into moto; ``shutdown()`` stops what they started.
"""

from __future__ import annotations

from pathlib import Path

EXTENDED_SERVICES: list[str] = [
    "autoscaling",
    "cloudformation",
    "codebuild",
    "codecommit",
    "codepipeline",
    "ec2",
    "ecr",
    "ecs",
    "elbv2",
    "iam",
    "s3",
    "service-quotas",
]
_installed = False


def install(data_dir: Path, endpoint: str) -> None:
    """Plug every extension into moto. Call once, before the server handles a request."""
    global _installed
    if _installed:
        return
    from .. import iam_enforcement
    from . import (
        autoscaling,
        cloudformation,
        codebuild,
        codecommit,
        codepipeline,
        ec2,
        ecr,
        ecs,
        elbv2,
        iam,
        loopback,
        s3,
        servicequotas,
    )

    loopback.set_endpoint(endpoint)
    autoscaling.install()
    cloudformation.install()
    codebuild.install(data_dir)
    ecr.install(data_dir)
    codecommit.install(data_dir)
    codepipeline.install()
    ec2.install()
    ecs.install(data_dir)
    elbv2.install()
    iam.install()
    s3.install()
    iam_enforcement.install()
    servicequotas.install()
    _installed = True


def shutdown() -> None:
    """Stop every task process and listener the extensions started."""
    from . import ecs, elbv2

    ecs.shutdown()
    elbv2.shutdown()
