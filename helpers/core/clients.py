"""The one place the kit makes boto3 clients, for both backends.

``sandbox`` talks to the local endpoint with dummy credentials, so a learner's real credentials are
never sent anywhere; ``aws`` uses the default credential chain or a named profile.

Clients are typed (boto3-stubs, the ``dev`` extra) through one overload per service the kit uses,
as aws-sdk-pandas does. An AWS client is reused only when it was made with credentials: botocore
never looks for credentials again in a client made without them, and the preflight's advice "fix
your credentials, then re-run this cell" must work without restarting the kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import boto3
from botocore.config import Config

from .. import __version__
from . import sandbox
from .errors import CredentialsError
from .sessions import new_session, new_sessions

if TYPE_CHECKING:
    from mypy_boto3_autoscaling import AutoScalingClient
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_codebuild import CodeBuildClient
    from mypy_boto3_codecommit import CodeCommitClient
    from mypy_boto3_codepipeline import CodePipelineClient
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ecr import ECRClient
    from mypy_boto3_ecs import ECSClient
    from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_service_quotas import ServiceQuotasClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_ssm import SSMClient
    from mypy_boto3_sts import STSClient

    from .settings import WorkshopSettings

SANDBOX_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    user_agent_extra=f"ecs-cd-workshop/{__version__}",
    connect_timeout=10,
    read_timeout=70,
)
_AWS_CLIENTS: dict[tuple[str, str | None, str], Any] = {}


@overload
def client(
    service: Literal["autoscaling"], settings: WorkshopSettings, session: boto3.Session | None = None
) -> AutoScalingClient: ...


@overload
def client(
    service: Literal["cloudformation"], settings: WorkshopSettings, session: boto3.Session | None = None
) -> CloudFormationClient: ...


@overload
def client(
    service: Literal["codebuild"], settings: WorkshopSettings, session: boto3.Session | None = None
) -> CodeBuildClient: ...


@overload
def client(
    service: Literal["codecommit"], settings: WorkshopSettings, session: boto3.Session | None = None
) -> CodeCommitClient: ...


@overload
def client(
    service: Literal["codepipeline"], settings: WorkshopSettings, session: boto3.Session | None = None
) -> CodePipelineClient: ...


@overload
def client(service: Literal["ec2"], settings: WorkshopSettings, session: boto3.Session | None = None) -> EC2Client: ...


@overload
def client(service: Literal["ecr"], settings: WorkshopSettings, session: boto3.Session | None = None) -> ECRClient: ...


@overload
def client(service: Literal["ecs"], settings: WorkshopSettings, session: boto3.Session | None = None) -> ECSClient: ...


@overload
def client(
    service: Literal["elbv2"], settings: WorkshopSettings, session: boto3.Session | None = None
) -> ElasticLoadBalancingv2Client: ...


@overload
def client(
    service: Literal["events"], settings: WorkshopSettings, session: boto3.Session | None = None
) -> EventBridgeClient: ...


@overload
def client(service: Literal["iam"], settings: WorkshopSettings, session: boto3.Session | None = None) -> IAMClient: ...


@overload
def client(
    service: Literal["logs"], settings: WorkshopSettings, session: boto3.Session | None = None
) -> CloudWatchLogsClient: ...


@overload
def client(service: Literal["s3"], settings: WorkshopSettings, session: boto3.Session | None = None) -> S3Client: ...


@overload
def client(
    service: Literal["service-quotas"], settings: WorkshopSettings, session: boto3.Session | None = None
) -> ServiceQuotasClient: ...


@overload
def client(service: Literal["sns"], settings: WorkshopSettings, session: boto3.Session | None = None) -> SNSClient: ...


@overload
def client(service: Literal["ssm"], settings: WorkshopSettings, session: boto3.Session | None = None) -> SSMClient: ...


@overload
def client(service: Literal["sts"], settings: WorkshopSettings, session: boto3.Session | None = None) -> STSClient: ...


@overload
def client(service: str, settings: WorkshopSettings, session: boto3.Session | None = None) -> Any: ...


def client(service: str, settings: WorkshopSettings, session: boto3.Session | None = None) -> Any:
    """A client for ``service`` on the workshop's backend and region. On the sandbox a passed
    session is ignored on purpose."""
    if settings.backend == "sandbox":
        return _sandbox_client(service, settings.region, sandbox.endpoint(), settings.profile)
    if session is not None:
        return _make(session, service, region_name=settings.region)
    return _aws_client(service, settings.profile, settings.region)


def reset() -> None:
    """Forget every AWS session and client, so the next call reads profiles and credentials again
    (after ``aws configure``, ``aws sso login`` or a new AWS_PROFILE)."""
    _AWS_CLIENTS.clear()
    _aws_session.cache_clear()
    _sandbox_client.cache_clear()  # a sandbox identity's keys change when its event is started again
    _sandbox_session.cache_clear()
    _assumed.cache_clear()  # an assumed role's session is asked for again


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


def _make(session: boto3.Session, service: str, **options: Any) -> Any:
    """Every client the kit makes. Its modeled exceptions are loaded here, before any thread uses it: botocore loads
    them at first use, and threads that get there at once (notebook 01 creates roles at once) can each load a class
    of their own, so that ``except iam.exceptions.NoSuchEntityException`` misses the NoSuchEntity another thread's
    call raised (seen once: a participant's notebook 01 failed on a role it was about to create)."""
    # The service name is a plain str here; the overloads above give callers the typed client.
    factory: Callable[..., Any] = session.client
    made = factory(service, config=_CONFIG, **options)
    made.exceptions  # noqa: B018 - loaded now, the same class for every thread from here on
    return made


def sandbox_profiles_file() -> Path:
    """The AWS config file that holds the sandbox's IAM identities (an event's participants), one
    ``[profile NAME]`` each with its access key (``python -m helpers event credentials`` prints them)."""
    from .paths import workshop_home

    return workshop_home() / "sandbox-identities" / "config"


def sandbox_credentials(profile: str | None) -> dict[str, str]:
    """The keys a sandbox client signs with: the account's own (``testing``) without a profile, else the
    profile's, from ``sandbox_profiles_file()``."""
    if not profile:
        return dict(SANDBOX_CREDENTIALS)
    import configparser

    config = configparser.ConfigParser()
    config.read(sandbox_profiles_file())
    section = f"profile {profile}"
    if not config.has_section(section):
        raise CredentialsError(
            f"No sandbox identity {profile!r} in {sandbox_profiles_file()}: the instructor's `python -m helpers event "
            "start` makes one per participant (or leave profile empty to act as the sandbox's account)."
        )
    if config.has_option(section, ACCOUNT_OPTION):  # the root user of a Workshop Studio participant's account
        return dict(SANDBOX_CREDENTIALS)
    if config.has_option(section, "role_arn"):  # a Workshop Studio participant: an assume-role profile
        source = sandbox_credentials(config.get(section, "source_profile"))
        region = config.get(section, "region", fallback="us-east-1")
        session_name = config.get(section, "role_session_name", fallback=profile)
        seconds = config.getint(section, "duration_seconds", fallback=3600)
        role = config.get(section, "role_arn")
        return dict(_assumed(role, session_name, region, seconds, tuple(sorted(source.items()))))
    return {k: config.get(section, k) for k in ("aws_access_key_id", "aws_secret_access_key")}


@lru_cache(maxsize=16)
def _assumed(
    role_arn: str, session_name: str, region: str, seconds: int, source: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, str], ...]:
    """A session of ``role_arn`` from STS AssumeRole on the sandbox, signed with the source profile's keys, as the
    AWS CLI and SDKs resolve a profile with ``role_arn`` and ``source_profile``; kept until ``reset()``."""
    sts = _make(new_session(**dict(source), region_name=region), "sts", endpoint_url=sandbox.endpoint())
    keys = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name, DurationSeconds=seconds)["Credentials"]
    return (
        ("aws_access_key_id", keys["AccessKeyId"]),
        ("aws_secret_access_key", keys["SecretAccessKey"]),
        ("aws_session_token", keys["SessionToken"]),
    )


@lru_cache(maxsize=8)
def _sandbox_session(region: str, profile: str | None = None) -> boto3.Session:
    return new_session(**sandbox_credentials(profile), region_name=region)


#: In a sandbox profile: the account that profile acts in as its root user (the account's own keys, ``testing``,
#: with the sandbox's admin header naming the account). ``event start --workshop-studio`` writes one per participant's
#: account; the instructor watches and cleans up a participant's account with it.
ACCOUNT_OPTION = "sandbox_account"
#: The sandbox's header that names the account a request with the root user's keys acts in (moto's).
ACCOUNT_HEADER = "x-moto-account-id"


def sandbox_account(profile: str | None) -> str | None:
    """The account a sandbox profile acts in as its root user (``ACCOUNT_OPTION``); None for any other profile."""
    if not profile:
        return None
    import configparser

    config = configparser.ConfigParser()
    config.read(sandbox_profiles_file())
    return config.get(f"profile {profile}", ACCOUNT_OPTION, fallback=None)


def name_account(made: Any, account: str) -> Any:
    """Have a sandbox client's requests act in ``account`` (the admin header, added before each is signed)."""

    def add_header(request: Any, **_: Any) -> None:
        request.headers[ACCOUNT_HEADER] = account

    made.meta.events.register("before-sign", add_header)
    return made


@lru_cache(maxsize=64)
def _sandbox_client(service: str, region: str, endpoint: str, profile: str | None = None) -> Any:
    made = _make(_sandbox_session(region, profile), service, endpoint_url=endpoint)
    account = sandbox_account(profile)
    return name_account(made, account) if account else made


@lru_cache(maxsize=8)
def _aws_session(profile: str | None, region: str) -> boto3.Session:
    try:
        session, core = new_sessions(profile_name=profile, region_name=region)
        # Read the config files now (a session on the shared loader would only at its first client),
        # so that a missing profile or a broken file is this clear error.
        core.get_scoped_config()
        return session
    except Exception as error:  # botocore.exceptions.ProfileNotFound, ConfigParseError and friends
        raise CredentialsError(
            f"AWS profile {profile!r} could not be loaded ({error}). Check `aws configure list-profiles`, "
            "or leave profile empty to use the default credential chain."
        ) from None


def _aws_client(service: str, profile: str | None, region: str) -> Any:
    key = (service, profile, region)
    if key in _AWS_CLIENTS:
        return _AWS_CLIENTS[key]
    session = _aws_session(profile, region)
    made = _make(session, service)
    if session.get_credentials() is not None:
        _AWS_CLIENTS[key] = made
    return made
