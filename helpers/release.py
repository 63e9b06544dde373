"""Notebook 04: change the app, follow the run it starts, approve Prod, and see what each environment
runs. Every step is a CodeCommit or CodePipeline API call, the same on AWS and on the sandbox.

The calls that carry the lesson (``merge_branches_by_fast_forward``, ``get_pipeline_state``,
``put_approval_result``, ``start_pipeline_execution``) are written out in the notebook's cells; this
module keeps what would only distract there: finding the run a change started and waiting for it with
a live table. Each step that starts a run returns a ``Release``, whose ``watch()`` follows that run.

The steps lean on one module per idea: ``app_message`` (the line of ``app.js`` a change rewrites),
``gitflow`` (commits and promotions through the CodeCommit API), ``git_cli`` (the same with git),
``prod_approval`` (the approval and its buttons) and ``pipeline_edits`` (going further). The names
notebook 04 calls from those are importable from here too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from .changes.app_message import APP_FILE, has_message_line, read_app, with_empty_message, with_message
from .changes.dockerfile import DOCKERFILE, read_dockerfile, with_build_note
from .changes.git_cli import clone, clone_url, commit_and_push
from .changes.gitflow import branch_head, commit_file, fast_forward, revert_breaking_commit
from .changes.pipeline_edits import with_first_action, with_stage
from .core import links
from .core.context import Workshop
from .core.environments import BRANCHES, ENV_LABELS, ENVIRONMENTS
from .core.errors import ReleaseError
from .inventory import environment_urls, fetch
from .pipelines import FINISHED, RunSummary, latest_execution_ids, latest_run, watch
from .prod_approval import approval, waiting_approval
from .views.table import StatusTable

#: This module's own names, and those notebook 04 calls from the modules it leans on (``approval``,
#: ``waiting_approval``, ``clone_url``, ``with_stage``, ``with_first_action``).
__all__ = [
    "BREAKING_COMMIT",
    "ENVIRONMENT_OF_BRANCH",
    "Release",
    "ReleaseError",
    "approval",
    "break_the_build",
    "change_dockerfile",
    "change_message",
    "clone_url",
    "environments",
    "next_run",
    "promote",
    "push_message_change",
    "revert_last_commit",
    "snapshot",
    "waiting_approval",
    "watch_environment",
    "with_first_action",
    "with_stage",
]

ENVIRONMENT_OF_BRANCH = {branch: env for env, branch in BRANCHES.items()}


# -- the handle a release step returns ---------------------------------------------------------------
@dataclass
class Release:
    """A change on its way to one environment: what was committed, and how to follow the run it starts.

    Returned by the step that makes the change (``change_message``, ``push_message_change``, ...), or made
    from a commit id (``run_of``, after a merge) or just before a call that starts a run (``next_run``). ``watch``
    follows the run of the change's commit (every execution carries the revision it runs), else the first run
    after the pipeline's newest execution when the handle was made.
    """

    workshop: Workshop = field(repr=False)
    environment: str
    after: dict[str, str] = field(default_factory=dict, repr=False)
    change: dict[str, str] = field(default_factory=dict)
    commit: str | None = None
    execution: str | None = None

    def watch(self, until: Literal["finished", "approval"] = "finished", timeout: float | None = None) -> RunSummary:
        """Follow this environment's run after the change, in a table that updates in place.

        Parameters
        ----------
        until
            ``"finished"`` (the default) waits until the run succeeds, fails or is superseded;
            ``"approval"`` stops as soon as the run waits for a manual approval (Prod).
        timeout
            Seconds to wait; by default 30 minutes for Prod (3 hours on AWS, where a human approves),
            3 minutes elsewhere on the sandbox and an hour on AWS.

        Returns
        -------
        RunSummary
            The run's last row (execution, commit, stage, action, status, detail), shown as one line.
        """
        return watch_environment(
            self.workshop,
            self.environment,
            self.after,
            stop_at_approval=until == "approval",
            timeout=timeout,
            commit=self.commit,
            execution=self.execution,
        )

    def __repr__(self) -> str:
        what = ", ".join(f"{key}: {value}" for key, value in self.change.items())
        return f"{ENV_LABELS[self.environment]} will run this change ({what}). Follow it with .watch()."

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><th style='text-align:left'>{k}</th><td>{v}</td></tr>" for k, v in self.change.items())
        return (
            f"<table>{rows}</table><p>{ENV_LABELS[self.environment]} will run this change: follow it with "
            "<code>.watch()</code>.</p>"
        )


def _known(environment: str) -> None:
    if environment not in ENVIRONMENTS:
        raise ReleaseError(f"Unknown environment {environment!r}: choose one of {', '.join(ENVIRONMENTS)}.")


def next_run(workshop: Workshop, environment: str) -> Release:
    """A handle on the next run of an environment's pipeline, made *before* the call that starts it.

    Use it around a call the notebook makes itself (a merge, ``start_pipeline_execution``): take the
    handle, make the call, then ``run.watch()``.

    Parameters
    ----------
    workshop
        The workshop of notebook 00.
    environment
        ``"dev"``, ``"qa"`` or ``"prod"``.

    Returns
    -------
    Release
        Its ``watch()`` follows the first run that starts after this call.
    """
    _known(environment)
    return Release(workshop, environment, latest_execution_ids(workshop))


def run_of(workshop: Workshop, environment: str, commit_id: str) -> Release:
    """The run of ``commit_id`` in an environment's pipeline: after a merge, the commit the branch points at now
    (``merge_branches_by_fast_forward`` answers it), so ``watch()`` follows exactly the run the merge started.

    Parameters
    ----------
    workshop
        The workshop of notebook 00.
    environment
        ``"dev"``, ``"qa"`` or ``"prod"``.
    commit_id
        The commit (all of it or its first characters).

    Returns
    -------
    Release
        Its ``watch()`` follows that commit's newest run; when the commit has run already (a merge that moved
        nothing), that run.
    """
    _known(environment)
    return Release(workshop, environment, change={"commit": commit_id[:8]}, commit=commit_id)


def run_of_execution(workshop: Workshop, environment: str, execution_id: str) -> Release:
    """The execution ``start_pipeline_execution`` (or a retry) answered: ``watch()`` follows exactly that one,
    although the run before it had the same commit.

    Returns
    -------
    Release
        Its ``watch()`` follows execution ``execution_id`` of the environment's pipeline.
    """
    _known(environment)
    return Release(workshop, environment, change={"execution": execution_id}, execution=execution_id)


def _commit_release(workshop: Workshop, branch: str, commit: Callable[[], dict[str, str]]) -> Release:
    """Take the handle, then commit (``commit()`` returns the row that says what was committed); the handle
    follows the run of the new commit, or (nothing committed) the first run after it was taken."""
    run = next_run(workshop, ENVIRONMENT_OF_BRANCH[branch])
    run.change = commit()
    run.commit = run.change.get("commit") or None
    return run


# -- changes to the app ------------------------------------------------------------------------------
def change_message(workshop: Workshop, new_message: str, branch: str = "master") -> Release:
    """Commit ``app.js`` with a new ``MESSAGE`` to ``branch``: the change that starts the Dev pipeline.

    Parameters
    ----------
    workshop
        The workshop of notebook 00.
    new_message
        What the app will answer once the change is deployed.
    branch
        The branch to commit to; ``master`` feeds Dev.

    Returns
    -------
    Release
        What was committed; its ``watch()`` follows the run the commit starts.
    """
    source = read_app(workshop, branch)
    if not has_message_line(source):
        raise ReleaseError("app.js has no line `const MESSAGE = ...;` to change.")
    updated = with_message(source, new_message)
    return _commit_release(
        workshop, branch, lambda: commit_file(workshop, APP_FILE, updated, f"Say {new_message!r}", branch)
    )


def change_dockerfile(workshop: Workshop, note: str, branch: str = "master") -> Release:
    """Commit the ``Dockerfile`` with a ``LABEL workshop.note`` and a ``RUN`` step writing ``note`` to a file in the
    image (before its ``USER`` line; a re-run replaces them): a new image, built and deployed by Dev.

    Returns
    -------
    Release
        What was committed; its ``watch()`` follows the Dev run that builds and deploys the new image.
    """
    updated = with_build_note(read_dockerfile(workshop, branch), note)
    return _commit_release(
        workshop, branch, lambda: commit_file(workshop, DOCKERFILE, updated, f"Dockerfile: note {note!r}", branch)
    )


BREAKING_COMMIT = "Empty the message (this breaks the unit test)"


def break_the_build(workshop: Workshop) -> Release:
    """Commit an empty ``MESSAGE`` to ``master``: the unit test "the message is a non-empty greeting"
    fails in BuildApp, so the Dev pipeline stops at Build and nothing is deployed.

    Returns
    -------
    Release
        What was committed; its ``watch()`` follows the Dev run that fails.
    """
    broken = with_empty_message(read_app(workshop))
    return _commit_release(workshop, "master", lambda: commit_file(workshop, APP_FILE, broken, BREAKING_COMMIT))


def revert_last_commit(workshop: Workshop, branch: str = "master") -> Release:
    """Undo the breaking commit: commit the parent's version of every file it changed (what
    ``git revert`` does), through GetDifferences and CreateCommit.

    Nothing is committed when the last commit is not the breaking one, so a re-run is harmless.

    Returns
    -------
    Release
        What was committed; its ``watch()`` follows the Dev run that deploys the fixed app.
    """
    return _commit_release(workshop, branch, lambda: revert_breaking_commit(workshop, branch, BREAKING_COMMIT))


def promote(workshop: Workshop, source: str, target: str) -> Release:
    """Fast-forward ``target`` to ``source`` (master → qa, qa → prod): what starts the next pipeline.

    Notebook 04 makes this call in a cell of its own; this function is the same call with a clear
    message when ``target`` has commits ``source`` lacks (for scripts and tests).

    Returns
    -------
    Release
        The merge; its ``watch()`` follows the run of ``target``'s environment.
    """
    return _commit_release(workshop, target, lambda: fast_forward(workshop, source, target))


def push_message_change(workshop: Workshop, new_message: str, folder: str | Path | None = None) -> Release:
    """Edit ``app.js`` in a working copy, commit, and ``git push`` to master: the git way to start Dev.

    Parameters
    ----------
    workshop
        The workshop of notebook 00.
    new_message
        What the app will answer once Dev has deployed the push.
    folder
        Where the working copy lives; by default a folder under ``WORKSHOP_HOME``.

    Returns
    -------
    Release
        The pushed commit and the last line git printed; its ``watch()`` follows the Dev run.
    """
    target = clone(workshop, folder)

    def push() -> dict[str, str]:
        app = target / APP_FILE
        app.write_text(with_message(app.read_text(), new_message))
        return commit_and_push(target, f"Say {new_message!r} (pushed with git)")

    return _commit_release(workshop, "master", push)


# -- following runs ----------------------------------------------------------------------------------
def snapshot(workshop: Workshop) -> dict[str, str]:
    """The newest execution of each pipeline now, so a watch follows only what comes after.

    Returns
    -------
    dict
        Execution id by environment (environments without any run are left out).
    """
    return latest_execution_ids(workshop)


def watch_environment(
    workshop: Workshop,
    env: str,
    after: dict[str, str],
    stop_at_approval: bool = False,
    timeout: float | None = None,
    commit: str | None = None,
    execution: str | None = None,
) -> RunSummary:
    """Follow the run of ``env`` that started after ``after`` (of ``commit``, or execution ``execution``, when
    given) until it finishes (or, with ``stop_at_approval``, until it waits for an approval). ``Release.watch`` is
    the friendlier face.

    Returns
    -------
    RunSummary
        The run's last row, by environment.
    """
    branch = BRANCHES[env]

    def done(rows: dict[str, dict[str, Any]]) -> bool:
        row = rows[env]
        if not row["execution"] and execution:  # not listed yet (the list can lag a moment behind the start)
            return False
        if not row["execution"] and commit:  # no new run of the commit: fine if it has been through one already
            ran = latest_run(workshop, env, commit=commit)
            return bool(ran["execution"]) and ran["status"] in FINISHED
        if not row["execution"]:  # no new run: fine if the branch's head has already been through one
            newest = latest_run(workshop, env)
            return newest["status"] in FINISHED and newest["commit"] == branch_head(workshop, branch)[:8]
        return row["status"] in FINISHED or (stop_at_approval and row["status"] == "Waiting")

    if timeout is None and env == "prod":
        timeout = workshop.timing.prod_timeout
    return watch(
        workshop,
        done,
        envs=(env,),
        after=after,
        timeout=timeout,
        commits={env: commit} if commit else None,
        executions={env: execution} if execution else None,
    )


# -- what each environment runs ----------------------------------------------------------------------
def environments(workshop: Workshop) -> StatusTable:
    """What each environment runs now, from the branch to the answer of its URL.

    Returns
    -------
    StatusTable
        One row per environment: branch, branch commit, image tag, task definition revision, URL, and
        what the URL answers.
    """
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
                "branch commit": branch_head(workshop, BRANCHES[env])[:8],
                "image tag": image.rsplit(":", 1)[-1] if "dkr.ecr" in image else "placeholder",
                "task definition": f"{definition['family']}:{definition['revision']}",
                "url": links.for_browser(urls[env]) or "",
                "answers": body.strip()[:80] if status == 200 else f"HTTP {status}: {body[:60]}",
            }
        )
    return StatusTable(pd.DataFrame(rows).set_index("environment"), "What each environment runs now.")
