"""The workshop a notebook works on: its state, its clients and its tags, in one object.

Every ``ensure_*`` and cleanup step takes a ``Workshop``; a boto3 session can be passed in, as
aws-sdk-pandas functions take one, and is ignored on the sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import boto3

from . import __version__, clients
from .naming import Names
from .settings import WorkshopSettings
from .state import WorkshopState

PREFIX_TAG = "workshop:prefix"
KIT_TAG = "workshop:kit"
ENVIRONMENT_TAG = "workshop:environment"
KIT_NAME = "ecs-cd-workshop"


@dataclass
class Workshop:
    state: WorkshopState
    session: boto3.Session | None = None
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def settings(self) -> WorkshopSettings:
        return self.state.settings

    @property
    def prefix(self) -> str:
        return self.settings.prefix

    @property
    def on_sandbox(self) -> bool:
        return self.settings.backend == "sandbox"

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = clients.client(service, self.settings, self.session)
        return self._clients[service]

    @cached_property
    def account(self) -> str:
        return str(self.client("sts").get_caller_identity()["Account"])

    @property
    def partition(self) -> str:
        return boto3.Session().get_partition_for_region(self.settings.region)

    @cached_property
    def names(self) -> Names:
        return Names(self.prefix, account=self.account, region=self.settings.region)

    def tags(self, environment: str | None = None) -> dict[str, str]:
        """The tags on everything the kit creates: how cleanup tells its resources from others."""
        tags = {PREFIX_TAG: self.prefix, KIT_TAG: f"{KIT_NAME}/{__version__}"}
        if environment:
            tags[ENVIRONMENT_TAG] = environment
        return tags

    def tag_list(self, environment: str | None = None, key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
        return [{key: k, value: v} for k, v in self.tags(environment).items()]

    def is_ours(self, tags: dict[str, str] | list[dict[str, str]] | None) -> bool:
        return normalise_tags(tags).get(PREFIX_TAG) == self.prefix

    def record(self, key: str, **entry: Any) -> None:
        self.state.record(key, **entry)

    def poll_delay(self) -> float:
        """Seconds between status polls: the sandbox answers at once, AWS takes its time."""
        return 0.2 if self.on_sandbox else 10.0


def normalise_tags(tags: dict[str, str] | list[dict[str, str]] | None) -> dict[str, str]:
    """Tags as a dict, whichever of the shapes AWS services use (Key/Value, key/value, a map)."""
    if not tags:
        return {}
    if isinstance(tags, dict):
        return dict(tags)
    result = {}
    for tag in tags:
        key = tag.get("Key", tag.get("key"))
        value = tag.get("Value", tag.get("value", ""))
        if key is not None:
            result[str(key)] = str(value)
    return result
