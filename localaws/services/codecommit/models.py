"""CodeCommit backend state: moto's repositories, each backed by a real bare git repository
(``repository.py``): repositories, branches and tags here; the contents' writes in ``commits.py`` and reads in
``reads.py``.

Subclasses moto's backend so moto's own operations keep working; the operations moto lacks are
methods named after them, as moto would name them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, cast

from moto.codecommit.exceptions import RepositoryDoesNotExistException, RepositoryNameExistsException
from moto.codecommit.models import CodeCommitBackend, codecommit_backends

from .commits import RepositoryWrites
from .exceptions import (
    BranchDoesNotExistException,
    BranchNameExistsException,
    BranchNameRequiredException,
    CommitDoesNotExistException,
    CommitIdRequiredException,
    DefaultBranchCannotBeDeletedException,
    InvalidBranchNameException,
    InvalidResourceArnException,
    ResourceArnRequiredException,
    TagKeysListRequiredException,
    TagsMapRequiredException,
)
from .reads import RepositoryReads
from .repository import GitRepository

_ARN = re.compile(r"^arn:aws[\w-]*:codecommit:(?P<region>[\w-]+):(?P<account>\d{12}):(?P<name>[\w.-]+)$")


class GitCodeCommitBackend(RepositoryWrites, RepositoryReads, CodeCommitBackend):
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

    def _move_branch(self, repository: GitRepository, branch: str, commit: str, parent: str | None) -> None:
        repository.git.set_branch(branch, commit, parent or "0" * 40)
        if parent is None:
            repository.git.set_default_branch(branch)
        repository.touch()
        self.notify(repository, branch, parent, commit)

    def notify(self, repository: GitRepository, branch: str, old: str | None, new: str | None) -> None:
        for listener in self.reference_listeners:
            listener(self.account_id, self.region_name, repository, branch, old, new)


def codecommit_backend(account_id: str, region_name: str) -> GitCodeCommitBackend:
    """The sandbox's backend for one account and region (``install()`` made moto build this class)."""
    return cast(GitCodeCommitBackend, codecommit_backends[account_id][region_name])
