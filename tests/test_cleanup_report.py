"""Cleanup returns data (a CleanupReport), survives any AWS failure per resource, never reports
"nothing left" when a service could not be asked, and the CLI's exit status comes from ``report.ok``."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from botocore.exceptions import ClientError, WaiterError

from helpers import cleanup, setup
from helpers.resources import approval_topic, artifact_bucket
from helpers.resources.base import Found, Kind
from tests.helpers_for_tests import sandbox_client, unique


def _workshop(prefix: str):
    setup.configure(prefix=prefix)
    return setup.open_workshop(prefix)


def _denied(operation: str) -> ClientError:
    return ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}}, operation)


def test_a_failed_delete_or_find_is_a_row_and_the_rest_is_still_deleted(monkeypatch):
    """A waiter that gives up (a BotoCoreError, not a ClientError) on one resource and a service that
    denies discovery must not stop cleanup before the billable resources after them."""
    workshop = _workshop(unique("crep"))
    approval_topic.ensure(workshop)

    def waiter_gives_up(workshop, found):
        raise WaiterError("StackDeleteComplete", "Waiter encountered a terminal failure state", {})

    def discovery_denied(workshop):
        raise _denied("DescribeLoadBalancers")

    stuck = Kind(
        "CloudFormation stacks", lambda w: [Found("CloudFormation stack", "stuck", "stuck", True)], waiter_gives_up
    )
    unreadable = Kind("load balancers", discovery_denied, lambda w, f: None)
    monkeypatch.setattr(cleanup, "KINDS", (stuck, unreadable, approval_topic.TOPICS))

    report = cleanup.cleanup(workshop, progress=False)

    outcomes = {(r.kind, r.name): r.outcome for r in report.rows}
    assert outcomes[("CloudFormation stack", "stuck")] == "failed"
    assert outcomes[("load balancers", "-")] == "could not check"
    assert outcomes[("SNS topic", workshop.names.approval_topic)] == "deleted"
    assert not report.ok
    assert "WaiterError" in next(r.detail for r in report.rows if r.name == "stuck")
    # The final check asks again: the unreadable service is reported, not taken for "nothing left".
    assert ("load balancers", "could not check") in {(r.kind, r.outcome) for r in report.leftovers}
    assert "Nothing of this workshop is left." not in repr(report)
    html = report._repr_html_()  # JupyterLab shows the same rows as a table
    assert "could not check" in html and "stuck" in html
    assert workshop.state.resources  # not forgotten: a later cleanup must still find what is left


def test_not_found_is_already_gone_but_a_denial_is_a_failure(monkeypatch):
    workshop = _workshop(unique("cgone"))
    gone = ClientError({"Error": {"Code": "NoSuchEntity", "Message": "gone"}}, "DeleteRole")
    denied = _denied("DeleteRole")

    def raising(error):
        def delete(workshop, found):
            raise error

        return delete

    candidates = lambda w: [Found("IAM role", "r", "r", True)]  # noqa: E731
    monkeypatch.setattr(cleanup, "KINDS", (Kind("IAM roles", candidates, raising(gone)),))
    assert [r.outcome for r in cleanup.cleanup(workshop, progress=False).rows] == ["already gone"]
    monkeypatch.setattr(cleanup, "KINDS", (Kind("IAM roles", candidates, raising(denied)),))
    report = cleanup.cleanup(workshop, progress=False)
    assert [r.outcome for r in report.rows] == ["failed"]
    assert report.rows[0].detail.startswith("AccessDeniedException")


def test_every_deletion_of_a_kind_starts_before_the_first_wait_and_a_failed_wait_is_a_failure(monkeypatch):
    """Three services drain at once (the wait is the longest, not the sum); a wait that gives up is red."""
    workshop = _workshop(unique("csettle"))
    calls: list[str] = []
    candidates = lambda w: [Found("ECS service", n, n, True) for n in ("dev", "qa", "prod")]  # noqa: E731

    def settle(workshop, found):
        calls.append("wait " + found.name)
        if found.name == "qa":
            raise WaiterError("ServicesInactive", "Max attempts exceeded", {})

    kind = Kind("ECS services", candidates, lambda w, f: calls.append("delete " + f.name), settle)
    monkeypatch.setattr(cleanup, "KINDS", (kind,))
    report = cleanup.cleanup(workshop, progress=False)
    assert calls == ["delete dev", "delete qa", "delete prod", "wait dev", "wait qa", "wait prod"]
    assert [(r.name, r.outcome) for r in report.rows] == [("dev", "deleted"), ("qa", "failed"), ("prod", "deleted")]
    assert report.rows[1].detail.startswith("deletion started, but: WaiterError")
    assert not report.ok


def test_a_cloudformation_validation_error_is_not_taken_for_a_missing_stack():
    from helpers.core.aws_errors import is_not_found

    missing = ClientError(
        {"Error": {"Code": "ValidationError", "Message": "Stack with id x does not exist"}}, "DescribeStacks"
    )
    throttled = ClientError({"Error": {"Code": "ValidationError", "Message": "Rate exceeded"}}, "DescribeStacks")
    forbidden = ClientError({"Error": {"Code": "403", "Message": "Forbidden"}}, "HeadBucket")
    assert is_not_found(missing)
    assert not is_not_found(throttled) and not is_not_found(forbidden)


def test_bucket_objects_s3_refuses_to_delete_are_reported_by_name():
    """DeleteObjects answers 200 with an Errors list; a kept object must be reported, not surface later
    as a puzzling BucketNotEmpty."""
    workshop = _workshop(unique("clock"))
    s3 = sandbox_client("s3")
    bucket = unique("kit-locked-bucket")
    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    version = s3.put_object(Bucket=bucket, Key="held.txt", Body=b"x")["VersionId"]
    s3.put_object_legal_hold(Bucket=bucket, Key="held.txt", VersionId=version, LegalHold={"Status": "ON"})
    from helpers.core.errors import WorkshopError

    with pytest.raises(WorkshopError) as excinfo:
        artifact_bucket.delete_bucket(workshop, Found("S3 bucket", bucket, bucket, True))
    assert "held.txt" in str(excinfo.value) and "S3 kept 1 object" in str(excinfo.value)
    s3.put_object_legal_hold(Bucket=bucket, Key="held.txt", VersionId=version, LegalHold={"Status": "OFF"})
    artifact_bucket.delete_bucket(workshop, Found("S3 bucket", bucket, bucket, True))


def test_cli_exit_status_and_json_come_from_the_report():
    prefix = unique("ccli")
    _workshop(prefix)
    result = subprocess.run(
        [sys.executable, "-m", "helpers", "cleanup", "--prefix", prefix, "--json"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["ok"] is True
    assert document["leftovers"] == [] and document["rows"] == []
