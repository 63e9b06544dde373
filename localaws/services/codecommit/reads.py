"""CodeCommit's reads of the real git repository behind each: GetCommit, GetFile, GetFolder, GetDifferences."""

from __future__ import annotations

import re
from typing import Any

from .exceptions import (
    CommitIdDoesNotExistException,
    CommitIdRequiredException,
    FileDoesNotExistException,
    FolderDoesNotExistException,
    InvalidCommitIdException,
    PathRequiredException,
)
from .git import TreeEntry
from .repository import MODE_NAMES, GitRepository

_COMMIT_ID = re.compile(r"^[0-9a-f]{40}$")


class RepositoryReads:
    # what the backend provides (models.GitCodeCommitBackend)
    def _repository(self, name: str) -> GitRepository:
        raise NotImplementedError

    @staticmethod
    def _resolve(repository: GitRepository, specifier: str | None) -> str:
        raise NotImplementedError

    def get_commit(self, repository_name: str, commit_id: str) -> dict[str, Any]:
        repository = self._repository(repository_name)
        if not commit_id:
            raise CommitIdRequiredException()
        if not _COMMIT_ID.match(commit_id):
            raise InvalidCommitIdException()
        if not repository.git.is_commit(commit_id):
            raise CommitIdDoesNotExistException()
        return repository.git.commit_info(commit_id)

    def get_file(self, repository_name: str, commit_specifier: str | None, file_path: str) -> dict[str, Any]:
        repository = self._repository(repository_name)
        if not file_path:
            raise PathRequiredException("The filePath for a location cannot be empty or null.")
        commit = self._resolve(repository, commit_specifier)
        entry = repository.git.entry(commit, file_path)
        if entry is None or entry.kind != "blob":
            raise FileDoesNotExistException()
        content = repository.git.read_blob(entry.sha)
        return {
            "commitId": commit,
            "blobId": entry.sha,
            "filePath": entry.path,
            "fileMode": MODE_NAMES.get(entry.mode, "NORMAL"),
            "fileSize": len(content),
            "fileContent": content,
        }

    def get_folder(self, repository_name: str, commit_specifier: str | None, folder_path: str) -> dict[str, Any]:
        repository = self._repository(repository_name)
        if folder_path is None:
            raise PathRequiredException()
        commit = self._resolve(repository, commit_specifier)
        listed = repository.git.folder(commit, folder_path)
        if listed is None:
            raise FolderDoesNotExistException()
        tree, entries = listed
        base = folder_path.strip("/")

        def absolute(e: TreeEntry) -> str:
            return f"{base}/{e.path}" if base else e.path

        return {
            "commitId": commit,
            "folderPath": folder_path,
            "treeId": tree,
            "subFolders": [
                {"treeId": e.sha, "absolutePath": absolute(e), "relativePath": e.path}
                for e in entries
                if e.kind == "tree"
            ],
            "files": [
                {
                    "blobId": e.sha,
                    "absolutePath": absolute(e),
                    "relativePath": e.path,
                    "fileMode": MODE_NAMES.get(e.mode, "NORMAL"),
                }
                for e in entries
                if e.kind == "blob" and e.mode != "120000"
            ],
            "symbolicLinks": [
                {"blobId": e.sha, "absolutePath": absolute(e), "relativePath": e.path, "fileMode": "SYMLINK"}
                for e in entries
                if e.mode == "120000"
            ],
            "subModules": [
                {"commitId": e.sha, "absolutePath": absolute(e), "relativePath": e.path}
                for e in entries
                if e.kind == "commit"
            ],
        }

    def get_differences(
        self, repository_name: str, before: str | None, after: str, before_path: str | None, after_path: str | None
    ) -> list[dict[str, Any]]:
        repository = self._repository(repository_name)
        if not after:
            raise CommitIdRequiredException("A commit ID was not specified.")
        after_commit = self._resolve(repository, after)
        before_commit = self._resolve(repository, before) if before else None
        differences = []
        for change_type, old, new in repository.git.diff(before_commit, after_commit):
            if before_path and not _under(old or new, before_path):
                continue
            if after_path and not _under(new or old, after_path):
                continue
            difference: dict[str, Any] = {"changeType": change_type}
            if old is not None:
                difference["beforeBlob"] = {"blobId": old.sha, "path": old.path, "mode": old.mode}
            if new is not None:
                difference["afterBlob"] = {"blobId": new.sha, "path": new.path, "mode": new.mode}
            differences.append(difference)
        return differences


def _under(entry: TreeEntry | None, path: str) -> bool:
    prefix = path.strip("/")
    return entry is not None and (not prefix or entry.path == prefix or entry.path.startswith(prefix + "/"))
