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
        moto_caches,
        s3,
        servicequotas,
    )

    loopback.set_endpoint(endpoint)
    moto_caches.install()
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


def resume(wait_seconds: float = 20.0) -> list[str]:
    """Carry on from a restored state: builds and executions that were running end with the restart
    reason (approvals stay pending), listeners listen on their ports again, and services start their
    tasks again (waited for up to ``wait_seconds``, so the environments answer when the sandbox does).
    Returns what happened, one line each, for the sandbox's log."""
    import time

    from moto.cloudformation.models import cloudformation_backends
    from moto.codebuild.models import codebuild_backends
    from moto.codepipeline.models import codepipeline_backends
    from moto.ecs.models import ecs_backends
    from moto.elbv2.models import elbv2_backends

    from ..seams import moto as moto_seam

    others = [
        backend
        for backends in moto_seam.backend_dicts_in_use()
        if backends is not cloudformation_backends
        for _, _, backend in backends.iter_backends()
    ]
    report = []
    for _, region, stacks in cloudformation_backends.iter_backends():
        relinked = getattr(stacks, "resume", lambda _: 0)(others)
        if relinked:
            report.append(f"{region}: {relinked} stack resource(s) point at the live resources again")
    for _, region, builds in codebuild_backends.iter_backends():
        for build_id in getattr(builds, "resume", list)():
            report.append(f"{region}: build {build_id} ended as FAILED (the sandbox restarted while it ran)")
    for _, region, pipelines in codepipeline_backends.iter_backends():
        for execution_id in getattr(pipelines, "resume", list)():
            report.append(f"{region}: pipeline execution {execution_id} waits for its approval again")
    for _, region, balancers in elbv2_backends.iter_backends():
        report += [f"{region}: {problem}" for problem in getattr(balancers, "resume", list)()]
    threads = [t for _, _, ecs in ecs_backends.iter_backends() for t in getattr(ecs, "resume", list)()]
    deadline = time.monotonic() + wait_seconds
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    report.append(f"{len(threads)} ECS service(s) started their tasks again")
    return report


def shutdown() -> None:
    """Stop every task process and listener the extensions started."""
    from . import ecs, elbv2

    ecs.shutdown()
    elbv2.shutdown()
