"""The CodePipeline engine, the execution runtime: one thread per execution runs the stages in order and
the actions of a stage by runOrder, passing artifacts through the artifact bucket and variables through
namespaces. The pipeline's execution mode decides how executions share stages (CodePipeline user guide, "How
pipeline executions work"): SUPERSEDED, the default, holds each stage for one execution at a time and lets a newer
execution waiting for a stage supersede an older one; QUEUED holds stages too but processes the waiting executions
one by one in the order they were queued; PARALLEL runs executions independently, with no stage held. A stop either
waits for the actions in progress or abandons them; a failed or stopped stage can be retried.

What each kind of action does is not here: the executors, one per provider, are in ``actions.py`` and
are handed to each execution by the backend (``models.py``); who holds each stage is ``stage_gate.py``'s. The
records of what ran (``ActionRun``, ``StageRun``, ``Artifact``) are in ``runs.py``.
"""

from __future__ import annotations

import json
import secrets
import threading
import uuid
from collections.abc import Callable
from typing import Any, TypeAlias

from botocore.exceptions import ClientError
from moto.utilities.utils import get_partition

from ...iam_enforcement import AccessDenied, RoleSession, TrustRefused, assume
from ...persistence import changes
from . import conditions
from .conditions import ConditionRun
from .runs import ActionRun, Artifact, ExecutionStopped, StageRun, now
from .stage_gate import StageGate

RESTART_REASON = (
    "The sandbox restarted while this execution ran, so it was stopped; start it again "
    "(Release change, or retry the failed stage)."
)


class ActionFailed(Exception):
    def __init__(self, message: str, code: str = "JobFailed") -> None:
        super().__init__(message)
        self.code = code


#: What runs one kind of action (``actions.py``): it returns when the action succeeded, raises ActionFailed if not.
Executor: TypeAlias = Callable[["Execution", ActionRun], None]


class Execution:
    def __init__(
        self,
        pipeline: dict[str, Any],
        trigger: dict[str, str],
        region: str,
        account: str,
        stage_gate: StageGate,
        executors: dict[str, Executor],
    ) -> None:
        self.id = str(uuid.uuid4())
        self.pipeline = json.loads(json.dumps(pipeline))  # the version it started with
        self.mode = str(pipeline.get("executionMode") or "SUPERSEDED")
        self.name = pipeline["name"]
        self.version = pipeline.get("version", 1)
        self.trigger = trigger
        self.region, self.account = region, account
        self.status = "InProgress"
        self.status_summary: str | None = None
        self.started = self.updated = now()
        self.stages: dict[str, StageRun] = {}
        self.artifacts: dict[str, Artifact] = {}
        self.source_revisions: list[dict[str, Any]] = []
        self.stop_requested: dict[str, Any] | None = None
        self.gate = stage_gate
        self.retry_stage: str | None = None
        self.retry_mode = "FAILED_ACTIONS"
        self.variables: dict[str, dict[str, str]] = {}  # namespace -> the variables its action set
        # Stage conditions and rollback (user guide, "Configure conditions for a stage", "Configuring stage
        # rollback"): a ROLLBACK execution runs one stage with the artifacts and variables of its target.
        self.execution_type = "STANDARD"
        self.rollback_target: str | None = None
        self.only_stage: str | None = None
        self.conditions: dict[str, dict[str, ConditionRun]] = {}  # stage -> kind -> its latest evaluation
        self.retries: dict[str, dict[str, Any]] = {}  # stage -> autoStageRetryAttempt, manualStageRetryAttempt, ...
        self.done = threading.Event()
        # What belongs to the running sandbox, never saved: the executors (by provider), those that carry on
        # an action interrupted by a restart, and the pipeline role's session.
        self.executors = executors
        self.resumers: dict[str, Executor] = {}
        self._role: RoleSession | None = None
        #: Starts the ROLLBACK execution of a stage whose failure engages a rollback (the backend's, ``models.py``).
        self.roll_back: Callable[[Execution, str], None] | None = None

    # -- the pipeline's role ---------------------------------------------------------------------
    @property
    def arn(self) -> str:
        return f"arn:{self.partition}:codepipeline:{self.region}:{self.account}:{self.name}"

    @property
    def partition(self) -> str:
        return str(get_partition(self.region))

    def role(self) -> RoleSession:
        """CodePipeline acts with the pipeline's service role: assumed once per execution, if its trust
        policy admits codepipeline.amazonaws.com for this account and pipeline."""
        if self._role is None:
            self._role = assume(
                self.pipeline["roleArn"],
                "codepipeline.amazonaws.com",
                self.account,
                self.partition,
                session_name=str(int(self.started.timestamp() * 1000)),
                source_arn=self.arn,
            )
        return self._role

    def client(self, service: str) -> Any:
        """A client that acts as the pipeline's role, so the sandbox evaluates each request."""
        return self.role().client(service, self.region)

    # -- persistence: the thread, the stage gate and the executors belong to the running sandbox ----
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("executors", None)
        state.pop("resumers", None)
        state.pop("_role", None)  # role sessions live in the running sandbox: assumed again after a restart
        state.pop("roll_back", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        # A snapshot saved before these attributes were all set in __init__ may lack them or name them
        # the old way (``_variables`` created on first use, ``_retry_mode`` set only by a retry).
        state.setdefault("variables", state.pop("_variables", {}))
        state.setdefault("retry_mode", state.pop("_retry_mode", "FAILED_ACTIONS"))
        state.setdefault("mode", str(state.get("pipeline", {}).get("executionMode") or "SUPERSEDED"))
        for key, default in (("execution_type", "STANDARD"), ("rollback_target", None), ("only_stage", None)):
            state.setdefault(key, default)
        state.setdefault("conditions", {})
        state.setdefault("retries", {})
        self.__dict__.update(state)
        self.executors, self.resumers, self._role, self.roll_back = {}, {}, None, None  # resume() gives them back

    def waiting_for_approval(self) -> str | None:
        """The stage where this execution waits for a manual approval and does nothing else, if it does."""
        if self.status != "InProgress":
            return None
        for stage in self.stages.values():
            running = [a for a in stage.actions.values() if a.status == "InProgress"]
            if stage.status == "InProgress" and running:
                manual = all(a.declaration["actionTypeId"]["provider"] == "Manual" and a.token for a in running)
                return stage.name if manual else None
        return None

    def resume(self, executors: dict[str, Executor], resumers: dict[str, Executor], stage_gate: StageGate) -> bool:
        """After a restart: carry on waiting for an approval (same token, same stage) with ``resumers``, or end
        as Failed (Stopped if a stop was asked for) with a reason that says the sandbox restarted. True if resumed."""
        self.executors, self.resumers, self.gate = executors, resumers, stage_gate
        if self.status not in ("InProgress", "Stopping"):
            self.done.set()
            return False
        waiting = self.waiting_for_approval() if self.stop_requested is None else None
        if waiting is None:
            self._interrupt(RESTART_REASON)
            return False
        index = [s["name"] for s in self.pipeline["stages"]].index(waiting)
        self.done.clear()
        threading.Thread(target=self._run, args=(index, True), daemon=True, name=f"pipeline-{self.name}").start()
        return True

    def _interrupt(self, reason: str) -> None:
        for stage in self.stages.values():
            for action in stage.actions.values():
                if action.status == "InProgress":
                    action.finish("Failed", error={"code": "JobFailed", "message": reason})
            if stage.status == "InProgress":
                stage.status = "Failed"
        self.status_summary = reason
        self._end("Stopped" if self.status == "Stopping" else "Failed")

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        changes.touched("codepipeline")
        threading.Thread(target=self._run, args=(0,), daemon=True, name=f"pipeline-{self.name}").start()

    def _run(self, first_stage: int, resuming: bool = False) -> None:
        stages = self.pipeline["stages"]
        try:
            for index in range(first_stage, len(stages)):
                stage = stages[index]
                if self.only_stage not in (None, stage["name"]):
                    continue
                self.gate.enter(self, stage["name"])
                try:
                    outcome = self._stage(stage, resuming and index == first_stage)
                    while outcome == "RETRY":  # onFailure's automatic retry: one attempt, holding the stage
                        outcome = self._stage(stage, retrying=True)
                finally:
                    self.gate.leave(self, stage["name"])
                if outcome == "ROLLBACK" and self.roll_back is not None:
                    self.roll_back(self, stage["name"])
                if outcome != "Succeeded":
                    self._end("Failed")
                    return
            self._end("Succeeded")
        except ExecutionStopped:
            if self.status == "Superseded":
                self._end("Superseded")
            else:
                self._end("Stopped")

    def _stage(self, stage: dict[str, Any], resuming: bool = False, retrying: bool = False) -> str:
        """Run a stage with its conditions; what follows: Succeeded (also when skipped), Failed, RETRY or ROLLBACK."""
        name = stage["name"]
        if stage.get("beforeEntry") and not (resuming or retrying):
            entry = self._condition(stage, "beforeEntry")
            if entry.status == "Failed":
                skip = conditions.result_of(stage["beforeEntry"]) == "SKIP"
                self.stages[name] = StageRun(name, "Skipped" if skip else "Failed")
                if skip:
                    return "Succeeded"
                self.status_summary = f"Stage {name} did not pass its entry condition: {entry.summary}"
                return "Failed"
        if self._run_stage(stage, resuming):
            if not stage.get("onSuccess") or self._condition(stage, "onSuccess").status == "Succeeded":
                return "Succeeded"
            self.stages[name].status = "Failed"
            summary = self.conditions[name]["onSuccess"].summary
            self.status_summary = f"Stage {name} did not pass its success condition: {summary}"
            return conditions.result_of(stage["onSuccess"]) or "Failed"
        on_failure = stage.get("onFailure")
        if not on_failure or self.execution_type == "ROLLBACK":
            return "Failed"
        if on_failure.get("conditions") and self._condition(stage, "onFailure").status != "Succeeded":
            return "Failed"
        result = conditions.result_of(on_failure)
        retries = self.retries.setdefault(name, {})
        if result == "RETRY" and retries.get("autoStageRetryAttempt", 0) < 1:  # "One attempt is allowed"
            retries["autoStageRetryAttempt"] = retries.get("autoStageRetryAttempt", 0) + 1
            retries["latestRetryTrigger"] = "AutomatedStageRetry"
            self.retry_stage, self.retry_mode = name, on_failure["retryConfiguration"]["retryMode"]
            return "RETRY"
        return "ROLLBACK" if result == "ROLLBACK" else "Failed"

    def _condition(self, stage: dict[str, Any], kind: str) -> ConditionRun:
        run = conditions.evaluate(kind, stage[kind], self.variables)
        self.conditions.setdefault(stage["name"], {})[kind] = run
        changes.touched("codepipeline")
        return run

    def _run_stage(self, stage: dict[str, Any], resuming: bool = False) -> bool:
        """Run a stage's actions by runOrder. A retry keeps the actions that succeeded (FAILED_ACTIONS
        mode); a stage resumed after a restart keeps them too, and carries on the approvals it waited for."""
        run = StageRun(stage["name"])
        previous = self.stages.get(stage["name"])
        self.stages[stage["name"]] = run
        changes.touched("codepipeline")
        keep_succeeded = resuming or (self.retry_stage == stage["name"] and self.retry_mode == "FAILED_ACTIONS")
        groups: dict[int, list[dict[str, Any]]] = {}
        for action in stage["actions"]:
            groups.setdefault(int(action.get("runOrder", 1)), []).append(action)
        for order in sorted(groups):
            runs: list[tuple[ActionRun, bool]] = []
            for declaration in groups[order]:
                earlier = previous.actions.get(declaration["name"]) if previous else None
                if earlier is not None and keep_succeeded and earlier.status == "Succeeded":
                    run.actions[declaration["name"]] = earlier
                    continue
                if earlier is not None and resuming and earlier.status == "InProgress":
                    runs.append((earlier, True))
                    continue
                runs.append((ActionRun(stage["name"], declaration["name"], declaration), False))
            threads = []
            for action_run, resumed in runs:
                run.actions[action_run.name] = action_run
                thread = threading.Thread(target=self._run_action, args=(action_run, resumed), daemon=True)
                thread.start()
                threads.append(thread)
            for thread in threads:
                thread.join()
            if self.stop_requested is not None:
                run.status = "Stopped"
                raise ExecutionStopped()
            if any(a.status != "Succeeded" for a in run.actions.values()):
                failed = next(a for a in run.actions.values() if a.status != "Succeeded")
                run.status = "Failed"
                message = failed.error["message"] if failed.error else failed.status
                self.status_summary = f"Stage {stage['name']} failed at action {failed.name}: {message}"
                return False
        run.status = "Succeeded"
        return True

    def _run_action(self, action: ActionRun, resumed: bool = False) -> None:
        declaration = action.declaration
        provider = declaration["actionTypeId"]["provider"]
        executor = (self.resumers if resumed else self.executors).get(provider)
        try:
            action.inputs = [self.artifacts[a["name"]] for a in declaration.get("inputArtifacts", [])]
            if executor is None:
                raise ActionFailed(f"The sandbox does not run {provider} actions", "ConfigurationError")
            executor(self, action)
            if action.status == "InProgress":
                action.finish("Succeeded")
            for artifact in action.outputs:
                self.artifacts[artifact.name] = artifact
            namespace = declaration.get("namespace")
            if namespace:
                self.variables[namespace] = action.variables
        except ExecutionStopped:
            action.finish(
                "Abandoned" if (self.stop_requested or {}).get("abandon") else "Failed",
                "Stopped",
                {"code": "JobFailed", "message": "Execution was stopped"},
            )
        except ActionFailed as error:
            action.finish("Failed", error={"code": error.code, "message": str(error)})
        except TrustRefused as error:
            action.finish(
                "Failed",
                error={
                    "code": "JobFailed",
                    "message": f"CodePipeline is not authorized to perform AssumeRole on role {error.role_arn}",
                },
            )
        except AccessDenied as error:
            action.finish("Failed", error={"code": "JobFailed", "message": f"Insufficient permissions: {error}"})
        except ClientError as error:
            details = error.response.get("Error", {})
            denied = details.get("Code") in ("AccessDenied", "AccessDeniedException")
            message = f"Insufficient permissions: {details.get('Message')}" if denied else str(error)
            action.finish("Failed", error={"code": "JobFailed", "message": message})
        except KeyError as error:
            action.finish("Failed", error={"code": "ConfigurationError", "message": f"Missing input artifact {error}"})
        except Exception as error:  # a sandbox bug must fail the action, not hang the pipeline
            action.finish("Failed", error={"code": "JobFailed", "message": f"{type(error).__name__}: {error}"})

    def retry(self, stage_name: str, mode: str) -> None:
        stages = [s["name"] for s in self.pipeline["stages"]]
        self.retry_stage, self.retry_mode, self.stop_requested = stage_name, mode, None
        self.status, self.status_summary, self.updated = "InProgress", None, now()
        self.done.clear()
        threading.Thread(target=self._run, args=(stages.index(stage_name),), daemon=True).start()

    def _end(self, status: str) -> None:
        if status == "Stopped" and self.status == "Superseded":
            status = "Superseded"
        self.status, self.updated = status, now()
        self.done.set()
        changes.touched("codepipeline")

    def check_stop(self) -> None:
        """Raise ExecutionStopped in an action that must end now: the execution was superseded, or stopped with
        "abandon". A stop that waits lets the actions in progress finish (CodePipeline user guide, "Stop a
        pipeline execution"); the execution stops before its next action or stage."""
        if self.status == "Superseded" or (self.stop_requested or {}).get("abandon"):
            raise ExecutionStopped()

    # -- artifacts -----------------------------------------------------------------------------
    def store(self) -> dict[str, str]:
        return self.pipeline["artifactStore"]

    def new_artifact(self, name: str, body: bytes, revision: str | None) -> Artifact:
        bucket = self.store()["location"]
        key = f"{self.name[:20]}/{name[:10]}/{secrets.token_hex(4)[:7]}"
        self.client("s3").put_object(Bucket=bucket, Key=key, Body=body)
        return Artifact(name, bucket, key, revision)

    def read_artifact(self, artifact: Artifact) -> bytes:
        return bytes(self.client("s3").get_object(Bucket=artifact.bucket, Key=artifact.key)["Body"].read())

    def output_location(self, name: str) -> Artifact:
        bucket = self.store()["location"]
        return Artifact(name, bucket, f"{self.name[:20]}/{name[:10]}/{secrets.token_hex(4)[:7]}")
