"""The git way to change the app: a working copy of the workshop's repository, a commit, and a push,
with the ``git`` command over the repository's remote (on AWS a ``codecommit::`` URL that
git-remote-codecommit serves with your AWS credentials; on the sandbox its git endpoint over HTTP)."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from ..core import clients
from ..core.context import Workshop
from ..core.errors import ReleaseError
from ..core.paths import workshop_home
from .gitflow import COMMIT_AUTHOR

#: Where a working copy records the CodeCommit repository ID it was cloned from (git config).
REPOSITORY_ID_KEY = "workshop.repositoryId"


def clone_url(workshop: Workshop) -> str:
    """The URL ``git clone`` takes for the workshop's repository.

    Returns
    -------
    str
        On AWS a ``codecommit::region://[profile@]repository`` URL, which git-remote-codecommit serves
        with your AWS credentials (no git password); on the sandbox its own git endpoint over HTTP.
    """
    return _clone_url(workshop, _repository_metadata(workshop) if workshop.on_sandbox else {})


def _clone_url(workshop: Workshop, metadata: dict[str, Any]) -> str:
    if workshop.on_sandbox:
        return str(metadata["cloneUrlHttp"])
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
        raise ReleaseError(f"git {' '.join(_shown(args))} failed{hint}: {result.stderr.strip()}")
    return result.stdout + result.stderr


def _shown(args: tuple[str, ...]) -> list[str]:
    """The arguments as an error message may show them: an Authorization header's credentials left out."""
    return [arg.split("Basic ", 1)[0] + "Basic …" if "Authorization: Basic " in arg else arg for arg in args]


def default_working_copy(workshop: Workshop) -> Path:
    """Where notebook 04 keeps its working copy unless told otherwise: ``$WORKSHOP_HOME/<prefix>-clone``."""
    return workshop_home() / f"{workshop.prefix}-clone"


def clone(workshop: Workshop, folder: str | Path | None = None) -> Path:
    """A working copy of the repository in ``folder`` (pulled again if it is already there).

    The copy remembers which repository it came from (its CodeCommit repository ID, in git's config).
    A cleanup followed by notebook 01 makes a new repository with the same name and a new history, which
    an old copy cannot pull: the kit's own folder is then cloned afresh; a folder you chose is left as it
    is, with a ReleaseError that says so.

    Returns
    -------
    Path
        The working copy's folder.
    """
    target = Path(folder).expanduser().resolve() if folder else default_working_copy(workshop)
    metadata = _repository_metadata(workshop)
    repository_id = str(metadata["repositoryId"])
    if (target / ".git").exists():
        if _recorded_repository_id(target) == repository_id:
            if workshop.on_sandbox:  # a copy cloned before the sandbox asked for credentials, or for another identity
                run_git("config", "http.extraHeader", _sandbox_authorization(workshop), cwd=target)
            run_git("pull", "--ff-only", "origin", "master", cwd=target)
            return target
        if folder is not None:
            raise ReleaseError(
                f"{target} is a working copy of another repository (or of {workshop.names.repository} before "
                "it was deleted and made again): its history cannot be pulled. Choose another folder, or "
                "delete this one if nothing in it is needed."
            )
        print(f"{target} was cloned from an earlier {workshop.names.repository}; cloning the new one afresh.")
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    credentials = ["-c", f"http.extraHeader={_sandbox_authorization(workshop)}"] if workshop.on_sandbox else []
    run_git("clone", *credentials, _clone_url(workshop, metadata), str(target))
    run_git("config", REPOSITORY_ID_KEY, repository_id, cwd=target)
    return target


def forget_working_copy(workshop: Workshop) -> Path | None:
    """Delete the kit's own working copy (cleanup does, once the repository is gone); its path, if it existed.
    Only a folder that records a repository ID is deleted: one the kit cloned."""
    target = default_working_copy(workshop)
    if not (target / ".git").exists() or _recorded_repository_id(target) is None:
        return None
    shutil.rmtree(target)
    return target


def _sandbox_authorization(workshop: Workshop) -> str:
    """The header that identifies you to the sandbox's git endpoint, as git-remote-codecommit does on AWS: your
    access key id as the Basic user name (the sandbox does not check signatures, so the secret stands in for one).
    The clone keeps it in its git config, so its pulls and pushes are yours (a branch event names you)."""
    keys = clients.sandbox_credentials(workshop.settings.profile)
    pair = f"{keys['aws_access_key_id']}:{keys['aws_secret_access_key']}"
    return f"Authorization: Basic {base64.b64encode(pair.encode()).decode()}"


def _repository_metadata(workshop: Workshop) -> dict[str, Any]:
    codecommit = workshop.client("codecommit")
    return dict(codecommit.get_repository(repositoryName=workshop.names.repository)["repositoryMetadata"])


def _recorded_repository_id(working_copy: Path) -> str | None:
    try:
        return run_git("config", "--get", REPOSITORY_ID_KEY, cwd=working_copy).strip() or None
    except ReleaseError:  # git config --get exits 1 when the key is not set
        return None


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
