"""One CodeBuild build once it holds a concurrent-build slot: it assumes the project's service role, gets
its source, runs the buildspec (``runner.py``) with CodeBuild's environment variables, and uploads its
artifacts, recording each phase in the build's record the way BatchGetBuilds shows it.

Separate from the backend (``models.py``), which answers the API and decides when a build may run (the
account's concurrent-build quota and its queue): this module is what happens to one build from
PROVISIONING to COMPLETED. Its log goes to CloudWatch Logs through ``logs.py``; its phases are recorded as
``phases.py`` says.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from ...buildtools import engine_build
from ...iam_enforcement import AccessDenied, RoleSession, TrustRefused, assume
from .. import loopback
from ..codecommit.models import codecommit_backend
from ..ecr import registry as ecr_registry
from . import local_builds
from .logs import BuildLog, LogStreamDenied
from .phases import begin_phase, record_phase
from .runner import BuildspecError, BuildspecRunner, PhaseResult, load_buildspec, tool_directory


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


class _PhaseFailed(Exception):
    pass


class _StoppedWhileProvisioning(Exception):
    """StopBuild came while the build waited for a local slot (``local_builds``)."""


class _SourceError(Exception):
    pass


class _Denied(Exception):
    """The service role may not do what CodeBuild needs (the phase fails with the role's refusal)."""


class BuildRun:
    """One build from PROVISIONING to COMPLETED, on this machine, as the project's service role."""

    def __init__(
        self,
        build: dict[str, Any],
        project: dict[str, Any],
        overrides: dict[str, Any],
        pipeline: PipelineInput | None,
        *,
        account_id: str,
        region_name: str,
        partition: str,
        data_dir: Path,
        work_root: Path,
        should_stop: Callable[[], bool],
    ) -> None:
        self.build = build
        self.project = project
        self.overrides = overrides
        self.pipeline = pipeline
        self.secrets: dict[str, str] = {}  # PARAMETER_STORE values, read in PROVISIONING with the service role
        self.holds_local_slot = False  # a local build slot (``local_builds``), released when the build ends
        self.account_id = account_id
        self.region_name = region_name
        self.partition = partition
        self.data_dir = data_dir
        self.work_root = work_root
        self.should_stop = should_stop
        self.log = BuildLog(build["logs"]["groupName"], build["logs"]["streamName"], region_name)

    def run(self) -> None:
        """Run every phase; the build's record ends COMPLETED with its status, whatever happens."""
        work = Path(tempfile.mkdtemp(prefix="build-", dir=self.work_root))
        status = "FAILED"
        try:
            status = self._run_phases(work)
        except _PhaseFailed:
            status = "FAILED"
        except _StoppedWhileProvisioning:
            status = "STOPPED"
        except Exception as error:  # a bug must fail the build, not hang it
            self.log.line(f"[Container] sandbox error: {type(error).__name__}: {error}")
            status = "FAILED"
        finally:
            if self.holds_local_slot:
                local_builds.release()
            self._complete(status)
            shutil.rmtree(work, ignore_errors=True)

    def _provision_with_slot(self) -> RoleSession:
        """PROVISIONING: a local build slot, the service role, and the PARAMETER_STORE values it reads."""
        if not local_builds.acquire(self.should_stop):
            raise _StoppedWhileProvisioning()
        self.holds_local_slot = True
        session = self._provision()
        self.secrets = self._parameter_store(session)
        return session

    def _run_phases(self, work: Path) -> str:
        """The phases from PROVISIONING to UPLOAD_ARTIFACTS; the build's status when none raised."""
        build = self.build
        source_dir = work / "src"
        source_dir.mkdir()
        role: RoleSession = self._phase("PROVISIONING", self._provision_with_slot)
        resolved = self._phase("DOWNLOAD_SOURCE", lambda: self._download_source(source_dir, role))
        if resolved:
            build["resolvedSourceVersion"] = resolved
        spec = self._phase("DOWNLOAD_SOURCE_SPEC", lambda: load_buildspec(self._buildspec_text(source_dir)))
        environment = self._environment(source_dir, work, resolved or "")
        environment.update(role.environment())
        runner = BuildspecRunner(
            spec,
            source_dir,
            work,
            environment,
            self.log.line,
            float(build["timeoutInMinutes"]) * 60,
            self.should_stop,
        )
        ok = runner.run_phases(lambda result: record_phase(build, result), lambda name: begin_phase(build, name))
        if self.should_stop():
            return "STOPPED"
        if any(p.get("phaseStatus") == "TIMED_OUT" for p in build["phases"]):
            return "TIMED_OUT"
        if ok or any(p["phaseType"] == "POST_BUILD" for p in build["phases"]):
            # "The UPLOAD_ARTIFACTS phase is always attempted, even if the BUILD phase fails" (user guide,
            # "Build phase transitions"); a failed INSTALL or PRE_BUILD goes straight to FINALIZING.
            self._phase("UPLOAD_ARTIFACTS", lambda: self._upload(runner, role))
            return "SUCCEEDED" if ok else "FAILED"
        return "FAILED"

    def _complete(self, status: str) -> None:
        """FINALIZING, then the record COMPLETED with ``status``."""
        self._phase("FINALIZING", lambda: None)
        self.log.line(f"[Container] {time.strftime('%Y/%m/%d %H:%M:%S')} Build {status}")
        self.log.flush()
        now = datetime.now(UTC)
        self.build["phases"].append({"phaseType": "COMPLETED", "startTime": now})
        self.build.update(currentPhase="COMPLETED", buildStatus=status, endTime=now, buildComplete=True)

    def _phase(self, name: str, action: Callable[[], Any]) -> Any:
        """Run a phase the kit itself performs; an error fails it with CodeBuild's context."""
        phase_type = "DOWNLOAD_SOURCE" if name == "DOWNLOAD_SOURCE_SPEC" else name
        if name != "DOWNLOAD_SOURCE_SPEC":
            begin_phase(self.build, phase_type)
        started = time.monotonic()
        try:
            result = action()
        except _StoppedWhileProvisioning:
            record_phase(self.build, PhaseResult(phase_type, "STOPPED", started, time.monotonic()))
            raise
        except (BuildspecError, _SourceError, _Denied, LogStreamDenied) as error:
            record_phase(
                self.build,
                PhaseResult(phase_type, "FAILED", started, time.monotonic(), str(error)),
                merge=name == "DOWNLOAD_SOURCE_SPEC",
            )
            raise _PhaseFailed() from None
        record_phase(
            self.build,
            PhaseResult(phase_type, "SUCCEEDED", started, time.monotonic()),
            merge=name == "DOWNLOAD_SOURCE_SPEC",
        )
        return result

    def _provision(self) -> RoleSession:
        session = self._assume_service_role()
        self.log.open(session, self.build["arn"], self.project["serviceRole"])
        self.log.line(
            f"[Container] {time.strftime('%Y/%m/%d %H:%M:%S')} Running on the workshop sandbox "
            f"(image {self.project['environment'].get('image')} stands for this machine)"
        )
        return session

    def _assume_service_role(self) -> RoleSession:
        """CodeBuild assumes the project's service role for the build (trust policy first)."""
        project = self.project
        project_arn = f"arn:{self.partition}:codebuild:{self.region_name}:{self.account_id}:project/{project['name']}"
        try:
            return assume(
                project["serviceRole"],
                "codebuild.amazonaws.com",
                self.account_id,
                self.partition,
                session_name=f"AWSCodeBuild-{self.build['id'].split(':')[-1]}",
                source_arn=project_arn,
            )
        except TrustRefused:
            raise _Denied(
                f"CLIENT_ERROR: CodeBuild is not authorized to perform: sts:AssumeRole on {project['serviceRole']}"
            ) from None

    def _download_source(self, target: Path, role: RoleSession) -> str | None:
        source = self.project["source"]
        pipeline = self.pipeline
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
                source.get("location", ""),
                self.overrides.get("source_version") or self.project.get("sourceVersion"),
                target,
                role,
            )
        if source["type"] == "S3":
            bucket, _, key = source.get("location", "").partition("/")
            body = role.client("s3", self.region_name).get_object(Bucket=bucket, Key=key)["Body"].read()
            _unzip(body, target)
            return None
        raise _SourceError(f"CLIENT_ERROR: source type {source['type']} is not supported by the sandbox")

    def _checkout(self, location: str, version: str | None, target: Path, role: RoleSession) -> str:
        """A CODECOMMIT source: the build's role clones it, so it needs ``codecommit:GitPull`` on the repository."""
        name = location.rstrip("/").rsplit("/", 1)[-1]
        repository = codecommit_backend(self.account_id, self.region_name).repositories.get(name)
        if repository is None:
            raise _SourceError(f"CLIENT_ERROR: repository not found for primary source {location}")
        try:
            role.authorize("codecommit:GitPull", repository.arn)
        except AccessDenied:
            raise _SourceError(
                f"CLIENT_ERROR: authorization failed for primary source and source version {version or 'HEAD'}"
            ) from None
        commit = repository.git.resolve_commit(version)
        if commit is None:
            raise _SourceError(f"CLIENT_ERROR: reference not found for primary source and source version {version}")
        archive = repository.git.git("archive", "--format=zip", commit)
        _unzip(archive, target)
        return commit

    def _buildspec_text(self, source_dir: Path) -> str:
        spec = self.overrides.get("buildspec") or self.project["source"].get("buildspec") or "buildspec.yml"
        if "\n" in spec or spec.lstrip().startswith("version"):
            return str(spec)
        path = source_dir / spec
        if not path.is_file():
            raise BuildspecError(
                f"YAML_FILE_ERROR: stat {path.relative_to(source_dir.parent).as_posix()}: no such file or directory"
            )
        return path.read_text()

    def _environment(self, source_dir: Path, work: Path, resolved: str) -> dict[str, str]:
        build, project = self.build, self.project
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
            "CODEBUILD_PROJECT_ARN": f"arn:{self.partition}:codebuild:{self.region_name}:{self.account_id}:project/"
            f"{project['name']}",
            "CODEBUILD_BUILD_NUMBER": str(build["buildNumber"]),
            "CODEBUILD_INITIATOR": build["initiator"],
            "CODEBUILD_BUILD_IMAGE": str(project["environment"].get("image", "")),
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
        environment.update(engine_build.build_environment(bool(project["environment"].get("privilegedMode"))))
        if engine_build.PRIVILEGED_VARIABLE in environment:  # its docker pushes to its account's registry
            environment.update(ecr_registry.build_variables(self.account_id))
        if resolved:  # absent when the input is not a source revision, e.g. another build's artifact (user guide,
            # "Environment variables in build environments": "may not always be available" for CodePipeline)
            environment["CODEBUILD_RESOLVED_SOURCE_VERSION"] = resolved
        for variable in self._variables():
            value = str(variable.get("value", ""))
            if variable.get("type") == "PARAMETER_STORE":
                value = self.secrets[value]
            environment[str(variable["name"])] = value
        return environment

    def _variables(self) -> list[dict[str, Any]]:
        return list(self.project["environment"].get("environmentVariables") or []) + list(
            self.overrides.get("environment_variables") or []
        )

    def _parameter_store(self, role: RoleSession) -> dict[str, str]:
        """PARAMETER_STORE variables, read as CodeBuild reads them: with the build's service role
        (ssm:GetParameters), in PROVISIONING, whose context says "Decrypted Variables Error" when one cannot be."""
        names = sorted({str(v.get("value")) for v in self._variables() if v.get("type") == "PARAMETER_STORE"})
        if not names:
            return {}
        ssm = role.client("ssm", self.region_name)
        try:
            answer = ssm.get_parameters(Names=names, WithDecryption=True)
        except ClientError as error:
            details = error.response["Error"]
            raise _Denied(f"Decrypted Variables Error: {details.get('Code')}: {details.get('Message')}") from None
        if answer.get("InvalidParameters"):
            raise _Denied(f"Decrypted Variables Error: parameter does not exist: {answer['InvalidParameters'][0]}")
        return {p["Name"]: p["Value"] for p in answer["Parameters"]}

    def _upload(self, runner: BuildspecRunner, role: RoleSession) -> None:
        project, pipeline = self.project, self.pipeline
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
        self.build["artifacts"] = {"location": f"arn:{self.partition}:s3:::{bucket}/{key}"}


def _unzip(data: bytes, target: Path) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            path = archive.extract(info, target)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                Path(path).chmod(mode)
