"""A build's log in CloudWatch Logs, under ``/aws/codebuild/<project>`` in a stream named after the build.

Separate from the build's lifecycle (``build.py``) because shipping the log is its own protocol: the
stream is created as the build's service role (a refusal is CodeBuild's ACCESS_DENIED), lines go out in
batches, and a line that cannot be sent never fails the build. The backend (``models.py``) writes here
too, without a role, when a restart ends a build and the learner must read why.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from botocore.exceptions import ClientError
from moto.logs.models import logs_backends

from ...iam_enforcement import RoleSession


class LogStreamDenied(Exception):
    """The build's service role may not create the log group or stream (PROVISIONING fails with this)."""


class BuildLog:
    """The build's log, kept for CloudWatch Logs and sent in batches."""

    def __init__(self, group: str, stream: str, region: str) -> None:
        self.group, self.stream, self.region = group, stream, region
        self.logs: Any = None
        self.pending: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.ready = False
        self.last_flush = time.monotonic()

    def open(self, role: RoleSession, build_arn: str, role_arn: str) -> None:
        """Create the log group and stream as the build's service role; a refusal fails PROVISIONING
        with CodeBuild's ACCESS_DENIED message."""
        logs = role.client("logs", self.region)
        try:
            try:
                logs.create_log_group(logGroupName=self.group)
            except logs.exceptions.ResourceAlreadyExistsException:
                pass
            logs.create_log_stream(logGroupName=self.group, logStreamName=self.stream)
        except ClientError as error:
            if error.response["Error"].get("Code") != "AccessDeniedException":
                raise
            raise LogStreamDenied(
                f"ACCESS_DENIED: Service role {role_arn} does not allow AWS CodeBuild to create Amazon CloudWatch "
                f"Logs log streams for build {build_arn}. Error message: {error.response['Error'].get('Message')}"
            ) from None
        self.logs, self.ready = logs, True

    def line(self, text: str) -> None:
        with self.lock:
            self.pending.append({"timestamp": int(time.time() * 1000), "message": text or " "})
        if time.monotonic() - self.last_flush > 1.0:
            self.flush()

    def flush(self) -> None:
        try:
            self._send()
        except Exception as error:  # the log must never fail the build
            print(f"build log {self.group}/{self.stream} not sent: {error}", flush=True)

    def _send(self) -> None:
        with self.lock:
            events, self.pending = self.pending, []
        self.last_flush = time.monotonic()
        if not events:
            return
        if self.logs is None:  # the role never got to create the stream: AWS keeps no log either
            return
        logs = self.logs
        if not self.ready:
            try:
                logs.create_log_group(logGroupName=self.group)
            except logs.exceptions.ResourceAlreadyExistsException:
                pass
            try:
                logs.create_log_stream(logGroupName=self.group, logStreamName=self.stream)
            except logs.exceptions.ResourceAlreadyExistsException:
                pass
            self.ready = True
        logs.put_log_events(logGroupName=self.group, logStreamName=self.stream, logEvents=events)


def append_to_build_log(build: dict[str, Any], line: str, account: str, region: str) -> None:
    """Add a line to a build's CloudWatch log stream (the learner reads why the build ended there)."""
    logs = logs_backends[account][region]
    group, stream = build["logs"]["groupName"], build["logs"]["streamName"]
    if group not in logs.groups:
        return
    if stream not in logs.groups[group].streams:
        logs.create_log_stream(group, stream)
    logs.put_log_events(group, stream, [{"timestamp": int(time.time() * 1000), "message": line}])
