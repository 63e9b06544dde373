"""Small tools the tests share: sandbox clients, unique names, free ports, and a botocore shape check."""

from __future__ import annotations

import contextlib
import datetime
import itertools
import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
from botocore.loaders import create_loader
from botocore.model import Shape

from localaws import api as process

REGION = "us-east-1"
_counter = itertools.count()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def sandbox_client(service: str, region: str = REGION, account: str | None = None) -> Any:
    """A client as the sandbox's root user: of the default account, or of ``account`` (the sandbox's admin header,
    as ``event start --workshop-studio`` acts in a participant's own account)."""
    made = boto3.client(
        service,
        endpoint_url=process.endpoint(),
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    if account is not None:
        from helpers.core.clients import name_account

        name_account(made, account)
    return made


def participant_client(service: str, prefix: str, region: str = REGION) -> Any:
    """A root-user client of the account a participant's workshop acts in (theirs, with GetCallerIdentity's Account):
    a Workshop Studio participant's own account, else the default one."""
    from helpers import setup

    account = setup.open_workshop(prefix, expect_resources=False).account
    return sandbox_client(service, region, account=account)


def signed_access_key(sts: Any) -> str | None:
    """The access key id an STS client signs with (None: it sent the request unsigned), read from the
    Authorization header of one GetCallerIdentity through botocore's public event hooks (a client does not
    say its credentials otherwise). The call goes to the client's endpoint and must succeed."""
    headers: list[Any] = []

    def record(request: Any, **_: Any) -> None:
        headers.append(request.headers.get("Authorization"))

    event = "before-send.sts.GetCallerIdentity"
    sts.meta.events.register(event, record)
    try:
        sts.get_caller_identity()
    finally:
        sts.meta.events.unregister(event, record)
    authorization = headers[0].decode() if isinstance(headers[0], bytes) else headers[0]
    return authorization.split("Credential=", 1)[1].split("/", 1)[0] if authorization else None


def sandbox_environment(region: str = REGION) -> dict[str, str]:
    """What points the AWS CLI or an SDK at the sandbox, with dummy keys."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_ENDPOINT_URL": process.endpoint(),
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_PAGER": "",
    }


def wait_for_iam_propagation() -> None:
    """Wait as long as the sandbox refuses new roles (IAM's eventual consistency, as on AWS)."""
    import time

    time.sleep(float(process.account_settings()["settings"]["iam_propagation_seconds"]))


def codebuild_service_role(name: str = "tests-build-role") -> str:
    """A CodeBuild service role that may write its builds' logs and use S3, as a test's project needs one:
    CodeBuild refuses a role that does not exist or that IAM has not propagated yet, as on AWS."""
    import json

    iam = sandbox_client("iam")
    try:
        return str(iam.get_role(RoleName=name)["Role"]["Arn"])
    except iam.exceptions.NoSuchEntityException:
        pass
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    arn = str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"])
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": "arn:aws:logs:*:123456789012:log-group:/aws/codebuild/*",
            },
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::*/*"},
        ],
    }
    iam.put_role_policy(RoleName=name, PolicyName="builds", PolicyDocument=json.dumps(policy))
    wait_for_iam_propagation()
    return arn


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}{next(_counter)}"


def assert_matches_output_shape(client: Any, operation: str, response: dict[str, Any]) -> None:
    """Every field the sandbox returned is declared by botocore's output shape, with the right type,
    and every required field is there."""
    model = client.meta.service_model.operation_model(operation).output_shape
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    _check(model, body, operation)


_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "blob": (bytes,),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
    "timestamp": (datetime.datetime,),
    "double": (float, int),
    "float": (float, int),
}


def _check(shape: Shape | None, value: Any, where: str) -> None:
    if shape is None:
        assert value in ({}, None), f"{where}: operation has no output, got {value!r}"
        return
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(value, dict), f"{where}: expected an object, got {value!r}"
        members = shape.members
        unknown = set(value) - set(members)
        assert not unknown, f"{where}: fields not in the AWS model: {sorted(unknown)}"
        for required in shape.required_members:
            assert required in value, f"{where}: required field {required!r} missing"
        for name, item in value.items():
            _check(members[name], item, f"{where}.{name}")
    elif kind == "list":
        assert isinstance(value, list), f"{where}: expected a list, got {value!r}"
        for index, item in enumerate(value):
            _check(shape.member, item, f"{where}[{index}]")
    elif kind == "map":
        assert isinstance(value, dict), f"{where}: expected a map, got {value!r}"
        for key, item in value.items():
            _check(shape.value, item, f"{where}[{key!r}]")
    else:
        assert isinstance(value, _PY_TYPES[kind]), f"{where}: expected {kind}, got {value!r}"
        if kind == "string" and shape.enum:
            assert value in shape.enum, f"{where}: {value!r} is not one of {shape.enum}"


_cli_server: subprocess.Popen[str] | None = None


def aws_cli(
    *args: str, region: str = REGION, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real AWS CLI (PyPI awscli), pointed at the sandbox, each command in a process of its own (with ``env``
    added to its environment; an ``AWS_DATA_PATH`` there comes before the CLI's own data).

    The processes are forked from one that imported awscli once (``tests/aws_cli_server.py``), which
    saves the 0.4 s of CPU a new ``aws`` process spends on Python's start and imports."""
    global _cli_server
    if _cli_server is None or _cli_server.poll() is not None:
        _cli_server = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("aws_cli_server.py"))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
    argv = ["--endpoint-url", process.endpoint(), "--output", "json", *args]
    assert _cli_server.stdin is not None and _cli_server.stdout is not None
    _cli_server.stdin.write(
        json.dumps({"argv": argv, "env": {**os.environ, **sandbox_environment(region), **(env or {})}}) + "\n"
    )
    _cli_server.stdin.flush()
    answer = json.loads(_cli_server.stdout.readline())
    result = subprocess.CompletedProcess(["aws", *argv], answer["returncode"], answer["stdout"], answer["stderr"])
    if check:
        assert result.returncode == 0, f"aws {' '.join(args)} failed: {result.stderr}"
    return result


def quick_ecs_waiters(folder: Path) -> dict[str, str]:
    """For ``aws_cli``'s ``env``: an AWS_DATA_PATH (in ``folder``) whose ECS waiters are botocore's own, acceptors and
    all, but look every second, as long in all: the CLI's ServicesStable waits 15 s between its looks, and a
    deployment here is over in one or two."""
    model = create_loader().load_service_model("ecs", "waiters-2")
    for waiter in model["waiters"].values():
        waiter["maxAttempts"] = waiter["delay"] * waiter["maxAttempts"]
        waiter["delay"] = 1
    models = folder / "ecs" / str(sandbox_client("ecs").meta.service_model.api_version)
    models.mkdir(parents=True)
    (models / "waiters-2.json").write_text(json.dumps(model))
    return {"AWS_DATA_PATH": str(folder)}


def cli_json(*args: str, region: str = REGION) -> Any:
    out = aws_cli(*args, region=region).stdout
    return json.loads(out) if out.strip() else {}


def provision(prefix: str, **settings: Any) -> Any:
    """A workshop through notebook 03 by the helpers the notebooks call: 01's steps, both build projects, the
    pipelines and their first runs settled. Its cleanup is the caller's."""
    from helpers import build_projects, pipelines, prerequisites, setup

    setup.configure(prefix=prefix, **settings)
    workshop = setup.open_workshop(prefix)
    prerequisites.ensure_all(workshop)
    build_projects.deploy_nodejs_project(workshop)
    build_projects.deploy_container_image_project(workshop)
    pipelines.deploy_pipelines(workshop)
    pipelines.watch(workshop, pipelines.first_runs_settled)
    return workshop


@contextlib.contextmanager
def provisioned_workshop(prefix: str, **settings: Any) -> Iterator[Any]:
    """``provision``, cleaned up afterwards: for a test file that reads or extends a workshop of its own (one that
    can share, asks ``tests/shared_workshops.py`` for one)."""
    from helpers import cleanup

    workshop = provision(prefix, **settings)
    try:
        yield workshop
    finally:
        cleanup.cleanup(workshop)


def git_refs_status(clone_url: str, user: str) -> int:
    """The HTTP status of git's first request of a clone (the refs advertisement) as CodeCommit's credential helper
    sends it: ``user`` is the access key id (``KEY%TOKEN`` for a session), the password a signature."""
    import base64
    import urllib.error
    import urllib.request

    token = base64.b64encode(f"{user}:signature".encode()).decode()
    request = urllib.request.Request(f"{clone_url}/info/refs?service=git-upload-pack")
    request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)


def wait_for(condition: Any, timeout: float = 30.0) -> Any:
    """``condition()``'s first true answer, asked every 0.2 s; the test fails, naming the condition's docstring, when
    none comes within ``timeout`` seconds (a loaded machine retries the waiting, never the assertion)."""
    import time

    import pytest

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"not within {timeout} s: {condition.__doc__}")
