"""The workshop a notebook works on: its state, its clients and its tags, in one object.

Every ``ensure_*`` and cleanup step takes a ``Workshop``; a boto3 session can be passed in, as
aws-sdk-pandas functions take one, and is ignored on the sandbox.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, overload

import boto3

from .. import __version__
from . import clients
from .naming import Names
from .regions import partition_of
from .settings import WorkshopSettings
from .state import WorkshopState
from .timing import Timing, timing_for

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

PREFIX_TAG = "workshop:prefix"
KIT_TAG = "workshop:kit"
ENVIRONMENT_TAG = "workshop:environment"
KIT_NAME = "ecs-cd-workshop"
_CLIENTS_MADE = threading.Lock()
#: Tags in any of the shapes AWS services use: a map, or a list of Key/Value (or key/value) entries.
Tags = Mapping[str, str] | Iterable[Mapping[str, Any]] | None
#: The line an ``ensure_*`` step reports for one resource (notebook 01 shows them as a table).
Row = dict[str, str]


def row(kind: str, name: str, arn: str, action: str, environment: str | None = None) -> Row:
    """The line an ``ensure_*`` step reports for one resource."""
    result = {"type": kind, "name": name, "arn": arn, "action": action}
    if environment:
        result["environment"] = environment
    return result


@dataclass
class Workshop:
    state: WorkshopState
    session: boto3.Session | None = None
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)
    #: other waits than the backend's (cleanup's, once a kind could not be checked)
    timing_override: Timing | None = field(default=None, repr=False)

    @property
    def settings(self) -> WorkshopSettings:
        return self.state.settings

    @property
    def prefix(self) -> str:
        return self.settings.prefix

    @property
    def on_sandbox(self) -> bool:
        return self.settings.backend == "sandbox"

    @property
    def timing(self) -> Timing:
        """Poll delays and timeouts for this workshop's backend."""
        return self.timing_override or timing_for(self.settings.backend)

    @overload
    def client(self, service: Literal["autoscaling"]) -> AutoScalingClient: ...

    @overload
    def client(self, service: Literal["cloudformation"]) -> CloudFormationClient: ...

    @overload
    def client(self, service: Literal["codebuild"]) -> CodeBuildClient: ...

    @overload
    def client(self, service: Literal["codecommit"]) -> CodeCommitClient: ...

    @overload
    def client(self, service: Literal["codepipeline"]) -> CodePipelineClient: ...

    @overload
    def client(self, service: Literal["ec2"]) -> EC2Client: ...

    @overload
    def client(self, service: Literal["ecr"]) -> ECRClient: ...

    @overload
    def client(self, service: Literal["ecs"]) -> ECSClient: ...

    @overload
    def client(self, service: Literal["elbv2"]) -> ElasticLoadBalancingv2Client: ...

    @overload
    def client(self, service: Literal["events"]) -> EventBridgeClient: ...

    @overload
    def client(self, service: Literal["iam"]) -> IAMClient: ...

    @overload
    def client(self, service: Literal["logs"]) -> CloudWatchLogsClient: ...

    @overload
    def client(self, service: Literal["s3"]) -> S3Client: ...

    @overload
    def client(self, service: Literal["service-quotas"]) -> ServiceQuotasClient: ...

    @overload
    def client(self, service: Literal["sns"]) -> SNSClient: ...

    @overload
    def client(self, service: Literal["ssm"]) -> SSMClient: ...

    @overload
    def client(self, service: Literal["sts"]) -> STSClient: ...
    @overload
    def client(self, service: str) -> Any: ...

    def client(self, service: str) -> Any:
        """A typed boto3 client for the workshop's backend and region. AWS clients from the default
        chain are not kept here: ``clients`` keeps them once they have credentials."""
        with _CLIENTS_MADE:  # boto3 sessions make clients one thread at a time (steps create resources at once)
            made = self._clients.get(service)
            if made is None:
                made = clients.client(service, self.settings, self.session)
                if self.on_sandbox or self.session is not None:
                    self._clients[service] = made
        return made

    @cached_property
    def account(self) -> str:
        return str(self.client("sts").get_caller_identity()["Account"])

    @property
    def partition(self) -> str:
        return partition_of(self.settings.region)

    @cached_property
    def names(self) -> Names:
        return Names(self.prefix, account=self.account, region=self.settings.region)

    def tags(self, environment: str | None = None) -> dict[str, str]:
        """The tags on everything the kit creates: how cleanup tells its resources from others."""
        tags = {PREFIX_TAG: self.prefix, KIT_TAG: f"{KIT_NAME}/{__version__}"}
        if environment:
            tags[ENVIRONMENT_TAG] = environment
        return tags

    def tag_list(self, environment: str | None = None, key: str = "Key", value: str = "Value") -> list[Any]:
        """The tags as a list of ``{key: ..., value: ...}`` entries, in the casing the service wants."""
        return [{key: k, value: v} for k, v in self.tags(environment).items()]

    def is_ours(self, tags: Tags) -> bool:
        return normalise_tags(tags).get(PREFIX_TAG) == self.prefix

    def record(
        self,
        key: str,
        *,
        type: str,
        name: str,
        arn: str | None = None,
        environment: str | None = None,
        shown_as: str = "",
        action: str = "",
        **details: Any,
    ) -> Row:
        """Remember a resource in the state file (saved at once) and return the row a step reports for it,
        so each fact (name, ARN, environment) is written once. ``shown_as`` is what the row calls it
        (default: its CloudFormation type); ``details`` are kept in the state file only."""
        self.state.record(key, type=type, name=name, arn=arn, environment=environment, **details)
        return row(shown_as or type, name, arn or "", action, environment)


def normalise_tags(tags: Tags) -> dict[str, str]:
    """Tags as a dict, whichever of the shapes AWS services use (Key/Value, key/value, a map)."""
    if not tags:
        return {}
    if isinstance(tags, Mapping):
        return {str(k): str(v) for k, v in tags.items()}
    result = {}
    for tag in tags:
        key = tag.get("Key", tag.get("key"))
        value = tag.get("Value", tag.get("value", ""))
        if key is not None:
            result[str(key)] = str(value)
    return result
