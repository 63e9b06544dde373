"""Notebook 04: change the app, promote it from branch to branch, approve Prod, and see what each
environment runs. Every step is a CodeCommit or CodePipeline API call, the same on AWS and on the
sandbox."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Literal

import ipywidgets as widgets
import pandas as pd

from .context import Workshop
from .errors import WorkshopError
from .inventory import environment_urls, fetch
from .naming import BRANCHES, ENVIRONMENTS
from .paths import workshop_home
from .pipelines import FINISHED, RunSummary, latest_execution_ids, latest_run, watch
from .ui_table import StatusTable

_MESSAGE_LINE = re.compile(r"^const MESSAGE = .*;$", re.M)
APP_FILE = "app.js"


class ReleaseError(WorkshopError):
    """A step of the release flow could not be done; the message says why and what to do."""


def _head(workshop: Workshop, branch: str) -> str:
    codecommit = workshop.client("codecommit")
    return str(codecommit.get_branch(repositoryName=workshop.names.repository, branchName=branch)["branch"]["commitId"])


def read_app(workshop: Workshop, branch: str = "master") -> str:
    codecommit = workshop.client("codecommit")
    content = codecommit.get_file(repositoryName=workshop.names.repository, commitSpecifier=branch, filePath=APP_FILE)
    return bytes(content["fileContent"]).decode()


def commit_file(workshop: Workshop, path: str, text: str, message: str, branch: str = "master") -> dict[str, str]:
    codecommit = workshop.client("codecommit")
    parent = _head(workshop, branch)
    try:
        result = codecommit.put_file(
            repositoryName=workshop.names.repository,
            branchName=branch,
            filePath=path,
            fileContent=text.encode(),
            parentCommitId=parent,
            commitMessage=message,
            name="Workshop participant",
            email="participant@example.com",
        )
    except codecommit.exceptions.SameFileContentException:
        return {
            "branch": branch,
            "commit": parent,
            "message": f"unchanged: {path} already says this (nothing committed)",
        }
    return {"branch": branch, "commit": result["commitId"], "message": message}


def change_message(workshop: Workshop, new_message: str, branch: str = "master") -> pd.DataFrame:
    """Commit app.js with a new MESSAGE to ``branch``: the change that starts the Dev pipeline."""
    source = read_app(workshop, branch)
    if not _MESSAGE_LINE.search(source):
        raise ReleaseError("app.js has no line `const MESSAGE = ...;` to change.")
    updated = _MESSAGE_LINE.sub(lambda _: f"const MESSAGE = {json.dumps(new_message)};", source)
    return pd.DataFrame([commit_file(workshop, APP_FILE, updated, f"Say {new_message!r}", branch)])


BREAKING_COMMIT = "Empty the message (this breaks the unit test)"


def break_the_build(workshop: Workshop) -> pd.DataFrame:
    """Commit an empty MESSAGE: the unit test 'the message is a non-empty greeting' fails in BuildApp."""
    source = read_app(workshop)
    broken = _MESSAGE_LINE.sub("const MESSAGE = '';", source)
    return pd.DataFrame([commit_file(workshop, APP_FILE, broken, BREAKING_COMMIT)])


def revert_last_commit(workshop: Workshop, branch: str = "master") -> pd.DataFrame:
    """Commit the parent's version of every file the last commit changed (what `git revert` does)."""
    codecommit = workshop.client("codecommit")
    repository = workshop.names.repository
    head = _head(workshop, branch)
    commit = codecommit.get_commit(repositoryName=repository, commitId=head)["commit"]
    if commit["message"] != BREAKING_COMMIT:
        return pd.DataFrame(
            [
                {
                    "branch": branch,
                    "commit": head,
                    "message": f"unchanged: the last commit is not the breaking one ({commit['message']!r})",
                }
            ]
        )
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
    result = codecommit.create_commit(
        repositoryName=repository,
        branchName=branch,
        parentCommitId=head,
        authorName="Workshop participant",
        email="participant@example.com",
        commitMessage=f'Revert "{commit["message"]}"',
        putFiles=put,
        deleteFiles=delete,
    )
    return pd.DataFrame([{"branch": branch, "commit": result["commitId"], "message": f'Revert "{commit["message"]}"'}])


def promote(workshop: Workshop, source: str, target: str) -> pd.DataFrame:
    """Fast-forward ``target`` to ``source`` (master → qa, qa → prod): what starts the next pipeline."""
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
    return pd.DataFrame([{"merged": f"{source} → {target}", "commit": result["commitId"]}])


def snapshot(workshop: Workshop) -> dict[str, str]:
    """The newest execution of each pipeline now: watch only what comes after."""
    return latest_execution_ids(workshop)


def watch_environment(
    workshop: Workshop, env: str, after: dict[str, str], stop_at_approval: bool = False, timeout: float | None = None
) -> RunSummary:
    """Follow the run of ``env`` that started after ``after`` until it finishes (or, with
    ``stop_at_approval``, until it waits for an approval)."""
    branch = BRANCHES[env]

    def done(rows: dict[str, dict[str, Any]]) -> bool:
        row = rows[env]
        if not row["execution"]:  # no new run: fine if the branch's head has already been through one
            newest = latest_run(workshop, env)
            return newest["status"] in FINISHED and newest["commit"] == _head(workshop, branch)[:8]
        return row["status"] in FINISHED or (stop_at_approval and row["status"] == "Waiting")

    if timeout is None and env == "prod":
        timeout = workshop.timing.prod_timeout
    return watch(workshop, done, envs=(env,), after=after, timeout=timeout)


def pending_approval(workshop: Workshop) -> dict[str, str] | None:
    """The Prod approval waiting now: its stage, action and token."""
    state = workshop.client("codepipeline").get_pipeline_state(name=workshop.names.pipeline("prod"))
    for stage in state["stageStates"]:
        for action in stage["actionStates"]:
            latest = action.get("latestExecution", {})
            if latest.get("status") == "InProgress" and latest.get("token"):
                return {"stageName": stage["stageName"], "actionName": action["actionName"], "token": latest["token"]}
    return None


def decide(workshop: Workshop, approve: bool, comment: str) -> str:
    approval = pending_approval(workshop)
    if approval is None:
        raise ReleaseError(
            "Prod is not waiting for an approval right now: promote qa to prod first and let it reach the approval."
        )
    status: Literal["Approved", "Rejected"] = "Approved" if approve else "Rejected"
    workshop.client("codepipeline").put_approval_result(
        pipelineName=workshop.names.pipeline("prod"),
        stageName=approval["stageName"],
        actionName=approval["actionName"],
        result={"summary": comment or status, "status": status},
        token=approval["token"],
    )
    return f"{status} with comment: {comment or '-'}"


def clear_pending_approval(workshop: Workshop, comment: str = "Superseded by a newer release") -> str:
    """Reject a Prod approval that is still waiting from an earlier run (notebook 03's first run waits for
    one): an execution holds its stage while it waits, so a newer release would queue behind it."""
    if pending_approval(workshop) is None:
        return "No Prod approval is waiting: nothing to clear."
    return decide(workshop, False, comment)


def approval(workshop: Workshop, auto_approve: bool = False, comment: str = "Looks good") -> Any:
    """Approve at once (``auto_approve``, for CI) or show Approve / Reject buttons.

    WORKSHOP_AUTO_APPROVE=1 in the environment does the same, for runners that cannot pass parameters
    (the test suite's nbval run)."""
    if pending_approval(workshop) is None:
        return "No Prod approval is waiting (Prod has already been through this release)."
    if auto_approve or os.environ.get("WORKSHOP_AUTO_APPROVE") == "1":
        return decide(workshop, True, comment)
    return approval_panel(workshop)


def approval_panel(workshop: Workshop) -> widgets.VBox:
    comment = widgets.Text(value="", placeholder="Why? (shown in the pipeline)", description="Comment")
    approve = widgets.Button(description="Approve", button_style="success", icon="check")
    reject = widgets.Button(description="Reject", button_style="danger", icon="times")
    result = widgets.HTML()

    def on_click(approved: bool) -> None:
        try:
            result.value = f"<b>{decide(workshop, approved, comment.value)}</b>"
            approve.disabled = reject.disabled = True
        except WorkshopError as error:
            result.value = f"<span style='color:#b3261e'>{error}</span>"

    approve.on_click(lambda _: on_click(True))
    reject.on_click(lambda _: on_click(False))
    return widgets.VBox(
        [widgets.HTML("<b>Prod is waiting for your approval.</b>"), comment, widgets.HBox([approve, reject]), result]
    )


def environments(workshop: Workshop) -> StatusTable:
    """Branch, commit, image tag, task definition revision, URL, and what the URL answers now."""
    ecs = workshop.client("ecs")
    urls = environment_urls(workshop)
    rows = []
    for env in ENVIRONMENTS:
        service = ecs.describe_services(cluster=workshop.names.cluster(env), services=[workshop.names.service(env)])[
            "services"
        ][0]
        definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
        image = next(
            (c["image"] for c in definition["containerDefinitions"] if c["name"] == workshop.settings.container_name),
            "",
        )
        status, body = fetch(urls[env])
        rows.append(
            {
                "environment": env,
                "branch": BRANCHES[env],
                "branch commit": _head(workshop, BRANCHES[env])[:8],
                "image tag": image.rsplit(":", 1)[-1] if "dkr.ecr" in image else "placeholder",
                "task definition": f"{definition['family']}:{definition['revision']}",
                "url": urls[env] or "",
                "answers": body.strip()[:80] if status == 200 else f"HTTP {status}: {body[:60]}",
            }
        )
    return StatusTable(pd.DataFrame(rows).set_index("environment"), "What each environment runs now.")


# -- the git way -----------------------------------------------------------------------------------
def clone_url(workshop: Workshop) -> str:
    if workshop.on_sandbox:
        return str(
            workshop.client("codecommit").get_repository(repositoryName=workshop.names.repository)[
                "repositoryMetadata"
            ]["cloneUrlHttp"]
        )
    profile = f"{workshop.settings.profile}@" if workshop.settings.profile else ""
    return f"codecommit::{workshop.settings.region}://{profile}{workshop.names.repository}"


def _git(*args: str, cwd: Path | None = None) -> str:
    # git finds the codecommit:: helper (git-remote-codecommit) on PATH, next to this Python.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env = {
        **os.environ,
        "PATH": path,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_AUTHOR_NAME": "Workshop participant",
        "GIT_AUTHOR_EMAIL": "participant@example.com",
        "GIT_COMMITTER_NAME": "Workshop participant",
        "GIT_COMMITTER_EMAIL": "participant@example.com",
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
    """A working copy of the repository in ``folder`` (pulled again if it is already there)."""
    target = Path(folder).expanduser().resolve() if folder else workshop_home() / f"{workshop.prefix}-clone"
    if (target / ".git").exists():
        _git("pull", "--ff-only", "origin", "master", cwd=target)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        _git("clone", clone_url(workshop), str(target))
    return target


def push_message_change(workshop: Workshop, new_message: str, folder: str | Path | None = None) -> pd.DataFrame:
    """Edit app.js in the working copy, commit, and push to master: the git way to start Dev."""
    target = clone(workshop, folder)
    app = target / APP_FILE
    app.write_text(_MESSAGE_LINE.sub(lambda _: f"const MESSAGE = {json.dumps(new_message)};", app.read_text()))
    _git("commit", "-am", f"Say {new_message!r} (pushed with git)", cwd=target)
    output = _git("push", "origin", "HEAD:master", cwd=target)
    commit = _git("rev-parse", "HEAD", cwd=target).strip()
    return pd.DataFrame([{"pushed": "master", "commit": commit, "git says": output.strip().splitlines()[-1]}])
