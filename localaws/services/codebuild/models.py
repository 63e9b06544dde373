"""CodeBuild backend state whose builds really run: projects, StartBuild, StopBuild, BatchGetBuilds and
the lists of builds, with a build started by StartBuild or by a pipeline action run for real on this
machine (``build.py``: its phases, source, buildspec and artifacts; ``logs.py``: its log in CloudWatch Logs).

As in a new account (``account.py``): at most ``codebuild_concurrency`` builds run at once, the next ones
wait as QUEUED (up to ``codebuild_queue_limit``, beyond which StartBuild answers
AccountLimitExceededException), and CreateProject refuses a service role IAM has not propagated yet."""

from __future__ import annotations

import shutil
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from moto.codebuild.exceptions import InvalidInputException, ResourceNotFoundException
from moto.codebuild.models import CodeBuildBackend, codebuild_backends

from ... import account
from ...persistence import changes
from ..iam import propagation
from .build import BuildRun, PipelineInput
from .exceptions import AccountLimitExceededException
from .logs import append_to_build_log
from .phases import record_phase
from .runner import PhaseResult

DEFAULT_TIMEOUT_MINUTES = 60
RESTART_REASON = "The sandbox restarted while this build ran, so it was stopped; start the build again."


class RunningCodeBuildBackend(CodeBuildBackend):
    #: Set by ``install()``.
    data_dir: Path = Path("/tmp/workshop-sandbox")

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.builds: dict[str, dict[str, Any]] = {}
        self.build_numbers: dict[str, int] = {}
        self.stop_requested: set[str] = set()
        self.finished: dict[str, threading.Event] = {}
        self.slots = threading.Condition()  # guards running and waiting
        self.running: set[str] = set()  # builds holding one of the account's concurrent-build slots
        self.waiting: list[str] = []  # QUEUED builds, first come first served

    # -- persistence -------------------------------------------------------------------------------
    def resume(self) -> list[str]:
        """After a restart: a build that was running when the sandbox stopped cannot go on (its processes
        are gone), so it ends as FAILED with a reason that says so and how to run it again."""
        shutil.rmtree(self._work_root(), ignore_errors=True)  # what the interrupted builds left behind
        self.stop_requested.clear()
        # Every build that held or awaited a concurrent-build slot ends below, so no slot stays taken.
        with self.slots:
            self.running.clear()
            self.waiting.clear()
        ended = []
        for build in self.builds.values():
            self.finished.setdefault(build["id"], threading.Event())
            if build["buildComplete"]:
                self.finished[build["id"]].set()
                continue
            now = datetime.now(UTC)
            phase = build.get("currentPhase") or "QUEUED"
            build["phases"].append(
                {
                    "phaseType": phase,
                    "phaseStatus": "FAILED",
                    "startTime": now,
                    "endTime": now,
                    "durationInSeconds": 0,
                    "contexts": [{"statusCode": "SANDBOX_RESTARTED", "message": RESTART_REASON}],
                }
            )
            build["phases"].append({"phaseType": "COMPLETED", "startTime": now})
            build.update(currentPhase="COMPLETED", buildStatus="FAILED", endTime=now, buildComplete=True)
            self.finished[build["id"]].set()
            ended.append(build["id"])
            line = f"[Container] {now:%Y/%m/%d %H:%M:%S} {RESTART_REASON}"
            append_to_build_log(build, line, self.account_id, self.region_name)
        if ended:
            changes.touched("codebuild", "logs")
        return ended

    # -- projects ----------------------------------------------------------------------------------
    def create_project(
        self,
        project_name: str,
        description: str | None,
        project_source: dict[str, Any],
        artifacts: dict[str, Any],
        environment: dict[str, Any],
        service_role: str,
        tags: list[dict[str, str]] | None,
        cache: dict[str, Any] | None,
        timeout: int | None,
        queued_timeout: int | None,
        source_version: str | None,
        logs_config: dict[str, Any] | None,
        vpc_config: dict[str, Any] | None,
    ) -> dict[str, Any]:
        if propagation.role_missing_or_not_yet_visible(self.account_id, service_role or "", self.partition):
            raise InvalidInputException(f"CodeBuild is not authorized to perform: sts:AssumeRole on {service_role}")
        metadata = super().create_project(
            project_name,
            description,
            project_source,
            artifacts,
            environment,
            service_role,
            tags,
            cache,
            timeout or DEFAULT_TIMEOUT_MINUTES,
            queued_timeout or 480,
            source_version,
            logs_config,
            vpc_config,
        )
        metadata["tags"] = tags or []
        return metadata

    def project_arn(self, name: str) -> str:
        return str(self._project(name).project_metadata["arn"])

    def update_project(self, name: str, changes: dict[str, Any]) -> dict[str, Any]:
        project = self._project(name)
        metadata = project.project_metadata
        for key, value in changes.items():
            if value is not None:
                metadata[key] = value
        if changes.get("tags") is not None:
            project.tags = changes["tags"]
        metadata["lastModifiedDate"] = datetime.now(UTC).timestamp()
        return metadata

    def delete_project(self, project_name: str) -> None:
        self.codebuild_projects.pop(project_name, None)
        self.build_history.pop(project_name, None)

    # -- builds ------------------------------------------------------------------------------------
    def start_build(
        self,
        project_name: str,
        source_version: str | None = None,
        artifact_override: dict[str, Any] | None = None,
        environment_variables_override: list[dict[str, str]] | None = None,
        buildspec_override: str | None = None,
        pipeline: PipelineInput | None = None,
        initiator: str = "moto",
    ) -> dict[str, Any]:
        project = self._project(project_name)
        metadata = project.project_metadata
        source_type = metadata["source"]["type"]
        if source_type == "CODEPIPELINE" and pipeline is None:
            raise InvalidInputException("Source type CODEPIPELINE can only be built by CodePipeline")
        build_uuid = str(uuid.uuid4())
        build_id = f"{project_name}:{build_uuid}"
        self._admit(build_id)
        number = self.build_numbers.get(project_name, 0) + 1
        self.build_numbers[project_name] = number
        initiated_by = pipeline.initiator if pipeline else initiator
        build = self._build_record(project_name, build_uuid, number, metadata, source_version, initiated_by)
        if not build["sourceVersion"]:
            del build["sourceVersion"]
        self.builds[build_id] = build
        self.build_history.setdefault(project_name, []).append(build_id)
        self.finished[build_id] = threading.Event()
        overrides = {
            "environment_variables": environment_variables_override or [],
            "buildspec": buildspec_override,
            "source_version": source_version,
        }
        threading.Thread(target=self._run, args=(build, metadata, overrides, pipeline), daemon=True).start()
        changes.touched("codebuild")
        return build

    def _build_record(
        self,
        project_name: str,
        build_uuid: str,
        number: int,
        metadata: dict[str, Any],
        source_version: str | None,
        initiator: str,
    ) -> dict[str, Any]:
        """A new build's record as BatchGetBuilds shows it, QUEUED after its SUBMITTED phase."""
        build_id = f"{project_name}:{build_uuid}"
        now = datetime.now(UTC)
        group = f"/aws/codebuild/{project_name}"
        return {
            "id": build_id,
            "arn": f"arn:{self.partition}:codebuild:{self.region_name}:{self.account_id}:build/{build_id}",
            "buildNumber": number,
            "startTime": now,
            "currentPhase": "QUEUED",
            "buildStatus": "IN_PROGRESS",
            "sourceVersion": source_version or metadata.get("sourceVersion") or "",
            "projectName": project_name,
            "phases": [
                {
                    "phaseType": "SUBMITTED",
                    "phaseStatus": "SUCCEEDED",
                    "startTime": now,
                    "endTime": now,
                    "durationInSeconds": 0,
                }
            ],
            "source": metadata["source"],
            "artifacts": {"location": ""},
            "environment": metadata["environment"],
            "serviceRole": metadata["serviceRole"],
            "logs": {
                "groupName": group,
                "streamName": build_uuid,
                "deepLink": f"https://console.aws.amazon.com/cloudwatch/home?region={self.region_name}"
                f"#logEvent:group={group};stream={build_uuid}",
                "cloudWatchLogsArn": f"arn:{self.partition}:logs:{self.region_name}:{self.account_id}:"
                f"log-group:{group}:log-stream:{build_uuid}",
            },
            "timeoutInMinutes": metadata.get("timeoutInMinutes") or DEFAULT_TIMEOUT_MINUTES,
            "queuedTimeoutInMinutes": metadata.get("queuedTimeoutInMinutes") or 480,
            "buildComplete": False,
            "initiator": initiator,
            "encryptionKey": metadata.get("encryptionKey"),
        }

    def batch_get_builds(self, ids: list[str]) -> list[dict[str, Any]]:
        return [snapshot(self.builds[i]) for i in ids if i in self.builds]

    def list_builds(self) -> list[str]:
        return sorted(self.builds, key=lambda i: self.builds[i]["startTime"], reverse=True)

    def list_builds_for_project(self, project_name: str, sort_order: str | None = None) -> list[str]:
        self._project(project_name)
        ids = self.build_history.get(project_name, [])
        return list(ids) if sort_order == "ASCENDING" else list(reversed(ids))

    def stop_build(self, build_id: str) -> dict[str, Any]:
        if build_id not in self.builds:
            raise ResourceNotFoundException(f"Build {build_id} does not exist")
        if not self.builds[build_id]["buildComplete"]:
            self.stop_requested.add(build_id)
            self.finished[build_id].wait(15)
        return snapshot(self.builds[build_id])

    def wait_for_build(self, build_id: str, timeout: float) -> dict[str, Any]:
        self.finished[build_id].wait(timeout)
        return snapshot(self.builds[build_id])

    # -- the account's concurrent-build quota -------------------------------------------------------
    def _admit(self, build_id: str) -> None:
        """Queue the build, or refuse it when the account's queue is full (AWS's AccountLimitExceeded)."""
        settings = account.current()
        with self.slots:
            in_flight = len(self.running) + len(self.waiting)
            if in_flight + 1 - settings.codebuild_concurrency > settings.codebuild_queue_limit:
                raise AccountLimitExceededException(
                    f"Cannot have more than {settings.codebuild_queue_limit} builds in queue for the account"
                )
            self.waiting.append(build_id)

    def _wait_for_slot(self, build: dict[str, Any]) -> str | None:
        """Hold the build QUEUED until a slot frees; None once it runs, or why it never will."""
        started = time.monotonic()
        deadline = started + float(build["queuedTimeoutInMinutes"]) * 60
        outcome: str | None = None
        with self.slots:
            while True:
                if build["id"] in self.stop_requested:
                    outcome = "STOPPED"
                elif time.monotonic() >= deadline:
                    outcome = "TIMED_OUT"
                elif self.waiting[0] == build["id"] and len(self.running) < account.current().codebuild_concurrency:
                    self.running.add(build["id"])
                if outcome or build["id"] in self.running:
                    self.waiting.remove(build["id"])
                    self.slots.notify_all()
                    break
                self.slots.wait(0.5)
        record_phase(
            build,
            PhaseResult("QUEUED", "SUCCEEDED" if outcome is None else outcome, started, time.monotonic()),
        )
        return outcome

    def _release_slot(self, build_id: str) -> None:
        with self.slots:
            self.running.discard(build_id)
            self.slots.notify_all()

    # -- running a build once it has a slot ---------------------------------------------------------
    def _run(
        self, build: dict[str, Any], project: dict[str, Any], overrides: dict[str, Any], pipeline: PipelineInput | None
    ) -> None:
        never_ran = self._wait_for_slot(build)
        if never_ran is not None:
            now = datetime.now(UTC)
            build["phases"].append({"phaseType": "COMPLETED", "startTime": now})
            build.update(currentPhase="COMPLETED", buildStatus=never_ran, endTime=now, buildComplete=True)
            self.stop_requested.discard(build["id"])
            self.finished[build["id"]].set()
            return
        try:
            self._run_build(build, project, overrides, pipeline)
        finally:
            self._release_slot(build["id"])

    def _run_build(
        self, build: dict[str, Any], project: dict[str, Any], overrides: dict[str, Any], pipeline: PipelineInput | None
    ) -> None:
        run = BuildRun(
            build,
            project,
            overrides,
            pipeline,
            account_id=self.account_id,
            region_name=self.region_name,
            partition=self.partition,
            data_dir=self.data_dir,
            work_root=self._work_root(),
            should_stop=lambda: build["id"] in self.stop_requested,
        )
        run.run()
        self.stop_requested.discard(build["id"])
        self.finished[build["id"]].set()
        changes.touched("codebuild")

    def _project(self, name: str) -> Any:
        project = self.codebuild_projects.get(name)
        if project is None:
            raise ResourceNotFoundException(
                f"Project cannot be found: arn:{self.partition}:codebuild:"
                f"{self.region_name}:{self.account_id}:project/{name}"
            )
        return project

    def _work_root(self) -> Path:
        path = self.data_dir / "builds"
        path.mkdir(parents=True, exist_ok=True)
        return path


def snapshot(build: dict[str, Any]) -> dict[str, Any]:
    """A copy of a build record taken in one step, for answering a request.

    The build's thread completes a record with one ``dict.update`` (status, end time and
    ``buildComplete`` together); a response serialized from the live record could still show
    ``buildComplete: true`` with ``buildStatus: IN_PROGRESS`` when the thread switched mid-way.
    ``dict(...)`` copies in one C call under the GIL, so a reader sees the record before or after.
    """
    copied = dict(build)
    copied["phases"] = [dict(phase) for phase in list(copied.get("phases", []))]
    return copied


def codebuild_backend(account_id: str, region_name: str) -> RunningCodeBuildBackend:
    """The sandbox's backend for one account and region (``install()`` made moto build this class)."""
    return cast(RunningCodeBuildBackend, codebuild_backends[account_id][region_name])
