"""The CodePipeline engine: one thread per execution runs the stages in order and the actions of a
stage by runOrder, passing artifacts through the artifact bucket.

Actions: CodeCommit source, CodeBuild build, Manual approval, ECS deploy. Each stage is held by one
execution at a time; an execution waiting for a stage is superseded by a newer one, as in
CodePipeline's SUPERSEDED mode.
"""

from __future__ import annotations

import io
import json
import secrets
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from ...iam_enforcement import AccessDenied, RoleSession, TrustRefused, assume
from ...persistence import changes

POLL_SECONDS = 0.05
RESTART_REASON = (
    "The sandbox restarted while this execution ran, so it was stopped; start it again "
    "(Release change, or retry the failed stage)."
)


def now() -> datetime:
    return datetime.now(UTC)


class ActionFailed(Exception):
    def __init__(self, message: str, code: str = "JobFailed") -> None:
        super().__init__(message)
        self.code = code


class ExecutionStopped(Exception):
    pass


@dataclass
class Artifact:
    name: str
    bucket: str
    key: str
    revision: str | None = None


@dataclass
class ActionRun:
    stage: str
    name: str
    declaration: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: str = "InProgress"
    started: datetime = field(default_factory=now)
    updated: datetime = field(default_factory=now)
    summary: str | None = None
    token: str | None = None
    external_id: str | None = None
    external_url: str | None = None
    error: dict[str, str] | None = None
    inputs: list[Artifact] = field(default_factory=list)
    outputs: list[Artifact] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    approval: threading.Event = field(default_factory=threading.Event)
    approval_result: dict[str, str] | None = None

    def finish(self, status: str, summary: str | None = None, error: dict[str, str] | None = None) -> None:
        self.status, self.updated = status, now()
        if summary is not None:
            self.summary = summary
        self.error = error
        changes.touched("codepipeline")


@dataclass
class StageRun:
    name: str
    status: str = "InProgress"
    actions: dict[str, ActionRun] = field(default_factory=dict)


class Execution:
    def __init__(
        self, pipeline: dict[str, Any], trigger: dict[str, str], region: str, account: str, stage_gate: StageGate
    ) -> None:
        self.id = str(uuid.uuid4())
        self.pipeline = json.loads(json.dumps(pipeline))  # the version it started with
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
        self.done = threading.Event()

    # -- the pipeline's role ---------------------------------------------------------------------
    @property
    def arn(self) -> str:
        return f"arn:{self.partition}:codepipeline:{self.region}:{self.account}:{self.name}"

    @property
    def partition(self) -> str:
        from moto.utilities.utils import get_partition

        return str(get_partition(self.region))

    def role(self) -> RoleSession:
        """CodePipeline acts with the pipeline's service role: assumed once per execution, if its trust
        policy admits codepipeline.amazonaws.com for this account and pipeline."""
        if getattr(self, "_role", None) is None:
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
        state.pop("actions", None)
        state.pop("_role", None)  # role sessions live in the running sandbox: assumed again after a restart
        return state

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

    def resume(self, actions: dict[str, Callable[[Execution, ActionRun], None]], stage_gate: StageGate) -> bool:
        """After a restart: carry on waiting for an approval (same token, same stage), or end as Failed
        (Stopped if a stop was asked for) with a reason that says the sandbox restarted. True if resumed."""
        self.actions, self.gate = actions, stage_gate
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
    def start(self, actions: dict[str, Callable[[Execution, ActionRun], None]]) -> None:
        self.actions = actions
        changes.touched("codepipeline")
        threading.Thread(target=self._run, args=(0,), daemon=True, name=f"pipeline-{self.name}").start()

    def _run(self, first_stage: int, resuming: bool = False) -> None:
        stages = self.pipeline["stages"]
        try:
            for index in range(first_stage, len(stages)):
                stage = stages[index]
                self.gate.enter(self, stage["name"])
                try:
                    ok = self._run_stage(stage, resuming and index == first_stage)
                finally:
                    self.gate.leave(self, stage["name"])
                if not ok:
                    self._end("Failed")
                    return
            self._end("Succeeded")
        except ExecutionStopped:
            if self.status == "Superseded":
                self._end("Superseded")
            else:
                self._end("Stopped")

    def _run_stage(self, stage: dict[str, Any], resuming: bool = False) -> bool:
        """Run a stage's actions by runOrder. A retry keeps the actions that succeeded (FAILED_ACTIONS
        mode); a stage resumed after a restart keeps them too, and carries on the approvals it waited for."""
        run = StageRun(stage["name"])
        previous = self.stages.get(stage["name"])
        self.stages[stage["name"]] = run
        changes.touched("codepipeline")
        keep_succeeded = resuming or (self.retry_stage == stage["name"] and self._retry_mode == "FAILED_ACTIONS")
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
        executor = (RESUMERS if resumed else self.actions).get(provider)
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

    @property
    def variables(self) -> dict[str, dict[str, str]]:
        if not hasattr(self, "_variables"):
            self._variables: dict[str, dict[str, str]] = {}
        return self._variables

    _retry_mode = "FAILED_ACTIONS"

    def retry(self, stage_name: str, mode: str) -> None:
        stages = [s["name"] for s in self.pipeline["stages"]]
        self.retry_stage, self._retry_mode = stage_name, mode
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
        if self.stop_requested is not None or self.status == "Superseded":
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


class StageGate:
    """One execution per stage at a time; a newer execution waiting for a stage supersedes an older one."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.holders: dict[str, str] = {}
        self.waiting: dict[str, Execution] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {}  # who holds or waits for a stage is the running executions' business

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]

    def enter(self, execution: Execution, stage: str) -> None:
        with self.lock:
            older = self.waiting.get(stage)
            if older is not None and older is not execution and older.started < execution.started:
                older.status = "Superseded"
                self.lock.notify_all()
            self.waiting[stage] = execution
            while self.holders.get(stage) not in (None, execution.id):
                self.lock.wait(POLL_SECONDS * 4)
                if execution.status == "Superseded" or execution.stop_requested is not None:
                    if self.waiting.get(stage) is execution:
                        del self.waiting[stage]
                    raise ExecutionStopped()
            if self.waiting.get(stage) is execution:
                del self.waiting[stage]
            self.holders[stage] = execution.id

    def leave(self, execution: Execution, stage: str) -> None:
        with self.lock:
            if self.holders.get(stage) == execution.id:
                del self.holders[stage]
            self.lock.notify_all()


# -- action executors --------------------------------------------------------------------------------
def run_codecommit_source(execution: Execution, action: ActionRun) -> None:
    from ..codecommit.models import codecommit_backend

    configuration = action.declaration.get("configuration", {})
    name, branch = configuration.get("RepositoryName"), configuration.get("BranchName")
    repository = codecommit_backend(execution.account, execution.region).repositories.get(name)
    if repository is None:
        raise ActionFailed(f"The repository {name} does not exist", "ConfigurationError")
    role = execution.role()
    repository_arn = f"arn:{execution.partition}:codecommit:{execution.region}:{execution.account}:{name}"
    try:
        # What CodePipeline's CodeCommit source does with the role: read the branch and its commit,
        # then have CodeCommit upload the archive and poll for it.
        for used in ("GetBranch", "GetCommit", "UploadArchive", "GetUploadArchiveStatus"):
            role.authorize(f"codecommit:{used}", repository_arn)
    except AccessDenied as error:
        raise ActionFailed(
            f"The service role or action role doesn't have the permissions required to access the AWS CodeCommit "
            f"repository named {name}. Update the IAM role permissions, and then try again. Error: {error}"
        ) from None
    commit = repository.git.branch_commit(branch)
    if commit is None:
        raise ActionFailed(f"The branch {branch} does not exist in the repository {name}")
    info = repository.git.commit_info(commit)
    body = repository.git.git("archive", "--format=zip", commit)
    for output in action.declaration.get("outputArtifacts", []):
        action.outputs.append(execution.new_artifact(output["name"], body, commit))
    action.variables = {
        "CommitId": commit,
        "BranchName": branch,
        "RepositoryName": name,
        "CommitMessage": str(info["message"]),
        "AuthorDate": str(info["author"]["date"]),
        "CommitterDate": str(info["committer"]["date"]),
    }
    action.external_id = commit
    action.summary = str(info["message"])
    execution.source_revisions.append(
        {
            "actionName": action.name,
            "revisionId": commit,
            "revisionSummary": str(info["message"]),
            "revisionUrl": f"https://{execution.region}.console.aws.amazon.com/codesuite/"
            f"codecommit/repositories/{name}/commit/{commit}",
        }
    )


def run_codebuild(execution: Execution, action: ActionRun) -> None:
    from ..codebuild.build import PipelineInput
    from ..codebuild.models import codebuild_backend

    configuration = action.declaration.get("configuration", {})
    project = configuration.get("ProjectName")
    if not action.inputs:
        raise ActionFailed("The CodeBuild action needs an input artifact", "ConfigurationError")
    primary = action.inputs[0]
    overrides = json.loads(configuration.get("EnvironmentVariables") or "[]")
    outputs = [execution.output_location(o["name"]) for o in action.declaration.get("outputArtifacts", [])]
    backend = codebuild_backend(execution.account, execution.region)
    project_arn = f"arn:{execution.partition}:codebuild:{execution.region}:{execution.account}:project/{project}"
    role = execution.role()
    try:
        role.authorize("codebuild:StartBuild", project_arn)
    except AccessDenied as error:
        raise ActionFailed(
            f"Error calling startBuild: {error} (Service: AWSCodeBuild; Status Code: 400; "
            f"Error Code: AccessDeniedException)",
            "JobFailed",
        ) from None
    try:
        build = backend.start_build(
            project,
            environment_variables_override=overrides,
            pipeline=PipelineInput(
                source_zip=b"",
                source_bucket=primary.bucket,
                source_key=primary.key,
                resolved_source_version=primary.revision or "",
                initiator=f"codepipeline/{execution.name}",
                output_bucket=outputs[0].bucket if outputs else None,
                output_key=outputs[0].key if outputs else None,
            ),
        )
    except Exception as error:
        raise ActionFailed(f"Error calling startBuild: {_service_error_text(error)}", "ConfigurationError") from None
    action.external_id = build["id"]
    action.external_url = (
        f"https://{execution.region}.console.aws.amazon.com/codesuite/codebuild/projects/{project}/build/{build['id']}"
    )
    changes.touched("codepipeline")
    polled = False
    while not backend.wait_for_build(build["id"], POLL_SECONDS * 4)["buildComplete"] or not polled:
        if not polled:  # CodePipeline polls the build with BatchGetBuilds
            polled = True
            try:
                role.authorize("codebuild:BatchGetBuilds", project_arn)
            except AccessDenied as error:
                raise ActionFailed(f"Error calling batchGetBuilds: {error}", "JobFailed") from None
        if execution.stop_requested is not None:
            role.authorize("codebuild:StopBuild", project_arn)
            backend.stop_build(build["id"])
            raise ExecutionStopped()
    if build["buildStatus"] != "SUCCEEDED":
        failed: dict[str, Any] = next(
            (p for p in build["phases"] if p.get("phaseStatus") not in (None, "SUCCEEDED")), {}
        )
        context = (failed.get("contexts") or [{}])[0]
        raise ActionFailed(
            f"Build terminated with state: {build['buildStatus']}. Phase: {failed.get('phaseType')}, "
            f"Code: {context.get('statusCode')}, Message: {context.get('message')}"
        )
    for output in outputs:
        output.revision = primary.revision
        action.outputs.append(output)


def _service_error_text(error: Exception) -> str:
    """How CodePipeline reports a refused call: the message, then the Java SDK's service-error details."""
    code = getattr(error, "error_type", None)
    message = str(getattr(error, "message", error))
    if not code:
        return message
    status = getattr(error, "code", 400)
    return (
        f"{message} (Service: AWSCodeBuild; Status Code: {status}; Error Code: {code}; "
        f"Request ID: {uuid.uuid4()}; Proxy: null)"
    )


def run_manual_approval(execution: Execution, action: ActionRun) -> None:
    configuration = action.declaration.get("configuration", {})
    action.token = str(uuid.uuid4())
    topic = configuration.get("NotificationArn")
    if topic:
        message = {
            "region": execution.region,
            "consoleLink": _console(execution),
            "approval": {
                "pipelineName": execution.name,
                "stageName": action.stage,
                "actionName": action.name,
                "token": action.token,
                "expires": "in 7 days",
                "externalEntityLink": configuration.get("ExternalEntityLink"),
                "approvalReviewLink": _console(execution),
                "customData": configuration.get("CustomData"),
            },
        }
        try:
            execution.client("sns").publish(
                TopicArn=topic,
                Subject=f"APPROVAL NEEDED: AWS CodePipeline {execution.name} for action {action.name}",
                Message=json.dumps(message),
            )
        except ClientError as error:
            reason = error.response.get("Error", {}).get("Message") or str(error)
            raise ActionFailed(
                f"Unable to publish the approval notification to {topic}: {reason}", "ConfigurationError"
            ) from None
    changes.touched("codepipeline")  # the token must be on disk: a restarted sandbox keeps the approval pending
    wait_for_approval(execution, action)


def wait_for_approval(execution: Execution, action: ActionRun) -> None:
    """Wait for PutApprovalResult on the action's token (also after a restart, with the same token)."""
    while not action.approval.wait(POLL_SECONDS * 4):
        execution.check_stop()
    result = action.approval_result or {}
    action.summary = result.get("summary")
    if result.get("status") != "Approved":
        raise ActionFailed(f"Rejected: {result.get('summary') or 'no comment'}", "JobFailed")


def run_ecs_deploy(execution: Execution, action: ActionRun) -> None:
    configuration = action.declaration.get("configuration", {})
    cluster, service_name = configuration.get("ClusterName"), configuration.get("ServiceName")
    file_name = configuration.get("FileName") or "imagedefinitions.json"
    if not action.inputs:
        raise ActionFailed("The ECS deploy action needs an input artifact", "ConfigurationError")
    with zipfile.ZipFile(io.BytesIO(execution.read_artifact(action.inputs[0]))) as archive:
        try:
            definitions = json.loads(archive.read(file_name))
        except KeyError:
            raise ActionFailed(
                f"Exception while trying to read the image artifact file from the artifact: "
                f"{action.inputs[0].name}. File {file_name} not found."
            ) from None
        except json.JSONDecodeError as error:
            raise ActionFailed(
                f"Exception while trying to parse the image URI file from the artifact: "
                f"{action.inputs[0].name}. {error}"
            ) from None
    images = {d.get("name"): d.get("imageUri") for d in definitions if isinstance(d, dict)}
    ecs = execution.client("ecs")
    services = ecs.describe_services(cluster=cluster, services=[service_name])["services"]
    if not services or services[0]["status"] != "ACTIVE":
        raise ActionFailed(f"The Amazon ECS service '{service_name}' does not exist in cluster '{cluster}'.")
    current = ecs.describe_task_definition(taskDefinition=services[0]["taskDefinition"], include=["TAGS"])
    definition = current["taskDefinition"]
    containers = definition["containerDefinitions"]
    unknown = [name for name in images if name not in {c["name"] for c in containers}]
    if unknown:
        raise ActionFailed(f"Invalid action configuration: the AWS ECS container {unknown[0]} does not exist")
    for container in containers:
        if container["name"] in images:
            container["image"] = images[container["name"]]
    allowed = (
        "family",
        "taskRoleArn",
        "executionRoleArn",
        "networkMode",
        "containerDefinitions",
        "volumes",
        "placementConstraints",
        "requiresCompatibilities",
        "cpu",
        "memory",
        "runtimePlatform",
    )
    arguments = {k: definition[k] for k in allowed if definition.get(k) not in (None, [], "")}
    if current.get("tags"):
        arguments["tags"] = current["tags"]
    registered = ecs.register_task_definition(**arguments)["taskDefinition"]["taskDefinitionArn"]
    updated = ecs.update_service(cluster=cluster, service=service_name, taskDefinition=registered)["service"]
    # The deployment of the new task definition; when the circuit breaker has already rolled it back
    # (UpdateService answers after a short settle), the service shows the rollback in its events.
    deployment_id = next(
        (d["id"] for d in updated["deployments"] if d.get("taskDefinition") == registered),
        "(rolled back)",
    )
    action.external_id = deployment_id
    action.summary = f"Deploying {registered.rsplit('/', 1)[-1]} to {service_name}"
    timeout = time.monotonic() + float(configuration.get("DeploymentTimeout") or 60) * 60
    while time.monotonic() < timeout:
        execution.check_stop()
        service = ecs.describe_services(cluster=cluster, services=[service_name])["services"][0]
        deployment = next((d for d in service["deployments"] if d["id"] == deployment_id), None)
        if deployment is None or deployment.get("rolloutState") == "FAILED":
            reason = (deployment or {}).get("rolloutStateReason") or next(
                (e["message"] for e in service.get("events", []) if "circuit breaker" in e["message"]),
                "the deployment did not complete",
            )
            cause = next(
                (e["message"] for e in service.get("events", []) if "unable to place a task" in e["message"]), ""
            )
            raise ActionFailed(
                f"Deployment {deployment_id} failed: {reason}" + (f" Last event: {cause}" if cause else "")
            )
        if deployment.get("rolloutState") == "COMPLETED" and len(service["deployments"]) == 1:
            action.summary = f"Deployed {registered.rsplit('/', 1)[-1]} to {service_name}"
            return
        time.sleep(POLL_SECONDS * 2)
    raise ActionFailed(f"Deployment {deployment_id} did not finish within the deployment timeout")


EXECUTORS: dict[str, Callable[[Execution, ActionRun], None]] = {
    "CodeCommit": run_codecommit_source,
    "CodeBuild": run_codebuild,
    "Manual": run_manual_approval,
    "ECS": run_ecs_deploy,
}
#: How an action that was in progress when the sandbox stopped carries on after a restart; the others cannot.
RESUMERS: dict[str, Callable[[Execution, ActionRun], None]] = {"Manual": wait_for_approval}


def _console(execution: Execution) -> str:
    return (
        f"https://console.aws.amazon.com/codesuite/codepipeline/pipelines/{execution.name}/view"
        f"?region={execution.region}"
    )
