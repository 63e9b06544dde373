"""Which services a request to moto may change: read from the request alone, before moto answers it.

A request changes state unless it is a read: GET/HEAD for the REST protocols (S3), an operation whose
name starts with Describe/List/Get/... for the JSON (``X-Amz-Target``) and query (``Action=``)
protocols. The service comes from the SigV4 credential scope, as moto's own dispatcher finds it.
"""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import parse_qs

_READ_OPERATION = re.compile(
    r"^(Describe|List|Get|BatchGet|BatchDescribe|Head|Lookup|Search|Filter|Validate|Estimate|Simulate|Query|Scan)"
)
#: SigV4 signing names that differ from moto's backend names (others are the same).
_BACKENDS_BY_SIGNING_NAME = {
    "elasticloadbalancing": ("elbv2", "elb"),
    "monitoring": ("cloudwatch",),
    "email": ("ses",),
    "eventbridge": ("events",),
}
#: Creating, updating or deleting a stack's resources changes their services directly, not through requests.
EVERY_SERVICE = "*"
_CHANGES_EVERY_SERVICE = {
    ("cloudformation", "CreateStack"),
    ("cloudformation", "UpdateStack"),
    ("cloudformation", "DeleteStack"),
    ("cloudformation", "ExecuteChangeSet"),
    ("cloudformation", "ContinueUpdateRollback"),
    ("cloudformation", "RollbackStack"),
}


def changed_services(environ: dict[str, Any]) -> tuple[str, ...]:
    """The moto backends a request may change; empty for a read. May buffer the body of a form POST
    (query protocol) so that moto still reads it whole."""
    method = environ.get("REQUEST_METHOD", "GET").upper()
    operation = _operation(environ)
    if operation is not None:
        if _READ_OPERATION.match(operation):
            return ()
    elif method in ("GET", "HEAD", "OPTIONS"):
        return ()
    service = _signing_service(environ)
    if service is None or (service, operation) in _CHANGES_EVERY_SERVICE:
        return (EVERY_SERVICE,)
    return _BACKENDS_BY_SIGNING_NAME.get(service, (service,))


def _operation(environ: dict[str, Any]) -> str | None:
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return str(target).rsplit(".", 1)[-1]
    action = parse_qs(environ.get("QUERY_STRING", "")).get("Action")
    if action:
        return action[0]
    content_type = environ.get("CONTENT_TYPE", "")
    if environ.get("REQUEST_METHOD", "").upper() == "POST" and content_type.startswith(
        "application/x-www-form-urlencoded"
    ):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        action = parse_qs(body.decode(errors="replace")).get("Action")
        if action:
            return action[0]
    return None


def _signing_service(environ: dict[str, Any]) -> str | None:
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    try:
        scope = authorization.split("Credential=", 1)[1].split(",", 1)[0]
        return scope.split("/")[3].lower()
    except IndexError:
        return None
