"""Which services a request to moto may change: read from the request alone, before moto answers it.

A request changes state unless it is a read: GET/HEAD for the REST protocols (S3), an operation whose
name starts with Describe/List/Get/... for the JSON (``X-Amz-Target``) and query (``Action=``)
protocols. The request is read by ``operations.py``, the one reader of "which service and operation"
(the fault injector and IAM enforcement use it too); this module only decides what may have changed.
"""

from __future__ import annotations

import re
from typing import Any

from .. import operations

_READ_OPERATION = re.compile(
    r"^(Describe|List|Get|BatchGet|BatchDescribe|Head|Lookup|Search|Filter|Validate|Estimate|Simulate|Query|Scan)"
)
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
    operation = operations.requested_name(environ)
    if operation is not None:
        if _READ_OPERATION.match(operation):
            return ()
    elif method in ("GET", "HEAD", "OPTIONS"):
        return ()
    service = operations.signing_name(environ)
    if service is None or (service, operation) in _CHANGES_EVERY_SERVICE:
        return (EVERY_SERVICE,)
    return operations.services_signed_as(service)
