"""Clients for the sandbox's own endpoint, for an extension that acts on another service the way AWS's services
do: through that service's API, signed with a role session's credentials, so that IAM enforcement evaluates the
call and the request is answered, recorded and saved like any other. Their user agent carries
``localaws-engine``, which keeps injected faults (``faults.py``) for the clients under test.

Not every cross-service use goes through here. Where AWS itself does not make an API call (a build reading its
CodeCommit source, a pipeline's deploy action reading a service's state, CloudFormation relinking a stack's
resources on resume), an extension reads the other service's moto backend directly, through that service's typed
accessor (``codecommit_backend(account, region)`` and the like), as moto's own services do."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config

from .. import config

#: User-agent marker of the requests the sandbox makes to itself: injected faults let them through (``faults``).
ENGINE_USER_AGENT = "localaws-engine"

_endpoint = {"url": config.endpoint()}
_MAKING = threading.Lock()


def set_endpoint(url: str) -> None:
    """Aim the clients made from now on at ``url``, the server's own address (``services.install``, at start); clients
    made before are forgotten."""
    _endpoint["url"] = url
    client.cache_clear()


def endpoint() -> str:
    """The sandbox's own URL, for a build's ``AWS_ENDPOINT_URL`` and a repository's clone URL; outside the server, empty
    unless ``LOCALAWS_ENDPOINT`` is set."""
    return _endpoint["url"]


@lru_cache(maxsize=256)
def client(
    service: str,
    region: str,
    access_key_id: str = "testing",
    secret_access_key: str = "testing",
    session_token: str | None = None,
) -> Any:
    """A client for the sandbox's endpoint: as the account itself (``testing``, not evaluated), or with a
    role session's credentials, whose requests the sandbox evaluates against the role's policies."""
    make: Any = boto3.client  # the service name is a plain string here, not one of the stubs' literals
    with _MAKING:  # boto3's default session makes clients one thread at a time
        made = make(
            service,
            region_name=region,
            endpoint_url=_endpoint["url"],
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            aws_session_token=session_token,
            config=Config(retries={"mode": "standard", "max_attempts": 3}, user_agent_extra=ENGINE_USER_AGENT),
        )
        # Loaded before any thread uses the client: loaded at first use by threads at once, each could get classes of
        # its own and an ``except client.exceptions.X`` in one thread miss the X raised in another.
        made.exceptions  # noqa: B018
    return made
