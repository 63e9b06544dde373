"""The git way to change the app: a working copy of the workshop's repository, a commit, and a push,
with the ``git`` command over the repository's remote (on AWS a ``codecommit::`` URL that
git-remote-codecommit serves with your AWS credentials; on the sandbox its git endpoint over HTTP)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .context import Workshop
from .errors import ReleaseError
from .gitflow import COMMIT_AUTHOR
from .paths import workshop_home


def clone_url(workshop: Workshop) -> str:
    """The URL ``git clone`` takes for the workshop's repository.

    Returns
    -------
    str
        On AWS a ``codecommit::region://[profile@]repository`` URL, which git-remote-codecommit serves
        with your AWS credentials (no git password); on the sandbox its own git endpoint over HTTP.
    """
    if workshop.on_sandbox:
        return str(
            workshop.client("codecommit").get_repository(repositoryName=workshop.names.repository)[
                "repositoryMetadata"
            ]["cloneUrlHttp"]
        )
    profile = f"{workshop.settings.profile}@" if workshop.settings.profile else ""
    return f"codecommit::{workshop.settings.region}://{profile}{workshop.names.repository}"


def run_git(*args: str, cwd: Path | None = None) -> str:
    """Run ``git`` as the workshop participant (``COMMIT_AUTHOR``), never prompting for a password.

    Returns
    -------
    str
        What git printed (standard output, then standard error); a ``ReleaseError`` when git fails.
    """
    # git finds the codecommit:: helper (git-remote-codecommit) on PATH, next to this Python.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env = {
        **os.environ,
        "PATH": path,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_AUTHOR_NAME": COMMIT_AUTHOR["name"],
        "GIT_AUTHOR_EMAIL": COMMIT_AUTHOR["email"],
        "GIT_COMMITTER_NAME": COMMIT_AUTHOR["name"],
        "GIT_COMMITTER_EMAIL": COMMIT_AUTHOR["email"],
    }
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        hint = (
            " (on AWS, `pip install git-remote-codecommit` and working credentials are needed)"
            if "codecommit::" in " ".join(args)
            else ""
        )
        raise ReleaseError(f"git {' '.join(args)} failed{hint}: {result.stderr.strip()}")
    return result.stdout + result.stderr


def clone(workshop: Workshop, folder: str | Path | None = None) -> Path:
    """A working copy of the repository in ``folder`` (pulled again if it is already there).

    Returns
    -------
    Path
        The working copy's folder.
    """
    target = Path(folder).expanduser().resolve() if folder else workshop_home() / f"{workshop.prefix}-clone"
    if (target / ".git").exists():
        run_git("pull", "--ff-only", "origin", "master", cwd=target)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        run_git("clone", clone_url(workshop), str(target))
    return target


def commit_and_push(working_copy: Path, message: str) -> dict[str, str]:
    """Commit every change in ``working_copy`` and push it to master.

    Returns
    -------
    dict
        The branch pushed, the commit and the last line git printed.
    """
    run_git("commit", "-am", message, cwd=working_copy)
    output = run_git("push", "origin", "HEAD:master", cwd=working_copy)
    commit = run_git("rev-parse", "HEAD", cwd=working_copy).strip()
    return {"pushed": "master", "commit": commit[:8], "git says": output.strip().splitlines()[-1]}
