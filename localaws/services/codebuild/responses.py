"""The CodeBuild wire layer: moto's, with CreateProject accepting CODEPIPELINE and NO_SOURCE projects
without a location (as AWS does), StartBuild passing its overrides, and UpdateProject."""

from __future__ import annotations

from moto.codebuild.exceptions import InvalidInputException, ResourceAlreadyExistsException
from moto.codebuild.responses import CodeBuildResponse
from moto.core.responses import ActionResult

from ...seams import moto as moto_seam
from ...seams.moto import ResponseParams
from .models import RunningCodeBuildBackend

_SOURCE_TYPES = {"BITBUCKET", "CODECOMMIT", "CODEPIPELINE", "GITHUB", "GITHUB_ENTERPRISE", "NO_SOURCE", "S3"}
_ARTIFACT_TYPES = {"CODEPIPELINE", "S3", "NO_ARTIFACTS"}


class RunningCodeBuildResponse(ResponseParams, CodeBuildResponse):
    @property
    def codebuild_backend(self) -> RunningCodeBuildBackend:
        return super().codebuild_backend  # type: ignore[return-value]

    def _validate_project(self) -> None:
        source = self.param("source") or {}
        if source.get("type") not in _SOURCE_TYPES:
            raise InvalidInputException("Invalid type provided: Project source type")
        if source["type"] not in ("CODEPIPELINE", "NO_SOURCE") and not source.get("location"):
            raise InvalidInputException("Project source location is required")
        if source["type"] == "NO_SOURCE" and not source.get("buildspec"):
            raise InvalidInputException("Project source buildspec is required for NO_SOURCE source type")
        artifacts = self.param("artifacts") or {}
        if artifacts.get("type") not in _ARTIFACT_TYPES:
            raise InvalidInputException("Invalid type provided: Artifact type")
        if artifacts["type"] == "S3" and not artifacts.get("location"):
            raise InvalidInputException("Project artifacts location is required")
        moto_seam.validate_codebuild_environment(self.param("environment") or {})
        role = self.param("serviceRole") or ""
        if not role.startswith("arn:") or f":{self.current_account}:role/" not in role:
            raise InvalidInputException("Invalid service role: Service role account ID does not match caller's account")

    # Shadows moto's CreateProject on purpose: moto requires a source location for every type.
    def create_project(self) -> ActionResult:
        name = self.param("name")
        if name in self.codebuild_backend.codebuild_projects:
            raise ResourceAlreadyExistsException(
                f"Project already exists: arn:aws:codebuild:{self.region}:{self.current_account}:project/{name}"
            )
        self._validate_project()
        metadata = self.codebuild_backend.create_project(
            name,
            self.param("description"),
            self.param("source"),
            self.param("artifacts"),
            self.param("environment"),
            self.param("serviceRole"),
            self.param("tags"),
            self.param("cache"),
            self.param("timeoutInMinutes"),
            self.param("queuedTimeoutInMinutes"),
            self.param("sourceVersion"),
            self.param("logsConfig"),
            self.param("vpcConfig"),
        )
        return ActionResult({"project": metadata})

    def update_project(self) -> ActionResult:
        changes = {
            key: self.param(key)
            for key in (
                "description",
                "source",
                "artifacts",
                "environment",
                "serviceRole",
                "timeoutInMinutes",
                "queuedTimeoutInMinutes",
                "sourceVersion",
                "logsConfig",
                "tags",
                "cache",
            )
        }
        return ActionResult({"project": self.codebuild_backend.update_project(self.param("name"), changes)})

    # Shadows moto's StartBuild on purpose: moto ignores the overrides and runs nothing.
    def start_build(self) -> ActionResult:
        build = self.codebuild_backend.start_build(
            self.param("projectName"),
            self.param("sourceVersion"),
            self.param("artifactsOverride"),
            self.param("environmentVariablesOverride"),
            self.param("buildspecOverride"),
        )
        return ActionResult({"build": build})

    def batch_get_builds(self) -> ActionResult:
        ids = self.param("ids") or []
        builds = self.codebuild_backend.batch_get_builds(ids)
        found = {b["id"] for b in builds}
        return ActionResult({"builds": builds, "buildsNotFound": [i for i in ids if i not in found]})

    def list_builds(self) -> ActionResult:
        return ActionResult({"ids": self.codebuild_backend.list_builds()})

    def list_builds_for_project(self) -> ActionResult:
        ids = self.codebuild_backend.list_builds_for_project(self.param("projectName"), self.param("sortOrder"))
        return ActionResult({"ids": ids})

    def stop_build(self) -> ActionResult:
        return ActionResult({"build": self.codebuild_backend.stop_build(self.param("id"))})
