"""CodeBuild backend state whose builds really run: a build started by StartBuild or by a pipeline
action gets its source, runs the buildspec (``runner.py``), sends its log to CloudWatch Logs under
``/aws/codebuild/<project>``, and uploads its artifacts, with real phases, statuses and durations.

As in a new account (``account.py``): at most ``codebuild_concurrency`` builds run at once, the next ones
wait as QUEUED (up to ``codebuild_queue_limit``, beyond which StartBuild answers
AccountLimitExceededException), and CreateProject refuses a service role IAM has not propagated yet."""

from __future__ import annotations

import io
import shutil
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from botocore.exceptions import ClientError
from moto.codebuild.exceptions import InvalidInputException, ResourceNotFoundException
from moto.codebuild.models import CodeBuildBackend

from ... import account
from ...iam_enforcement import RoleSession, TrustRefused, assume
from ...persistence import changes
from .. import loopback
from ..iam import propagation
from .exceptions import AccountLimitExceededException
from .runner import BuildspecError, BuildspecRunner, PhaseResult, load_buildspec, tool_directory

DEFAULT_TIMEOUT_MINUTES = 60
RESTART_REASON = "The sandbox restarted while this build ran, so it was stopped; start the build again."


@dataclass
class PipelineInput:
    """What a CodePipeline build action hands CodeBuild: the input artifact and where output goes."""

    source_zip: bytes
    resolved_source_version: str
    initiator: str
    output_bucket: str | None = None
    output_key: str | None = None
    #: Where the input artifact is: CodeBuild downloads it with the project's service role.
    source_bucket: str | None = None
    source_key: str | None = None


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
            _append_to_log(build, line, self.account_id, self.region_name)
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
        now = datetime.now(UTC)
        group = f"/aws/codebuild/{project_name}"
        build: dict[str, Any] = {
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
            "initiator": pipeline.initiator if pipeline else initiator,
            "encryptionKey": metadata.get("encryptionKey"),
        }
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

    def batch_get_builds(self, ids: list[str]) -> list[dict[str, Any]]:
        return [self.builds[i] for i in ids if i in self.builds]

    def list_builds(self) -> list[str]:
        return sorted(self.builds, key=lambda i: self.builds[i]["startTime"], reverse=True)

    def list_builds_for_project(self, project_name: str) -> list[str]:
        self._project(project_name)
        return list(reversed(self.build_history.get(project_name, [])))

    def stop_build(self, build_id: str) -> dict[str, Any]:
        if build_id not in self.builds:
            raise ResourceNotFoundException(f"Build {build_id} does not exist")
        if not self.builds[build_id]["buildComplete"]:
            self.stop_requested.add(build_id)
            self.finished[build_id].wait(15)
        return self.builds[build_id]

    def wait_for_build(self, build_id: str, timeout: float) -> dict[str, Any]:
        self.finished[build_id].wait(timeout)
        return self.builds[build_id]

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
        self._record(
            build,
            PhaseResult("QUEUED", "SUCCEEDED" if outcome is None else outcome, started, time.monotonic()),
        )
        return outcome

    def _release_slot(self, build_id: str) -> None:
        with self.slots:
            self.running.discard(build_id)
            self.slots.notify_all()

    # -- the build itself --------------------------------------------------------------------------
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
        work = Path(tempfile.mkdtemp(prefix="build-", dir=self._work_root()))
        source_dir = work / "src"
        source_dir.mkdir()
        log = _BuildLog(build["logs"]["groupName"], build["logs"]["streamName"], self.region_name)
        status = "FAILED"
        role: RoleSession | None = None
        try:

            def provision() -> RoleSession:
                session = self._assume_service_role(build, project)
                log.open(session, build["arn"], project["serviceRole"])
                log.line(
                    f"[Container] {time.strftime('%Y/%m/%d %H:%M:%S')} Running on the workshop sandbox "
                    f"(image {project['environment'].get('image')} stands for this machine)"
                )
                return session

            role = self._phase(build, "PROVISIONING", provision)
            assert role is not None
            build_role: RoleSession = role
            resolved = self._phase(
                build,
                "DOWNLOAD_SOURCE",
                lambda: self._download_source(project, source_dir, pipeline, overrides, build_role),
            )
            if resolved:
                build["resolvedSourceVersion"] = resolved
            spec = self._phase(
                build,
                "DOWNLOAD_SOURCE_SPEC",
                lambda: load_buildspec(self._buildspec_text(project, source_dir, overrides)),
            )
            environment = self._environment(build, project, source_dir, work, overrides, resolved or "")
            environment.update(role.environment())
            runner = BuildspecRunner(
                spec,
                source_dir,
                work,
                environment,
                log.line,
                float(build["timeoutInMinutes"]) * 60,
                lambda: build["id"] in self.stop_requested,
            )
            ok = runner.run_phases(lambda result: self._record(build, result), lambda name: self._begin(build, name))
            if build["id"] in self.stop_requested:
                status = "STOPPED"
            elif any(p.get("phaseStatus") == "TIMED_OUT" for p in build["phases"]):
                status = "TIMED_OUT"
            elif ok:
                self._phase(
                    build, "UPLOAD_ARTIFACTS", lambda: self._upload(build, project, runner, pipeline, build_role)
                )
                status = "SUCCEEDED"
        except _PhaseFailed:
            status = "FAILED"
        except Exception as error:  # a bug must fail the build, not hang it
            log.line(f"[Container] sandbox error: {type(error).__name__}: {error}")
            status = "FAILED"
        finally:
            self._phase(build, "FINALIZING", lambda: None)
            log.line(f"[Container] {time.strftime('%Y/%m/%d %H:%M:%S')} Build {status}")
            log.flush()
            now = datetime.now(UTC)
            build["phases"].append({"phaseType": "COMPLETED", "startTime": now})
            build.update(currentPhase="COMPLETED", buildStatus=status, endTime=now, buildComplete=True)
            shutil.rmtree(work, ignore_errors=True)
            self.stop_requested.discard(build["id"])
            self.finished[build["id"]].set()
            changes.touched("codebuild")

    def _phase(self, build: dict[str, Any], name: str, action: Any) -> Any:
        """Run a phase the kit itself performs; an error fails it with CodeBuild's context."""
        phase_type = "DOWNLOAD_SOURCE" if name == "DOWNLOAD_SOURCE_SPEC" else name
        if name != "DOWNLOAD_SOURCE_SPEC":
            self._begin(build, phase_type)
        started = time.monotonic()
        try:
            result = action()
        except (BuildspecError, _SourceError, _Denied) as error:
            self._record(
                build,
                PhaseResult(phase_type, "FAILED", started, time.monotonic(), str(error)),
                merge=name == "DOWNLOAD_SOURCE_SPEC",
            )
            raise _PhaseFailed() from None
        self._record(
            build, PhaseResult(phase_type, "SUCCEEDED", started, time.monotonic()), merge=name == "DOWNLOAD_SOURCE_SPEC"
        )
        return result

    @staticmethod
    def _begin(build: dict[str, Any], name: str) -> None:
        build["currentPhase"] = name
        changes.touched("codebuild")

    @staticmethod
    def _record(build: dict[str, Any], result: PhaseResult, merge: bool = False) -> None:
        ended = datetime.now(UTC)
        started = datetime.fromtimestamp(ended.timestamp() - (result.ended - result.started), UTC)
        entry: dict[str, Any] = {
            "phaseType": result.name,
            "phaseStatus": result.status,
            "startTime": started,
            "endTime": ended,
            "durationInSeconds": round(result.ended - result.started),
        }
        if result.message:
            code = (
                "ACCESS_DENIED"
                if result.message.startswith("ACCESS_DENIED")
                else "COMMAND_EXECUTION_ERROR"
                if result.name in ("INSTALL", "PRE_BUILD", "BUILD", "POST_BUILD")
                else "CLIENT_ERROR"
                if result.message.startswith("CLIENT_ERROR")
                else "YAML_FILE_ERROR"
                if "YAML_FILE_ERROR" in result.message
                else "CLIENT_ERROR"
            )
            entry["contexts"] = [{"statusCode": code, "message": result.message}]
        if merge and build["phases"] and build["phases"][-1]["phaseType"] == result.name:
            build["phases"][-1].update({k: v for k, v in entry.items() if k in ("phaseStatus", "contexts", "endTime")})
        else:
            build["phases"].append(entry)

    def _download_source(
        self,
        project: dict[str, Any],
        target: Path,
        pipeline: PipelineInput | None,
        overrides: dict[str, Any],
        role: RoleSession,
    ) -> str | None:
        source = project["source"]
        if pipeline is not None:
            if pipeline.source_bucket and pipeline.source_key:
                location = f"arn:{self.partition}:s3:::{pipeline.source_bucket}/{pipeline.source_key}"
                try:
                    body = role.client("s3", self.region_name).get_object(
                        Bucket=pipeline.source_bucket, Key=pipeline.source_key
                    )["Body"]
                    _unzip(body.read(), target)
                except ClientError as error:
                    raise _SourceError(
                        f"CLIENT_ERROR: AccessDenied: {error.response['Error'].get('Message')} "
                        f"for primary source and source version {location}"
                    ) from None
            else:
                _unzip(pipeline.source_zip, target)
            return pipeline.resolved_source_version
        if source["type"] == "NO_SOURCE":
            return None
        if source["type"] == "CODECOMMIT":
            return self._checkout(
                source.get("location", ""), overrides.get("source_version") or project.get("sourceVersion"), target
            )
        if source["type"] == "S3":
            bucket, _, key = source.get("location", "").partition("/")
            body = role.client("s3", self.region_name).get_object(Bucket=bucket, Key=key)["Body"].read()
            _unzip(body, target)
            return None
        raise _SourceError(f"CLIENT_ERROR: source type {source['type']} is not supported by the sandbox")

    def _checkout(self, location: str, version: str | None, target: Path) -> str:
        from ..codecommit.models import codecommit_backend

        name = location.rstrip("/").rsplit("/", 1)[-1]
        repository = codecommit_backend(self.account_id, self.region_name).repositories.get(name)
        if repository is None:
            raise _SourceError(f"CLIENT_ERROR: repository not found for primary source {location}")
        commit = repository.git.resolve_commit(version)
        if commit is None:
            raise _SourceError(f"CLIENT_ERROR: reference not found for primary source and source version {version}")
        archive = repository.git.git("archive", "--format=zip", commit)
        _unzip(archive, target)
        return commit

    @staticmethod
    def _buildspec_text(project: dict[str, Any], source_dir: Path, overrides: dict[str, Any]) -> str:
        spec = overrides.get("buildspec") or project["source"].get("buildspec") or "buildspec.yml"
        if "\n" in spec or spec.lstrip().startswith("version"):
            return str(spec)
        path = source_dir / spec
        if not path.is_file():
            raise BuildspecError(
                f"YAML_FILE_ERROR: stat {path.relative_to(source_dir.parent).as_posix()}: no such file or directory"
            )
        return path.read_text()

    def _environment(
        self,
        build: dict[str, Any],
        project: dict[str, Any],
        source_dir: Path,
        work: Path,
        overrides: dict[str, Any],
        resolved: str,
    ) -> dict[str, str]:
        import os
        import sys

        tools = tool_directory(self.data_dir / "buildtools")
        home = work / "home"
        home.mkdir()
        environment = {
            "PATH": os.pathsep.join([str(tools), str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "CODEBUILD_CI": "true",
            "CODEBUILD_BUILD_ID": build["id"],
            "CODEBUILD_BUILD_ARN": build["arn"],
            "CODEBUILD_BUILD_NUMBER": str(build["buildNumber"]),
            "CODEBUILD_INITIATOR": build["initiator"],
            "CODEBUILD_BUILD_IMAGE": str(project["environment"].get("image", "")),
            "CODEBUILD_RESOLVED_SOURCE_VERSION": resolved,
            "CODEBUILD_SOURCE_VERSION": build.get("sourceVersion", resolved),
            "CODEBUILD_SOURCE_REPO_URL": str(project["source"].get("location", "")),
            "CODEBUILD_SRC_DIR": str(source_dir),
            "CODEBUILD_BUILD_SUCCEEDING": "1",
            "CODEBUILD_START_TIME": str(int(build["startTime"].timestamp() * 1000)),
            "CODEBUILD_LOG_PATH": build["logs"]["streamName"],
            "CODEBUILD_KMS_KEY_ID": str(build.get("encryptionKey") or ""),
            "AWS_DEFAULT_REGION": self.region_name,
            "AWS_REGION": self.region_name,
            "AWS_ENDPOINT_URL": loopback.endpoint(),
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "AWS_PAGER": "",
            "WORKSHOP_SANDBOX_DATA": str(self.data_dir),
            "SANDBOX_DOCKER_HOME": str(work / "docker"),
        }
        variables = list(project["environment"].get("environmentVariables") or []) + list(
            overrides.get("environment_variables") or []
        )
        for variable in variables:
            value = str(variable.get("value", ""))
            if variable.get("type") == "PARAMETER_STORE":
                value = loopback.client("ssm", self.region_name).get_parameter(Name=value, WithDecryption=True)[
                    "Parameter"
                ]["Value"]
            environment[str(variable["name"])] = value
        return environment

    def _upload(
        self,
        build: dict[str, Any],
        project: dict[str, Any],
        runner: BuildspecRunner,
        pipeline: PipelineInput | None,
        role: RoleSession,
    ) -> None:
        artifact = runner.collect_artifacts()
        kind = project["artifacts"].get("type", "NO_ARTIFACTS")
        if artifact is None or kind == "NO_ARTIFACTS":
            return
        if pipeline is not None and pipeline.output_bucket and pipeline.output_key:
            bucket, key = pipeline.output_bucket, pipeline.output_key
        elif kind == "S3":
            artifacts = project["artifacts"]
            bucket = artifacts["location"]
            key = "/".join(p for p in (artifacts.get("path"), artifacts.get("name") or project["name"]) if p)
        else:
            return
        s3 = role.client("s3", self.region_name)
        try:
            s3.put_object(Bucket=bucket, Key=key, Body=artifact)
        except ClientError as error:
            raise _SourceError(
                f"CLIENT_ERROR: {error.response['Error'].get('Code')}: {error.response['Error'].get('Message')} "
                f"for artifact arn:{self.partition}:s3:::{bucket}/{key}"
            ) from None
        build["artifacts"] = {"location": f"arn:{self.partition}:s3:::{bucket}/{key}"}

    def _assume_service_role(self, build: dict[str, Any], project: dict[str, Any]) -> RoleSession:
        """CodeBuild assumes the project's service role for the build (trust policy first)."""
        project_arn = f"arn:{self.partition}:codebuild:{self.region_name}:{self.account_id}:project/{project['name']}"
        try:
            return assume(
                project["serviceRole"],
                "codebuild.amazonaws.com",
                self.account_id,
                self.partition,
                session_name=f"AWSCodeBuild-{build['id'].split(':')[-1]}",
                source_arn=project_arn,
            )
        except TrustRefused:
            raise _Denied(
                f"CLIENT_ERROR: CodeBuild is not authorized to perform: sts:AssumeRole on {project['serviceRole']}"
            ) from None

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


def _append_to_log(build: dict[str, Any], line: str, account: str, region: str) -> None:
    """Add a line to a build's CloudWatch log stream (the learner reads why the build ended there)."""
    from moto.logs.models import logs_backends

    logs = logs_backends[account][region]
    group, stream = build["logs"]["groupName"], build["logs"]["streamName"]
    if group not in logs.groups:
        return
    if stream not in logs.groups[group].streams:
        logs.create_log_stream(group, stream)
    logs.put_log_events(group, stream, [{"timestamp": int(time.time() * 1000), "message": line}])


class _PhaseFailed(Exception):
    pass


class _SourceError(Exception):
    pass


class _Denied(Exception):
    """The service role may not do what CodeBuild needs (the phase fails with the role's refusal)."""


def _unzip(data: bytes, target: Path) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            path = archive.extract(info, target)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                Path(path).chmod(mode)


class _BuildLog:
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
            raise _Denied(
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


def codebuild_backend(account_id: str, region_name: str) -> RunningCodeBuildBackend:
    """The sandbox's backend for one account and region (``install()`` made moto build this class)."""
    from moto.codebuild.models import codebuild_backends

    return cast(RunningCodeBuildBackend, codebuild_backends[account_id][region_name])
