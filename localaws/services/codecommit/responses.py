"""The CodeCommit wire layer: JSON in, backend call, JSON out. No logic lives here."""

from __future__ import annotations

import base64
import json
from typing import Any

from moto.codecommit.exceptions import InvalidRepositoryNameException
from moto.codecommit.responses import CodeCommitResponse, _is_repository_name_valid

from .exceptions import RepositoryNameRequiredException
from .models import GitCodeCommitBackend


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(data: str | None) -> bytes | None:
    return None if data is None else base64.b64decode(data)


class GitCodeCommitResponse(CodeCommitResponse):
    @property
    def codecommit_backend(self) -> GitCodeCommitBackend:
        return super().codecommit_backend  # type: ignore[return-value]

    def _repository_name(self) -> str:
        name = self._get_param("repositoryName")
        if not name:
            raise RepositoryNameRequiredException()
        if not _is_repository_name_valid(name):
            raise InvalidRepositoryNameException()
        return name

    # Shadows moto's CreateRepository on purpose: moto drops the request's tags.
    def create_repository(self) -> str:
        metadata = self.codecommit_backend.create_repository(
            self._repository_name(), self._get_param("repositoryDescription"), self._get_param("tags")
        )
        return json.dumps({"repositoryMetadata": metadata})

    def list_repositories(self) -> str:
        repositories = self.codecommit_backend.list_repositories(self._get_param("sortBy"), self._get_param("order"))
        return json.dumps({"repositories": repositories})

    def create_branch(self) -> str:
        self.codecommit_backend.create_branch(
            self._repository_name(), self._get_param("branchName"), self._get_param("commitId")
        )
        return "{}"

    def get_branch(self) -> str:
        branch = self.codecommit_backend.get_branch(self._repository_name(), self._get_param("branchName"))
        return json.dumps({"branch": branch})

    def list_branches(self) -> str:
        return json.dumps({"branches": self.codecommit_backend.list_branches(self._repository_name())})

    def delete_branch(self) -> str:
        deleted = self.codecommit_backend.delete_branch(self._repository_name(), self._get_param("branchName"))
        return json.dumps({"deletedBranch": deleted})

    def put_file(self) -> str:
        result = self.codecommit_backend.put_file(
            self._repository_name(),
            self._get_param("branchName"),
            _unb64(self._get_param("fileContent")) or b"",
            self._get_param("filePath"),
            self._get_param("fileMode"),
            self._get_param("parentCommitId"),
            self._get_param("commitMessage"),
            self._get_param("name"),
            self._get_param("email"),
        )
        return json.dumps(result)

    def create_commit(self) -> str:
        put_files = [{**p, "fileContent": _unb64(p.get("fileContent"))} for p in self._get_param("putFiles") or []]
        result = self.codecommit_backend.create_commit(
            self._repository_name(),
            self._get_param("branchName"),
            self._get_param("parentCommitId"),
            self._get_param("authorName"),
            self._get_param("email"),
            self._get_param("commitMessage"),
            put_files,
            self._get_param("deleteFiles") or [],
            self._get_param("setFileModes") or [],
        )
        return json.dumps(result)

    def get_commit(self) -> str:
        commit = self.codecommit_backend.get_commit(self._repository_name(), self._get_param("commitId"))
        return json.dumps({"commit": commit})

    def get_file(self) -> str:
        result: dict[str, Any] = self.codecommit_backend.get_file(
            self._repository_name(), self._get_param("commitSpecifier"), self._get_param("filePath")
        )
        result["fileContent"] = _b64(result["fileContent"])
        return json.dumps(result)

    def get_folder(self) -> str:
        return json.dumps(
            self.codecommit_backend.get_folder(
                self._repository_name(), self._get_param("commitSpecifier"), self._get_param("folderPath")
            )
        )

    def get_differences(self) -> str:
        differences = self.codecommit_backend.get_differences(
            self._repository_name(),
            self._get_param("beforeCommitSpecifier"),
            self._get_param("afterCommitSpecifier"),
            self._get_param("beforePath"),
            self._get_param("afterPath"),
        )
        return json.dumps({"differences": differences})

    def merge_branches_by_fast_forward(self) -> str:
        return json.dumps(
            self.codecommit_backend.merge_branches_by_fast_forward(
                self._repository_name(),
                self._get_param("sourceCommitSpecifier"),
                self._get_param("destinationCommitSpecifier"),
                self._get_param("targetBranch"),
            )
        )

    def tag_resource(self) -> str:
        self.codecommit_backend.tag_resource(self._get_param("resourceArn"), self._get_param("tags"))
        return "{}"

    def untag_resource(self) -> str:
        self.codecommit_backend.untag_resource(self._get_param("resourceArn"), self._get_param("tagKeys"))
        return "{}"

    def list_tags_for_resource(self) -> str:
        return json.dumps({"tags": self.codecommit_backend.list_tags_for_resource(self._get_param("resourceArn"))})
