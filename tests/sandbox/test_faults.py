"""Fault injection: chosen operations answer AWS's errors in each protocol's own shape, boto3 and the AWS
CLI see them as they would see AWS's, botocore's retries cope with throttling, and the sandbox's own
engine is never faulted."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from localaws import api as sandbox
from tests.helpers_for_tests import REGION, aws_cli, codebuild_service_role, sandbox_client, unique

# It changes its worker's sandbox (account settings, faults): xdist's --dist loadgroup keeps this file on one worker
# with a sandbox of its own, and its fixtures put the settings back for the files that run there after it.


NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})


@pytest.fixture(autouse=True)
def no_faults_left() -> Iterator[None]:
    sandbox.clear_faults()
    yield
    sandbox.clear_faults()


def client(service: str, config: Config = NO_RETRIES) -> Any:
    """A sandbox client whose retries the test chooses (none by default: each call is one request)."""
    return boto3.client(
        service,
        endpoint_url=sandbox.endpoint(),
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=config,
    )


#: One call per protocol: JSON (ecs), query (elbv2), EC2 (ec2), rest-xml (s3), JSON again (codepipeline).
CALLS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "ecs": ("ListClusters", lambda c: c.list_clusters()),
    "elbv2": ("DescribeLoadBalancers", lambda c: c.describe_load_balancers()),
    "ec2": ("DescribeVpcs", lambda c: c.describe_vpcs()),
    "s3": ("ListBuckets", lambda c: c.list_buckets()),
    "codepipeline": ("ListPipelines", lambda c: c.list_pipelines()),
}
CODES = {
    "ThrottlingException": 400,
    "AccessDeniedException": 400,
    "AccessDenied": 403,
    "InternalFailure": 500,
    "ServiceUnavailable": 503,
    "ExpiredTokenException": 400,
    "SomethingElse": 400,
}


@pytest.mark.parametrize("service", sorted(CALLS))
@pytest.mark.parametrize("code", sorted(CODES))
def test_a_fault_answers_the_code_and_status_in_the_services_protocol(service, code):
    operation, call = CALLS[service]
    added = sandbox.add_fault(service, operation, code)
    assert (added["service"], added["operation"], added["error_code"], added["http_status"]) == (
        service,
        operation,
        code,
        CODES[code],
    )
    with pytest.raises(ClientError) as excinfo:
        call(client(service))
    error = excinfo.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (code, CODES[code])
    assert error["Error"]["Message"]
    sandbox.clear_faults()
    call(client(service))  # cleared: the real answer again


def test_the_access_denied_message_names_the_action():
    sandbox.add_fault("ecs", "DescribeServices", "AccessDeniedException")
    with pytest.raises(ClientError) as excinfo:
        client("ecs").describe_services(cluster="c", services=["s"])
    assert "is not authorized to perform: ecs:DescribeServices" in excinfo.value.response["Error"]["Message"]


def test_only_the_named_operation_is_faulted_and_star_faults_all():
    sandbox.add_fault("elbv2", "DescribeTargetGroups", "InternalFailure")
    client("elbv2").describe_load_balancers()  # another operation of the same service
    client("elb").describe_load_balancers()  # the classic ELB API shares elbv2's signing name
    sandbox.add_fault("s3", "*", "SlowDown")
    with pytest.raises(ClientError) as excinfo:
        client("s3").list_buckets()
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503


def test_rest_operations_are_told_apart_by_method_path_and_marker():
    s3 = client("s3")
    bucket = unique("fault-bucket")
    s3.create_bucket(Bucket=bucket)
    sandbox.add_fault("s3", "PutBucketVersioning", "AccessDenied")
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")  # PUT /bucket/key: not faulted
    s3.get_bucket_versioning(Bucket=bucket)  # GET /bucket?versioning: not faulted
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert excinfo.value.response["Error"]["Code"] == "AccessDenied"


def test_times_limits_a_fault_and_standard_retries_ride_out_a_throttle():
    sandbox.add_fault("ecs", "ListClusters", "ThrottlingException", times=2)
    retrying = client("ecs", Config(retries={"mode": "standard", "max_attempts": 3}))
    answer = retrying.list_clusters()
    assert answer["ResponseMetadata"]["RetryAttempts"] == 2
    assert sandbox.list_faults() == []  # spent
    sandbox.add_fault("ecs", "ListClusters", "ThrottlingException", times=1)
    with pytest.raises(ClientError):
        client("ecs").list_clusters()
    client("ecs").list_clusters()
    assert sandbox.list_faults() == []


def test_a_fault_that_stays_counts_how_often_it_fired():
    sandbox.add_fault("ecs", "ListClusters", "InternalFailure")
    for _ in range(3):
        with pytest.raises(ClientError):
            client("ecs").list_clusters()
    [fault] = sandbox.list_faults()
    assert (fault["fired"], fault["remaining"], fault["times"]) == (3, None, None)
    assert sandbox.clear_faults() == 1


def test_the_aws_cli_sees_the_fault():
    sandbox.add_fault("ecs", "ListClusters", "AccessDeniedException")
    result = aws_cli("ecs", "list-clusters", check=False)
    assert result.returncode != 0
    assert "AccessDeniedException" in result.stderr and "ecs:ListClusters" in result.stderr


def test_the_sandboxs_own_engine_is_not_faulted():
    """A build's log reaches CloudWatch Logs through the engine's own client while clients' PutLogEvents fail."""
    codebuild, logs = sandbox_client("codebuild"), sandbox_client("logs")
    name = unique("engine")
    codebuild.create_project(
        name=name,
        source={"type": "NO_SOURCE", "buildspec": "version: 0.2\nphases:\n  build:\n    commands:\n      - echo hi\n"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
        },
        serviceRole=codebuild_service_role(),
    )
    sandbox.add_fault("logs", "PutLogEvents", "ServiceUnavailable")
    sandbox.add_fault("logs", "CreateLogStream", "ServiceUnavailable")
    build_id = codebuild.start_build(projectName=name)["build"]["id"]
    deadline = time.monotonic() + 60
    while not (build := codebuild.batch_get_builds(ids=[build_id])["builds"][0])["buildComplete"]:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert build["buildStatus"] == "SUCCEEDED"
    events = logs.get_log_events(logGroupName=build["logs"]["groupName"], logStreamName=build["logs"]["streamName"])
    assert any(e["message"] == "hi" for e in events["events"])
    assert all(f["fired"] == 0 for f in sandbox.list_faults())


def test_bad_fault_requests_are_refused():
    with pytest.raises(sandbox.SandboxError, match="times must be at least 1"):
        sandbox.add_fault("ecs", "ListClusters", "ThrottlingException", times=0)
    with pytest.raises(sandbox.SandboxError, match="needs a service"):
        sandbox.add_fault("", "ListClusters", "ThrottlingException")


def test_the_fault_command_line_round_trip(capsys):
    """``python -m helpers sandbox fault ...``, through the command line's own ``main`` (test_backends
    runs ``python -m helpers`` as a process)."""
    from helpers.__main__ import main

    def _helpers_cli(*args: str) -> subprocess.CompletedProcess[str]:
        capsys.readouterr()
        returncode = main(["sandbox", "fault", *args])
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, returncode, out, err)

    added = _helpers_cli("add", "ecs", "ListClusters", "ThrottlingException", "--times", "2")
    assert added.returncode == 0, added.stderr
    assert "ecs ListClusters answers ThrottlingException (HTTP 400) 2 time(s)" in added.stdout
    listed = _helpers_cli("list", "--json")
    assert listed.returncode == 0, listed.stderr
    [fault] = json.loads(listed.stdout)
    assert (fault["service"], fault["operation"], fault["error_code"], fault["remaining"]) == (
        "ecs",
        "ListClusters",
        "ThrottlingException",
        2,
    )
    assert "ecs ListClusters -> ThrottlingException" in _helpers_cli("list").stdout
    with pytest.raises(ClientError):
        client("ecs").list_clusters()
    cleared = _helpers_cli("clear")
    assert cleared.returncode == 0 and "cleared 1 fault(s)" in cleared.stdout
    assert "no faults injected" in _helpers_cli("list").stdout
    client("ecs").list_clusters()
