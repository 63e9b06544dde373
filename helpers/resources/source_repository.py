"""The CodeCommit repository: the sample app committed to ``master`` through the API (no git
credentials needed), then ``qa`` and ``prod`` branched from it; found and deleted by name."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..core.context import Row, Workshop
from ..core.environments import BRANCHES
from ..core.errors import ResourceConflictError
from ..core.paths import DATA_DIR
from .base import Entry, Found, Kind

SAMPLE_APP = DATA_DIR / "sample-app"
_SKIP = {"node_modules", ".git"}


def sample_app_files(root: Path = SAMPLE_APP) -> list[Any]:
    """The ``putFiles`` of the first commit: every file of the sample app, with its mode."""
    files = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not _SKIP.intersection(path.relative_to(root).parts):
            mode = "EXECUTABLE" if os.access(path, os.X_OK) else "NORMAL"
            files.append(
                {"filePath": path.relative_to(root).as_posix(), "fileContent": path.read_bytes(), "fileMode": mode}
            )
    return files


def ensure(workshop: Workshop) -> list[Row]:
    """The repository with the sample app committed to master, and qa and prod branched from it."""
    return [ensure_repository(workshop)]


def ensure_repository(workshop: Workshop) -> Row:
    """Create the repository, or check that the existing one is tagged as ours (ResourceConflictError if not).
    The sample app is committed only when master is missing, and qa and prod are branched from master's head
    only where missing: the learners' commits are never touched."""
    codecommit = workshop.client("codecommit")
    name = workshop.names.repository
    try:
        metadata = codecommit.get_repository(repositoryName=name)["repositoryMetadata"]
        tags = codecommit.list_tags_for_resource(resourceArn=metadata["Arn"])["tags"]
        if not workshop.is_ours(tags):
            raise ResourceConflictError("CodeCommit repository", name, workshop.prefix)
        action = "exists"
    except codecommit.exceptions.RepositoryDoesNotExistException:
        metadata = codecommit.create_repository(
            repositoryName=name,
            repositoryDescription=f"Sample app of the ECS CD workshop {workshop.prefix!r}",
            tags=workshop.tags(),
        )["repositoryMetadata"]
        action = "created"
    recorded = REPOSITORIES.record(
        workshop, "codecommit-repository", name=name, arn=metadata["Arn"], clone_url=metadata.get("cloneUrlHttp")
    )
    branches = set(codecommit.list_branches(repositoryName=name)["branches"])
    master = BRANCHES["dev"]
    if master not in branches:
        commit = codecommit.create_commit(
            repositoryName=name,
            branchName=master,
            authorName="ECS CD workshop",
            email="workshop@example.com",
            commitMessage="Add the sample app",
            putFiles=sample_app_files(),
        )["commitId"]
        action = "created" if action == "created" else "committed"
    else:
        commit = codecommit.get_branch(repositoryName=name, branchName=master)["branch"]["commitId"]
    for branch in (BRANCHES["qa"], BRANCHES["prod"]):
        if branch not in branches:
            codecommit.create_branch(repositoryName=name, branchName=branch, commitId=commit)
    return {**recorded, "action": action}


def find_repositories(workshop: Workshop) -> Iterable[Found]:
    """The workshop's repository by name when it exists; its tags say whether it is ours."""
    codecommit = workshop.client("codecommit")
    try:
        metadata = codecommit.get_repository(repositoryName=workshop.names.repository)["repositoryMetadata"]
    except codecommit.exceptions.RepositoryDoesNotExistException:
        return
    tags = codecommit.list_tags_for_resource(resourceArn=metadata["Arn"])["tags"]
    yield Found("CodeCommit repository", metadata["repositoryName"], metadata["repositoryName"], workshop.is_ours(tags))


def delete_repository(workshop: Workshop, found: Found) -> None:
    """Delete the repository with every branch and commit, the learners' changes included (cleanup removes
    notebook 04's local clone separately)."""
    workshop.client("codecommit").delete_repository(repositoryName=found.ident)


def repository_exists(workshop: Workshop, entry: Entry) -> bool:
    """By the recorded name; only RepositoryDoesNotExist means gone."""
    codecommit = workshop.client("codecommit")
    try:
        codecommit.get_repository(repositoryName=entry["name"])
    except codecommit.exceptions.RepositoryDoesNotExistException:
        return False
    return True


REPOSITORIES = Kind(
    "CodeCommit repositories",
    find_repositories,
    delete_repository,
    cfn_type="AWS::CodeCommit::Repository",
    noun="CodeCommit repository",
    ensure=ensure,
    exists=repository_exists,
)
