"""CodeCommit's writes on the real git repository behind each: PutFile, CreateCommit and a fast-forward merge,
with CodeCommit's optimistic concurrency (a write to an existing branch names its tip) and its refusals."""

from __future__ import annotations

from typing import Any

from .exceptions import (
    BranchDoesNotExistException,
    BranchNameRequiredException,
    FileContentRequiredException,
    FileDoesNotExistException,
    FileEntryRequiredException,
    InvalidBranchNameException,
    InvalidFileModeException,
    ManualMergeRequiredException,
    NoChangeException,
    ParentCommitDoesNotExistException,
    ParentCommitIdOutdatedException,
    ParentCommitIdRequiredException,
    PathRequiredException,
    SameFileContentException,
)
from .git import FileChange, TreeEntry
from .repository import FILE_MODES, MODE_NAMES, GitRepository


class RepositoryWrites:
    # what the backend provides (models.GitCodeCommitBackend)
    def _repository(self, name: str) -> GitRepository:
        raise NotImplementedError

    @staticmethod
    def _resolve(repository: GitRepository, specifier: str | None) -> str:
        raise NotImplementedError

    def _move_branch(self, repository: GitRepository, branch: str, commit: str, parent: str | None) -> None:
        raise NotImplementedError

    def notify(self, repository: GitRepository, branch: str, old: str | None, new: str | None) -> None:
        raise NotImplementedError

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

    # -- what writes share ------------------------------------------------------------------------------------
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
