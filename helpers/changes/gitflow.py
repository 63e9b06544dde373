"""Commits and promotions on the workshop's CodeCommit repository, through the API (no clone, no git
credentials): commit one file, revert the last commit, fast-forward one branch to another.

Each returns the row that says what was done (branch, commit, message), which a ``Release`` shows.
Commits carry ``COMMIT_AUTHOR``, as the git commits of ``git_cli`` do."""

from __future__ import annotations

from typing import Any

from ..core.context import Workshop
from ..core.errors import ReleaseError

#: Who the workshop's commits are by, through the API and with git.
COMMIT_AUTHOR = {"name": "Workshop participant", "email": "participant@example.com"}


def branch_head(workshop: Workshop, branch: str) -> str:
    """The commit id ``branch`` points at (GetBranch)."""
    codecommit = workshop.client("codecommit")
    return str(codecommit.get_branch(repositoryName=workshop.names.repository, branchName=branch)["branch"]["commitId"])


def commit_file(workshop: Workshop, path: str, text: str, message: str, branch: str = "master") -> dict[str, str]:
    """Commit one file to ``branch`` through the API (PutFile): no clone and no git credentials needed.

    Returns
    -------
    dict
        The branch, the new commit id and its message; the same commit and an "unchanged" message when
        the file already says this (CodeCommit refuses an empty commit).
    """
    codecommit = workshop.client("codecommit")
    parent = branch_head(workshop, branch)
    try:
        result = codecommit.put_file(
            repositoryName=workshop.names.repository,
            branchName=branch,
            filePath=path,
            fileContent=text.encode(),
            parentCommitId=parent,
            commitMessage=message,
            name=COMMIT_AUTHOR["name"],
            email=COMMIT_AUTHOR["email"],
        )
    except codecommit.exceptions.SameFileContentException:
        return {
            "branch": branch,
            "commit": parent[:8],
            "message": f"unchanged: {path} already says this (nothing committed)",
        }
    return {"branch": branch, "commit": result["commitId"][:8], "message": message}


def revert_breaking_commit(workshop: Workshop, branch: str, breaking_message: str) -> dict[str, str]:
    """Revert the last commit of ``branch`` if it is the breaking one (its message is ``breaking_message``):
    commit the parent's version of every file it changed (what ``git revert`` does), through
    GetDifferences and CreateCommit.

    Returns
    -------
    dict
        The branch, the revert's commit id and message; the head and an "unchanged" message when the
        last commit is another one (nothing is committed, so a re-run is harmless).
    """
    codecommit = workshop.client("codecommit")
    repository = workshop.names.repository
    head = branch_head(workshop, branch)
    commit = codecommit.get_commit(repositoryName=repository, commitId=head)["commit"]
    if commit["message"] != breaking_message:
        return {
            "branch": branch,
            "commit": head[:8],
            "message": f"unchanged: the last commit is not the breaking one ({commit['message']!r})",
        }
    parent = commit["parents"][0]
    differences = codecommit.get_differences(
        repositoryName=repository, beforeCommitSpecifier=parent, afterCommitSpecifier=head
    )["differences"]
    put: list[Any] = []
    delete: list[Any] = []
    for difference in differences:
        if difference["changeType"] == "A":
            delete.append({"filePath": difference["afterBlob"]["path"]})
        else:
            path = difference["beforeBlob"]["path"]
            content = codecommit.get_file(repositoryName=repository, commitSpecifier=parent, filePath=path)[
                "fileContent"
            ]
            put.append({"filePath": path, "fileContent": content})
    message = f'Revert "{commit["message"]}"'
    result = codecommit.create_commit(
        repositoryName=repository,
        branchName=branch,
        parentCommitId=head,
        authorName=COMMIT_AUTHOR["name"],
        email=COMMIT_AUTHOR["email"],
        commitMessage=message,
        putFiles=put,
        deleteFiles=delete,
    )
    return {"branch": branch, "commit": result["commitId"][:8], "message": message}


def fast_forward(workshop: Workshop, source: str, target: str) -> dict[str, str]:
    """Move ``target`` to the commit ``source`` points at (MergeBranchesByFastForward).

    Returns
    -------
    dict
        The merge (``source → target``) and the commit ``target`` points at now.
    """
    codecommit = workshop.client("codecommit")
    try:
        result = codecommit.merge_branches_by_fast_forward(
            repositoryName=workshop.names.repository,
            sourceCommitSpecifier=source,
            destinationCommitSpecifier=target,
            targetBranch=target,
        )
    except codecommit.exceptions.ManualMergeRequiredException:
        raise ReleaseError(
            f"{target} has commits that {source} does not: it cannot be fast-forwarded. Merge {target} "
            f"into {source} first (or reset {target}), then promote again."
        ) from None
    return {"merged": f"{source} → {target}", "commit": result["commitId"][:8]}
