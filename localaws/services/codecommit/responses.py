"""The CodeCommit wire layer: JSON in, backend call, JSON out. No logic lives here."""

from __future__ import annotations

import base64
import json
from typing import Any

from moto.codecommit.exceptions import InvalidRepositoryNameException
from moto.codecommit.responses import CodeCommitResponse

from ...seams import moto as moto_seam
from ...seams.moto import ResponseParams
from .exceptions import RepositoryNameRequiredException
from .models import GitCodeCommitBackend


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(data: str | None) -> bytes | None:
    return None if data is None else base64.b64decode(data)


class GitCodeCommitResponse(ResponseParams, CodeCommitResponse):
    @property
    def codecommit_backend(self) -> GitCodeCommitBackend:
        return super().codecommit_backend  # type: ignore[return-value]

    def _repository_name(self) -> str:
        name = self.param("repositoryName")
        if not name:
            raise RepositoryNameRequiredException()
        if not moto_seam.is_valid_repository_name(name):
            raise InvalidRepositoryNameException()
        return name

    # Shadows moto's CreateRepository on purpose: moto drops the request's tags.
    def create_repository(self) -> str:
        metadata = self.codecommit_backend.create_repository(
            self._repository_name(), self.param("repositoryDescription"), self.param("tags")
        )
        return json.dumps({"repositoryMetadata": metadata})

    def list_repositories(self) -> str:
        repositories = self.codecommit_backend.list_repositories(self.param("sortBy"), self.param("order"))
        return json.dumps({"repositories": repositories})

    def create_branch(self) -> str:
        self.codecommit_backend.create_branch(self._repository_name(), self.param("branchName"), self.param("commitId"))
        return "{}"

    def get_branch(self) -> str:
        branch = self.codecommit_backend.get_branch(self._repository_name(), self.param("branchName"))
        return json.dumps({"branch": branch})

    def list_branches(self) -> str:
        return json.dumps({"branches": self.codecommit_backend.list_branches(self._repository_name())})

    def delete_branch(self) -> str:
        deleted = self.codecommit_backend.delete_branch(self._repository_name(), self.param("branchName"))
        return json.dumps({"deletedBranch": deleted})

    def put_file(self) -> str:
        result = self.codecommit_backend.put_file(
            self._repository_name(),
            self.param("branchName"),
            _unb64(self.param("fileContent")) or b"",
            self.param("filePath"),
            self.param("fileMode"),
            self.param("parentCommitId"),
            self.param("commitMessage"),
            self.param("name"),
            self.param("email"),
        )
        return json.dumps(result)

    def create_commit(self) -> str:
        put_files = [{**p, "fileContent": _unb64(p.get("fileContent"))} for p in self.param("putFiles") or []]
        result = self.codecommit_backend.create_commit(
            self._repository_name(),
            self.param("branchName"),
            self.param("parentCommitId"),
            self.param("authorName"),
            self.param("email"),
            self.param("commitMessage"),
            put_files,
            self.param("deleteFiles") or [],
            self.param("setFileModes") or [],
        )
        return json.dumps(result)

    def get_commit(self) -> str:
        commit = self.codecommit_backend.get_commit(self._repository_name(), self.param("commitId"))
        return json.dumps({"commit": commit})

    def get_file(self) -> str:
        result: dict[str, Any] = self.codecommit_backend.get_file(
            self._repository_name(), self.param("commitSpecifier"), self.param("filePath")
        )
        result["fileContent"] = _b64(result["fileContent"])
        return json.dumps(result)

    def get_folder(self) -> str:
        return json.dumps(
            self.codecommit_backend.get_folder(
                self._repository_name(), self.param("commitSpecifier"), self.param("folderPath")
            )
        )

    def get_differences(self) -> str:
        differences = self.codecommit_backend.get_differences(
            self._repository_name(),
            self.param("beforeCommitSpecifier"),
            self.param("afterCommitSpecifier"),
            self.param("beforePath"),
            self.param("afterPath"),
        )
        return json.dumps({"differences": differences})

    def merge_branches_by_fast_forward(self) -> str:
        return json.dumps(
            self.codecommit_backend.merge_branches_by_fast_forward(
                self._repository_name(),
                self.param("sourceCommitSpecifier"),
                self.param("destinationCommitSpecifier"),
                self.param("targetBranch"),
            )
        )

    def tag_resource(self) -> str:
        self.codecommit_backend.tag_resource(self.param("resourceArn"), self.param("tags"))
        return "{}"

    def untag_resource(self) -> str:
        self.codecommit_backend.untag_resource(self.param("resourceArn"), self.param("tagKeys"))
        return "{}"

    def list_tags_for_resource(self) -> str:
        return json.dumps({"tags": self.codecommit_backend.list_tags_for_resource(self.param("resourceArn"))})
