"""The one place the kit makes boto3 clients, for both backends.

``sandbox`` talks to the local endpoint with dummy credentials, so a learner's real credentials are
never sent anywhere; ``aws`` uses the default credential chain or a named profile.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from . import __version__, sandbox
from .errors import CredentialsError

if TYPE_CHECKING:
    from .settings import WorkshopSettings

SANDBOX_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    user_agent_extra=f"ecs-cd-workshop/{__version__}",
    connect_timeout=10,
    read_timeout=70,
)


def session_for(settings: WorkshopSettings, session: boto3.Session | None = None) -> boto3.Session:
    """A session for the chosen backend. On the sandbox a passed session is ignored on purpose."""
    if settings.backend == "sandbox":
        return _sandbox_session(settings.region)
    if session is not None:
        return session
    return _aws_session(settings.profile, settings.region)


def client(service: str, settings: WorkshopSettings, session: boto3.Session | None = None) -> Any:
    if settings.backend == "sandbox":
        return _sandbox_client(service, settings.region, sandbox.endpoint())
    if session is not None:
        return session.client(service, region_name=settings.region, config=_CONFIG)
    return _aws_client(service, settings.profile, settings.region)


def sandbox_environment(region: str) -> dict[str, str]:
    """Environment variables that point the AWS CLI or any SDK at the sandbox."""
    return {
        "AWS_ACCESS_KEY_ID": SANDBOX_CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": SANDBOX_CREDENTIALS["aws_secret_access_key"],
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_ENDPOINT_URL": sandbox.endpoint(),
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }


@lru_cache(maxsize=8)
def _sandbox_session(region: str) -> boto3.Session:
    return boto3.Session(region_name=region, **SANDBOX_CREDENTIALS)


@lru_cache(maxsize=64)
def _sandbox_client(service: str, region: str, endpoint: str) -> Any:
    return _sandbox_session(region).client(service, endpoint_url=endpoint, config=_CONFIG)


@lru_cache(maxsize=8)
def _aws_session(profile: str | None, region: str) -> boto3.Session:
    try:
        return boto3.Session(profile_name=profile, region_name=region)
    except Exception as error:  # botocore.exceptions.ProfileNotFound and friends
        raise CredentialsError(
            f"AWS profile {profile!r} could not be loaded ({error}). Check `aws configure list-profiles`, "
            "or leave profile empty to use the default credential chain."
        ) from None


@lru_cache(maxsize=64)
def _aws_client(service: str, profile: str | None, region: str) -> Any:
    return _aws_session(profile, region).client(service, config=_CONFIG)
