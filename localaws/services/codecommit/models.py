"""CodeCommit backend state: moto's repositories, each backed by a real bare git repository.

Subclasses moto's backend so moto's own operations keep working; the operations moto lacks are
methods named after them, as moto would name them.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, cast

from moto.codecommit.exceptions import RepositoryDoesNotExistException, RepositoryNameExistsException
from moto.codecommit.models import CodeCommit, CodeCommitBackend, codecommit_backends
from moto.core.utils import iso_8601_datetime_with_milliseconds

from ... import routes
from .. import loopback
from .exceptions import (
    BranchDoesNotExistException,
    BranchNameExistsException,
    BranchNameRequiredException,
    CommitDoesNotExistException,
    CommitIdDoesNotExistException,
    CommitIdRequiredException,
    DefaultBranchCannotBeDeletedException,
    FileContentRequiredException,
    FileDoesNotExistException,
    FileEntryRequiredException,
    FolderDoesNotExistException,
    InvalidBranchNameException,
    InvalidCommitIdException,
    InvalidFileModeException,
    InvalidResourceArnException,
    ManualMergeRequiredException,
    NoChangeException,
    ParentCommitDoesNotExistException,
    ParentCommitIdOutdatedException,
    ParentCommitIdRequiredException,
    PathRequiredException,
    ResourceArnRequiredException,
    SameFileContentException,
    TagKeysListRequiredException,
    TagsMapRequiredException,
)
from .git import BareRepository, FileChange, TreeEntry

FILE_MODES = {"NORMAL": "100644", "EXECUTABLE": "100755", "SYMLINK": "120000"}
MODE_NAMES = {v: k for k, v in FILE_MODES.items()}
_COMMIT_ID = re.compile(r"^[0-9a-f]{40}$")
_ARN = re.compile(r"^arn:aws[\w-]*:codecommit:(?P<region>[\w-]+):(?P<account>\d{12}):(?P<name>[\w.-]+)$")


class GitRepository(CodeCommit):
    """A CodeCommit repository: moto's metadata plus a bare git repository and tags."""

    def __init__(
        self,
        account_id: str,
        region: str,
        description: str,
        name: str,
        git_path: Path,
        tags: dict[str, str] | None = None,
    ) -> None:
        super().__init__(account_id, region, description, name)
        self.git = BareRepository(git_path)
        self.git.init()
        if loopback.endpoint():
            self.repository_metadata["cloneUrlHttp"] = routes.clone_url(loopback.endpoint(), region, name)
        self.tags: dict[str, str] = dict(tags or {})
        self.lock = threading.RLock()

    @property
    def name(self) -> str:
        return str(self.repository_metadata["repositoryName"])

    @property
    def arn(self) -> str:
        return str(self.repository_metadata["Arn"])

    def touch(self) -> None:
        self.repository_metadata["lastModifiedDate"] = iso_8601_datetime_with_milliseconds()

    def metadata(self) -> dict[str, Any]:
        data = dict(self.repository_metadata)
        default = self.git.default_branch()
        if default:
            data["defaultBranch"] = default
        return data


class GitCodeCommitBackend(CodeCommitBackend):
    #: Set by ``install()``: where the bare repositories live.
    data_dir: Path = Path("/tmp/workshop-sandbox-codecommit")
    #: Called as (account, region, repository, branch, old commit, new commit) when a branch moves:
    #: how EventBridge hears of CodeCommit reference changes.
    reference_listeners: ClassVar[list[Callable[..., None]]] = []

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.repositories: dict[str, GitRepository] = {}  # type: ignore[assignment]

    def reset(self) -> None:
        for repository in list(self.repositories.values()):
            repository.git.destroy()
        super().reset()

    # -- repositories (moto's operations, extended with git and tags) ----------------------------
    def create_repository(
        self, repository_name: str, repository_description: str, tags: dict[str, str] | None = None
    ) -> dict[str, Any]:
        if repository_name in self.repositories:
            raise RepositoryNameExistsException(repository_name)
        path = self.data_dir / self.account_id / self.region_name / f"{repository_name}.git"
        repository = GitRepository(
            self.account_id, self.region_name, repository_description, repository_name, path, tags
        )
        self.repositories[repository_name] = repository
        return repository.metadata()

    def get_repository(self, repository_name: str) -> dict[str, Any]:
        return self._repository(repository_name).metadata()

    def delete_repository(self, repository_name: str) -> str | None:
        repository = self.repositories.pop(repository_name, None)
        if repository is None:
            return None
        repository.git.destroy()
        return str(repository.repository_metadata["repositoryId"])

    def list_repositories(self, sort_by: str | None, order: str | None) -> list[dict[str, str]]:
        repositories = list(self.repositories.values())
        key = (
            (lambda r: r.repository_metadata["lastModifiedDate"])
            if sort_by == "lastModifiedDate"
            else (lambda r: r.name)
        )
        repositories.sort(key=key, reverse=(order == "descending"))
        return [
            {"repositoryName": r.name, "repositoryId": str(r.repository_metadata["repositoryId"])} for r in repositories
        ]

    # -- branches ----------------------------------------------------------------------------------
    def create_branch(self, repository_name: str, branch_name: str, commit_id: str) -> None:
        repository = self._repository(repository_name)
        if not branch_name:
            raise BranchNameRequiredException()
        if not commit_id:
            raise CommitIdRequiredException()
        if not repository.git.is_valid_branch_name(branch_name):
            raise InvalidBranchNameException()
        with repository.lock:
            if repository.git.branch_commit(branch_name):
                raise BranchNameExistsException()
            commit = repository.git.resolve_commit(commit_id)
            if commit is None:
                raise CommitDoesNotExistException()
            repository.git.set_branch(branch_name, commit)
            repository.touch()
        self.notify(repository, branch_name, None, commit)

    def get_branch(self, repository_name: str, branch_name: str) -> dict[str, str]:
        repository = self._repository(repository_name)
        if not branch_name:
            raise BranchNameRequiredException()
        commit = repository.git.branch_commit(branch_name)
        if commit is None:
            raise BranchDoesNotExistException(
                f"Branch '{branch_name}' does not exist in repository '{repository_name}'."
            )
        return {"branchName": branch_name, "commitId": commit}

    def list_branches(self, repository_name: str) -> list[str]:
        return sorted(self._repository(repository_name).git.branches())

    def delete_branch(self, repository_name: str, branch_name: str) -> dict[str, str]:
        repository = self._repository(repository_name)
        with repository.lock:
            branch = self.get_branch(repository_name, branch_name)
            if repository.git.default_branch() == branch_name:
                raise DefaultBranchCannotBeDeletedException()
            repository.git.delete_branch(branch_name)
            repository.touch()
        self.notify(repository, branch_name, branch["commitId"], None)
        return branch

    # -- commits -----------------------------------------------------------------------------------
    def put_file(
        self,
        repository_name: str,
        branch_name: str,
        file_content: bytes,
        file_path: str,
        file_mode: str | None,
        parent_commit_id: str | None,
        commit_message: str | None,
        name: str | None,
        email: str | None,
    ) -> dict[str, str]:
        repository = self._repository(repository_name)
        if not branch_name:
            raise BranchNameRequiredException()
        if not file_path:
            raise PathRequiredException("The filePath for a location cannot be empty or null.")
        if not file_content:
            raise FileContentRequiredException()
        mode = self._mode(file_mode)
        with repository.lock:
            parent = self._parent_for_write(repository, branch_name, parent_commit_id)
            path = file_path.strip("/")
            blob = repository.git.write_blob(file_content)
            if parent:
                existing = repository.git.entry(parent, path)
                if existing is not None and existing.sha == blob and existing.mode == mode:
                    raise SameFileContentException()
            result = repository.git.commit_changes(
                parent,
                [FileChange(path, mode, blob)],
                author=name or "Workshop participant",
                email=email or "",
                message=commit_message or f"Added {path}",
            )
            self._move_branch(repository, branch_name, result.commit, parent)
        return {"commitId": result.commit, "blobId": blob, "treeId": result.tree}

    def create_commit(
        self,
        repository_name: str,
        branch_name: str,
        parent_commit_id: str | None,
        author_name: str | None,
        email: str | None,
        commit_message: str | None,
        put_files: list[dict[str, Any]],
        delete_files: list[dict[str, Any]],
        set_file_modes: list[dict[str, Any]],
    ) -> dict[str, Any]:
        repository = self._repository(repository_name)
        if not branch_name:
            raise BranchNameRequiredException()
        if not (put_files or delete_files or set_file_modes):
            raise FileEntryRequiredException()
        with repository.lock:
            parent = self._parent_for_write(repository, branch_name, parent_commit_id)
            current = repository.git.all_files(parent) if parent else {}
            changes = [change for put in put_files for change in self._put_changes(repository, current, put)]
            changes += [FileChange(path, current[path].mode, None) for path in _existing(current, delete_files)]
            changes += [
                FileChange(path, self._mode(entry.get("fileMode")), current[path].sha)
                for path, entry in zip(_existing(current, set_file_modes), set_file_modes, strict=True)
            ]
            if parent:  # what would leave a file as it is changes nothing
                changes = [c for c in changes if not (c.blob and c.path in current and _same(current[c.path], c))]
            if parent and not changes:
                raise NoChangeException()
            result = repository.git.commit_changes(
                parent,
                changes,
                author=author_name or "Workshop participant",
                email=email or "",
                message=commit_message or "Commit made through the CodeCommit API",
            )
            if parent and result.tree == repository.git.tree_of(parent):
                raise NoChangeException()
            self._move_branch(repository, branch_name, result.commit, parent)
        return {
            "commitId": result.commit,
            "treeId": result.tree,
            "filesAdded": [_file_metadata(e) for e in result.added],
            "filesUpdated": [_file_metadata(e) for e in result.updated],
            "filesDeleted": [_file_metadata(e) for e in result.deleted],
        }

    def _put_changes(
        self, repository: GitRepository, current: dict[str, TreeEntry], put: dict[str, Any]
    ) -> list[FileChange]:
        """One PutFileEntry of CreateCommit as changes: its content (or its ``sourceFile``'s, which a move
        also deletes) written under ``filePath``, keeping the file's mode unless one is given."""
        changes = []
        path = str(put.get("filePath", "")).strip("/")
        if not path:
            raise PathRequiredException("The filePath for a location cannot be empty or null.")
        content = put.get("fileContent")
        if content is None and put.get("sourceFile"):
            source = put["sourceFile"]
            origin = current.get(str(source.get("filePath", "")).strip("/"))
            if origin is None:
                raise FileDoesNotExistException()
            content = repository.git.read_blob(origin.sha)
            if source.get("isMove"):
                changes.append(FileChange(origin.path, origin.mode, None))
        if content is None:
            raise FileContentRequiredException()
        existing_mode = current[path].mode if path in current else None
        mode = self._mode(put.get("fileMode")) if put.get("fileMode") else (existing_mode or "100644")
        changes.append(FileChange(path, mode, repository.git.write_blob(content)))
        return changes

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

    def merge_branches_by_fast_forward(
        self, repository_name: str, source: str, destination: str, target_branch: str | None
    ) -> dict[str, str]:
        repository = self._repository(repository_name)
        with repository.lock:
            source_commit = self._resolve(repository, source)
            destination_commit = self._resolve(repository, destination)
            target = target_branch or destination
            if repository.git.branch_commit(target) is None:
                raise BranchDoesNotExistException(
                    f"Branch '{target}' does not exist in repository '{repository_name}'."
                )
            if not repository.git.is_ancestor(destination_commit, source_commit):
                raise ManualMergeRequiredException()
            old = repository.git.branch_commit(target)
            repository.git.set_branch(target, source_commit)
            repository.touch()
        if old != source_commit:
            self.notify(repository, target, old, source_commit)
        return {"commitId": source_commit, "treeId": repository.git.tree_of(source_commit)}

    # -- tags --------------------------------------------------------------------------------------
    def tag_resource(self, resource_arn: str, tags: dict[str, str]) -> None:
        if not tags:
            raise TagsMapRequiredException()
        self._repository_by_arn(resource_arn).tags.update(tags)

    def untag_resource(self, resource_arn: str, tag_keys: list[str]) -> None:
        if not tag_keys:
            raise TagKeysListRequiredException()
        repository = self._repository_by_arn(resource_arn)
        for key in tag_keys:
            repository.tags.pop(key, None)

    def list_tags_for_resource(self, resource_arn: str) -> dict[str, str]:
        return dict(self._repository_by_arn(resource_arn).tags)

    # -- internals ---------------------------------------------------------------------------------
    def _repository(self, name: str) -> GitRepository:
        repository = self.repositories.get(name)
        if repository is None:
            raise RepositoryDoesNotExistException(name)
        return repository

    def _repository_by_arn(self, arn: str) -> GitRepository:
        if not arn:
            raise ResourceArnRequiredException()
        match = _ARN.match(arn)
        if match is None:
            raise InvalidResourceArnException()
        if (match["account"], match["region"]) != (self.account_id, self.region_name):
            raise RepositoryDoesNotExistException(match["name"])
        return self._repository(match["name"])

    @staticmethod
    def _resolve(repository: GitRepository, specifier: str | None) -> str:
        commit = repository.git.resolve_commit(specifier)
        if commit is None:
            raise CommitDoesNotExistException()
        return commit

    @staticmethod
    def _mode(file_mode: str | None) -> str:
        if file_mode is None:
            return FILE_MODES["NORMAL"]
        if file_mode not in FILE_MODES:
            raise InvalidFileModeException()
        return FILE_MODES[file_mode]

    @staticmethod
    def _parent_for_write(repository: GitRepository, branch: str, parent_commit_id: str | None) -> str | None:
        """CodeCommit's optimistic concurrency: writes to an existing branch name its current tip."""
        tip = repository.git.branch_commit(branch)
        if tip is None:
            if repository.git.branches():
                raise BranchDoesNotExistException(
                    f"Branch '{branch}' does not exist in repository '{repository.name}'."
                )
            if parent_commit_id:
                raise ParentCommitDoesNotExistException()
            if not repository.git.is_valid_branch_name(branch):
                raise InvalidBranchNameException()
            return None
        if not parent_commit_id:
            raise ParentCommitIdRequiredException()
        if not repository.git.is_commit(parent_commit_id):
            raise ParentCommitDoesNotExistException()
        if repository.git.resolve_commit(parent_commit_id) != tip:
            raise ParentCommitIdOutdatedException()
        return tip

    def _move_branch(self, repository: GitRepository, branch: str, commit: str, parent: str | None) -> None:
        repository.git.set_branch(branch, commit, parent or "0" * 40)
        if parent is None:
            repository.git.set_default_branch(branch)
        repository.touch()
        self.notify(repository, branch, parent, commit)

    def notify(self, repository: GitRepository, branch: str, old: str | None, new: str | None) -> None:
        for listener in self.reference_listeners:
            listener(self.account_id, self.region_name, repository, branch, old, new)


def _file_metadata(entry: TreeEntry) -> dict[str, str]:
    return {"absolutePath": entry.path, "blobId": entry.sha, "fileMode": MODE_NAMES.get(entry.mode, "NORMAL")}


def _existing(current: dict[str, TreeEntry], entries: list[dict[str, Any]]) -> list[str]:
    """The paths of DeleteFile or SetFileMode entries, each of which must name a file of the parent commit."""
    paths = []
    for entry in entries:
        path = str(entry.get("filePath", "")).strip("/")
        if path not in current:
            raise FileDoesNotExistException(f"The specified file {path} does not exist.")
        paths.append(path)
    return paths


def _same(entry: TreeEntry, change: FileChange) -> bool:
    return (entry.sha, entry.mode) == (change.blob, change.mode)


def _under(entry: TreeEntry | None, path: str) -> bool:
    prefix = path.strip("/")
    return entry is not None and (not prefix or entry.path == prefix or entry.path.startswith(prefix + "/"))


def codecommit_backend(account_id: str, region_name: str) -> GitCodeCommitBackend:
    """The sandbox's backend for one account and region (``install()`` made moto build this class)."""
    return cast(GitCodeCommitBackend, codecommit_backends[account_id][region_name])
