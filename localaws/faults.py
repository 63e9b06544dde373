"""Injected faults: make chosen AWS operations answer an error, to test how a client copes with throttling,
denials, expired tokens and outages.

A fault names a service (boto3's name: ``ecs``, ``elbv2``, ``s3``), an operation (the API's name:
``DescribeServices``; ``*`` for all of the service's) and an error code; it fires every time, or ``times``
times and is then spent. It is checked before moto sees the request and only for requests that arrive
over HTTP from clients: the calls the sandbox's own engine makes on a service's behalf (a pipeline
starting a build, a build log reaching CloudWatch Logs) carry the ``localaws-engine`` user agent and are
never faulted, as AWS's internal calls are not subject to a client's throttling.
"""

from __future__ import annotations

import re
import threading
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qs

from .iam_enforcement.accounts import ACCOUNT_HEADER, account_of
from .operations import Operation

#: HTTP statuses AWS uses for these codes; any other code answers 400.
STATUS_BY_CODE = {
    "ThrottlingException": 400,
    "Throttling": 400,
    "TooManyRequestsException": 429,
    "RequestLimitExceeded": 503,
    "SlowDown": 503,
    "AccessDenied": 403,
    "InternalFailure": 500,
    "InternalError": 500,
    "InternalServerError": 500,
    "InternalServerException": 500,
    "ServiceUnavailable": 503,
    "ServiceUnavailableException": 503,
    "ExpiredTokenException": 400,
    "ExpiredToken": 400,
}
_MESSAGES = {
    "ThrottlingException": "Rate exceeded",
    "Throttling": "Rate exceeded",
    "RequestLimitExceeded": "Request limit exceeded.",
    "SlowDown": "Please reduce your request rate.",
    "AccessDenied": "Access Denied",
    "InternalFailure": "The request processing has failed because of an unknown error, exception or failure.",
    "InternalError": "We encountered an internal error. Please try again.",
    "ServiceUnavailable": "The service is unavailable. Please try again later.",
    "ServiceUnavailableException": "The service is unavailable. Please try again later.",
    "ExpiredTokenException": "The security token included in the request is expired",
    "ExpiredToken": "The provided token has expired.",
}


def status_for(code: str) -> int:
    """The HTTP status AWS answers an error code with (429 for ``TooManyRequestsException``, 503 for ``SlowDown``,
    500 for ``InternalFailure``); 400, a client error, for any code the table does not list."""
    return STATUS_BY_CODE.get(code, 400)


def default_message(code: str, operation: Operation, caller: str) -> str:
    """The message AWS gives with ``code``; an access denial names ``caller`` (``caller_arn``), as AWS
    names the identity that signed the request."""
    if code == "AccessDeniedException":
        action = f"{operation.service}:{operation.name}"
        return (
            f"User: {caller} is not authorized to perform: {action} "
            f"because no identity-based policy allows the {action} action"
        )
    return _MESSAGES.get(code, f"{code} (fault injected by the sandbox)")


_SIGNED_BY = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/")


def caller_arn(environ: dict[str, Any]) -> str:
    """Who signed the request, as STS's GetCallerIdentity would name them (a role session, an IAM user, or
    the account's default identity), in the account the request's access key belongs to."""
    from moto.sts.models import sts_backends

    query = parse_qs(environ.get("QUERY_STRING", ""))
    credential = environ.get("HTTP_AUTHORIZATION", "") or "Credential=" + (query.get("X-Amz-Credential") or [""])[0]
    match = _SIGNED_BY.search(credential)
    access_key, region = (match.group(1), match.group(2)) if match else ("AKIAEXAMPLE", "us-east-1")
    named = environ.get("HTTP_X_MOTO_ACCOUNT_ID")
    account_id = account_of(access_key, {ACCOUNT_HEADER: named} if named else {})
    return str(sts_backends[account_id]["global"].get_caller_identity(access_key, region)[1])


@dataclass
class Fault:
    service: str
    operation: str
    error_code: str
    times: int | None = None  # None: until cleared
    message: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    fired: int = 0

    @property
    def remaining(self) -> int | None:
        return None if self.times is None else max(self.times - self.fired, 0)

    def document(self) -> dict[str, Any]:
        return {**asdict(self), "remaining": self.remaining, "http_status": status_for(self.error_code)}


class FaultTable:
    """The faults in force; thread-safe, since the server answers requests on many threads."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self, service: str, operation: str, error_code: str, times: int | None = None, message: str | None = None
    ) -> Fault:
        if not service or not operation or not error_code:
            raise ValueError("a fault needs a service, an operation (or '*') and an error code")
        if times is not None and int(times) < 1:
            raise ValueError(f"times must be at least 1 (or left out for a fault that stays), not {times}")
        fault = Fault(service, operation, error_code, None if times is None else int(times), message)
        with self._lock:
            self._faults.append(fault)
        return fault

    def list(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def clear(self) -> int:
        with self._lock:
            count = len(self._faults)
            self._faults.clear()
        return count

    def __bool__(self) -> bool:
        return bool(self._faults)

    def take(self, operation: Operation) -> Fault | None:
        """The first fault that matches the operation, counted as fired; spent faults are dropped."""
        with self._lock:
            for fault in self._faults:
                if fault.service == operation.service and fault.operation in ("*", operation.name):
                    fault.fired += 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
        return None


FAULTS = FaultTable()
