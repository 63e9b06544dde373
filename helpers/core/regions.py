"""Which regions can host the workshop, from botocore's bundled endpoint data (no network)."""

from __future__ import annotations

from functools import cache, lru_cache
from urllib.parse import urlsplit

from .sessions import new_session

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


#: The commercial partition, China and GovCloud: the kit's ARNs, policies and console links follow
#: the region's partition.
PARTITIONS: tuple[str, ...] = ("aws", "aws-cn", "aws-us-gov")


@cache
def regions_offering(service: str) -> frozenset[str]:
    """Every region of the three partitions where botocore's bundled endpoint data lists ``service``; cached,
    no network. It says nothing about whether the account has enabled the region: the preflight asks that."""
    session = new_session()
    return frozenset(r for p in PARTITIONS for r in session.get_available_regions(service, partition_name=p))


@lru_cache(maxsize=1)
def supported_regions() -> tuple[str, ...]:
    """Regions where every service in REQUIRED_SERVICES is offered, sorted."""
    common = set(regions_offering(REQUIRED_SERVICES[0]))
    for service in REQUIRED_SERVICES[1:]:
        common &= regions_offering(service)
    return tuple(sorted(common))


def missing_services(region: str) -> list[str]:
    """The required services ``region`` does not offer, in REQUIRED_SERVICES order; empty when it can host the
    workshop. The settings check and the preflight name them in their messages."""
    return [s for s in REQUIRED_SERVICES if region not in regions_offering(s)]


def all_known_regions() -> frozenset[str]:
    """Every region botocore knows for EC2, S3, STS or a required service: lets the settings check tell a
    region that lacks a service from a name that is no region at all (a typo)."""
    known: set[str] = set()
    for service in ("ec2", "s3", "sts", *REQUIRED_SERVICES):
        known |= regions_offering(service)
    return frozenset(known)


#: A region of each partition that is always enabled, to ask about the others.
_HOME_REGIONS = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}
#: The AWS console's domain in each partition.
_CONSOLE_DOMAINS = {
    "aws": "console.aws.amazon.com",
    "aws-cn": "console.amazonaws.cn",
    "aws-us-gov": "console.amazonaws-us-gov.com",
}


@cache
def partition_of(region: str) -> str:
    """``aws``, ``aws-cn`` or ``aws-us-gov``, as botocore maps ``region`` (cached): the kit's ARNs, policies
    and console links follow it. A name botocore does not know raises its UnknownRegionError."""
    return new_session().get_partition_for_region(region)


def home_region(region: str) -> str:
    """The always-enabled region of ``region``'s partition."""
    return _HOME_REGIONS.get(partition_of(region), region)


def console_url(region: str, path: str) -> str:
    """``https://<region>.<console domain>/<path>`` in ``region``'s partition."""
    domain = _CONSOLE_DOMAINS.get(partition_of(region), _CONSOLE_DOMAINS["aws"])
    return f"https://{region}.{domain}/{path}"


def is_console_url(url: str) -> bool:
    """Whether ``url`` is a page of the AWS console, in any partition (the sandbox has none to show)."""
    host = urlsplit(url).hostname or ""
    return any(host == domain or host.endswith("." + domain) for domain in _CONSOLE_DOMAINS.values())
