"""Which AWS operation an HTTP request calls, read from the request as AWS's front end reads it, and the
error answer in that service's own wire protocol.

The service comes from the SigV4 credential scope (``.../us-east-1/ecs/aws4_request``); botocore's service
model then names the operation: ``X-Amz-Target`` for the JSON protocols, ``Action=`` for the query and EC2
protocols, and the HTTP method plus path (and its marker query keys, e.g. ``?versioning``) for the REST
protocols such as S3's.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs

import botocore.session

#: SigV4 signing names that are not also the service's name in boto3 and moto (which agree for these).
SIGNING_ALIASES = {
    "elasticloadbalancing": ("elbv2", "elb"),
    "servicequotas": ("service-quotas",),
    "monitoring": ("cloudwatch",),
    "email": ("ses", "sesv2"),
    "states": ("stepfunctions",),
    "eventbridge": ("events",),
}
#: Where ``form_parameters`` keeps what it read, so that the body is read once whoever asks first.
_PARAMETERS_KEY = "localaws.parameters"
_CREDENTIAL = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/]+/([^/]+)/aws4_request")


@dataclass(frozen=True)
class Operation:
    service: str  # boto3's name: "elbv2", "ecs", "s3"
    name: str  # the API's name: "DescribeLoadBalancers"
    protocol: str  # botocore's: json, rest-json, query, ec2, rest-xml
    api_version: str


@lru_cache(maxsize=1)
def _session() -> Any:

    return botocore.session.get_session()


@lru_cache(maxsize=64)
def _model(service: str) -> Any:
    return _session().get_service_model(service)


@lru_cache(maxsize=1)
def _available() -> tuple[str, ...]:
    return tuple(_session().get_available_services())


def _candidates(signing_name: str) -> list[str]:
    named = [s for s in (signing_name, *SIGNING_ALIASES.get(signing_name, ())) if s in _available()]
    if named:
        return named
    return [s for s in _available() if _model(s).signing_name == signing_name]  # rare: a full scan, cached


def signing_name(environ: dict[str, Any]) -> str | None:
    """The service part of the request's SigV4 credential scope (header or presigned query)."""
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    match = _CREDENTIAL.search(authorization)
    if match is None:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        credential = (query.get("X-Amz-Credential") or [""])[0]
        match = _CREDENTIAL.search("Credential=" + credential)
    return match.group(1) if match else None


def services_signed_as(signing_name: str) -> tuple[str, ...]:
    """The services (boto3's and moto's names) a request signed for ``signing_name`` may be for."""
    return SIGNING_ALIASES.get(signing_name, (signing_name,))


def requested_name(environ: dict[str, Any]) -> str | None:
    """The operation's name as the request itself spells it, without the service's model: ``X-Amz-Target``'s
    last part (JSON protocols) or ``Action=`` (query and EC2 protocols); None for the REST protocols."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return str(target).rsplit(".", 1)[-1]
    actions = form_parameters(environ).get("Action")
    return actions[0] if actions else None


def form_parameters(environ: dict[str, Any]) -> dict[str, list[str]]:
    """Query-string and form-body parameters; the body is read once and put back for the next reader."""
    if _PARAMETERS_KEY in environ:
        return dict(environ[_PARAMETERS_KEY])
    parameters = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        for key, values in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items():
            parameters.setdefault(key, []).extend(values)
    environ[_PARAMETERS_KEY] = parameters
    return dict(parameters)


def identify(environ: dict[str, Any]) -> Operation | None:
    """The operation a signed AWS API request calls, or None for anything else."""
    signed_as = signing_name(environ)
    if signed_as is None:
        return None
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    parameters: dict[str, list[str]] | None = None
    for service in _candidates(signed_as):
        model = _model(service)
        # Newer models list several protocols (e.g. smithy-rpc-v2-cbor first, json second); the request's
        # headers say which one the client chose.
        protocols = model.metadata.get("protocols") or [model.protocol]
        if target and "json" in protocols:
            prefix, _, name = target.rpartition(".")
            if prefix == model.metadata.get("targetPrefix") and name in model.operation_names:
                return Operation(service, name, "json", model.api_version)
        elif "query" in protocols or "ec2" in protocols:
            parameters = parameters if parameters is not None else form_parameters(environ)
            name = (parameters.get("Action") or [""])[0]
            version = (parameters.get("Version") or [""])[0]
            if name in model.operation_names and version in ("", model.api_version):
                return Operation(service, name, "ec2" if "ec2" in protocols else "query", model.api_version)
        else:
            rest = next((p for p in protocols if p in ("rest-json", "rest-xml")), None)
            name = _rest_operation(service, environ) if rest else None
            if rest and name:
                return Operation(service, name, rest, model.api_version)
    return None


@lru_cache(maxsize=64)
def _rest_routes(service: str) -> tuple[tuple[str, str, re.Pattern[str], tuple[str, ...], int], ...]:
    """(method, operation, path pattern, marker query keys, literal length) for each REST operation."""
    model = _model(service)
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        path, _, query = http.get("requestUri", "/").partition("?")
        markers = tuple(part.split("=")[0] for part in query.split("&") if part)
        pattern = re.escape(path)
        pattern = re.sub(r"\\\{[^}]+\\\+\\\}", ".+", pattern)  # {Key+}: greedy, may hold slashes
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)  # {Bucket}: one segment
        literal = len(re.sub(r"\{[^}]+\}", "", path))
        routes.append((http.get("method", "GET"), name, re.compile(pattern + "/?"), markers, literal))
    return tuple(routes)


def _rest_operation(service: str, environ: dict[str, Any]) -> str | None:
    method = environ.get("REQUEST_METHOD", "GET")
    path = environ.get("PATH_INFO", "/") or "/"
    query_keys = set(parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True))
    best: tuple[int, int, str] | None = None
    for route_method, name, pattern, markers, literal in _rest_routes(service):
        if route_method != method or not pattern.fullmatch(path) or not set(markers) <= query_keys:
            continue
        if name.startswith("Copy") or name == "UploadPartCopy":
            if "HTTP_X_AMZ_COPY_SOURCE" not in environ:
                continue
        elif "HTTP_X_AMZ_COPY_SOURCE" in environ and name in ("PutObject", "UploadPart"):
            continue
        score = (len(markers), literal, name)
        if best is None or score[:2] > best[:2]:
            best = score
    return best[2] if best else None


# -- answers ---------------------------------------------------------------------------------------------
_JSON_CONTENT_TYPES = {"json": "application/x-amz-json-1.1", "rest-json": "application/json"}


def error_answer(
    operation: Operation, code: str, message: str, status: int
) -> tuple[str, list[tuple[str, str]], bytes]:
    """HTTP status line, headers and body of an error in the operation's protocol, as AWS shapes it."""
    request_id = str(uuid.uuid4())
    headers = [("x-amzn-RequestId", request_id)]
    if operation.protocol in _JSON_CONTENT_TYPES:
        body = json.dumps({"__type": code, "message": message}).encode()
        headers += [("Content-Type", _JSON_CONTENT_TYPES[operation.protocol]), ("x-amzn-ErrorType", code)]
    else:
        code_x, message_x = _xml_escape(code), _xml_escape(message)
        if operation.protocol == "ec2":
            text = (
                f"<Response><Errors><Error><Code>{code_x}</Code><Message>{message_x}</Message></Error></Errors>"
                f"<RequestID>{request_id}</RequestID></Response>"
            )
        elif operation.protocol == "query":
            kind = "Receiver" if status >= 500 else "Sender"
            text = (
                f'<ErrorResponse xmlns="http://{operation.service}.amazonaws.com/doc/{operation.api_version}/">'
                f"<Error><Type>{kind}</Type><Code>{code_x}</Code><Message>{message_x}</Message></Error>"
                f"<RequestId>{request_id}</RequestId></ErrorResponse>"
            )
        else:  # rest-xml (S3 and friends)
            text = (
                f"<Error><Code>{code_x}</Code><Message>{message_x}</Message><RequestId>{request_id}</RequestId></Error>"
            )
            headers.append(("x-amz-request-id", request_id))
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n' + text).encode()
        headers.append(("Content-Type", "text/xml"))
    headers.append(("Content-Length", str(len(body))))
    return f"{status} {_REASONS.get(status, 'Error')}", headers, body


_REASONS = {400: "Bad Request", 403: "Forbidden", 429: "Too Many Requests", 500: "Internal Server Error"}
_REASONS[503] = "Service Unavailable"


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
