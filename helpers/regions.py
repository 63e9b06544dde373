"""Which regions can host the workshop, from botocore's bundled endpoint data (no network)."""

from __future__ import annotations

from functools import cache, lru_cache

import boto3

#: Every service the architecture needs, as botocore names them.
REQUIRED_SERVICES: tuple[str, ...] = (
    "codecommit",
    "codebuild",
    "codepipeline",
    "ecs",
    "ecr",
    "elbv2",
    "events",
)


@cache
def regions_offering(service: str) -> frozenset[str]:
    return frozenset(boto3.Session().get_available_regions(service))


@lru_cache(maxsize=1)
def supported_regions() -> tuple[str, ...]:
    """Regions where every service in REQUIRED_SERVICES is offered, sorted."""
    common = set(regions_offering(REQUIRED_SERVICES[0]))
    for service in REQUIRED_SERVICES[1:]:
        common &= regions_offering(service)
    return tuple(sorted(common))


def missing_services(region: str) -> list[str]:
    return [s for s in REQUIRED_SERVICES if region not in regions_offering(s)]


def all_known_regions() -> frozenset[str]:
    known: set[str] = set()
    for service in ("ec2", "s3", "sts", *REQUIRED_SERVICES):
        known |= regions_offering(service)
    return frozenset(known)
