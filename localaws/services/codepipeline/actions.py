"""What CodePipeline's actions do in the sandbox, one executor per provider: CodeCommit source,
CodeBuild build, Manual approval and ECS deploy. An executor gets the execution and the action's run,
acts as the pipeline's service role, and succeeds by returning or fails by raising ActionFailed.

Separate from the execution runtime (``engine.py``), which decides when an action runs and what its
outcome does to the stage and the execution: adding a provider touches this module only.
"""

from __future__ import annotations

import io
import json
import time
import uuid
import zipfile
from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError

from ... import clock
from ...iam_enforcement import AccessDenied, RoleSession
from ...persistence import changes
from ..codebuild.build import PipelineInput
from ..codebuild.models import codebuild_backend
from ..codecommit.models import codecommit_backend
from .engine import ActionFailed, Execution, Executor
from .runs import POLL_SECONDS, ActionRun, ExecutionStopped

#: A manual approval nobody answers fails after seven days (CodePipeline user guide, "Approve or reject").
APPROVAL_EXPIRY = timedelta(days=7)


def run_codecommit_source(execution: Execution, action: ActionRun) -> None:
    """The CodeCommit source action: as the pipeline's role (GetBranch, GetCommit, UploadArchive and
    GetUploadArchiveStatus on the repository), zips the branch's head commit into each output artifact, and sets the
    action's variables (CommitId, BranchName, CommitMessage...) and the execution's source revision."""
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
    """The CodeBuild build action: StartBuild on the project as the pipeline's role, the first input artifact as the
    build's source and the first output artifact as its output, then waits for the build to end. A refused StartBuild
    or a failed build fails the action with CodePipeline's message."""
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
    _wait_for_build(execution, role, project_arn, build)
    # A build's output carries no source revision: a build that takes it as input has no
    # CODEBUILD_RESOLVED_SOURCE_VERSION, as on AWS (the kit's source_version file is the hand-off).
    action.outputs.extend(outputs)


def _wait_for_build(execution: Execution, role: RoleSession, project_arn: str, build: dict[str, Any]) -> None:
    """Poll the build as CodePipeline does (BatchGetBuilds, with the pipeline's role) until it ends; a stop that
    abandons stops the build; a failed build fails the action with its failed phase's context."""
    backend = codebuild_backend(execution.account, execution.region)
    polled = False
    while not backend.wait_for_build(build["id"], POLL_SECONDS * 4)["buildComplete"] or not polled:
        if not polled:  # CodePipeline polls the build with BatchGetBuilds
            polled = True
            try:
                role.authorize("codebuild:BatchGetBuilds", project_arn)
            except AccessDenied as error:
                raise ActionFailed(f"Error calling batchGetBuilds: {error}", "JobFailed") from None
        if (execution.stop_requested or {}).get("abandon"):  # a stop that waits lets the build finish
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
    """The Manual approval action: a new token, AWS's approval notification published to the configured SNS topic (a
    publish that fails fails the action), then a wait for PutApprovalResult or the 7-day expiry."""
    configuration = action.declaration.get("configuration", {})
    action.token = str(uuid.uuid4())
    action.started = clock.now()
    topic = configuration.get("NotificationArn")
    if topic:
        # CodePipeline user guide, "JSON data format for manual approval notifications".
        approval = {
            "pipelineName": execution.name,
            "stageName": action.stage,
            "actionName": action.name,
            "token": action.token,
            "expires": (action.started + APPROVAL_EXPIRY).strftime("%Y-%m-%dT%H:%MZ"),
            "externalEntityLink": configuration.get("ExternalEntityLink"),
            "approvalReviewLink": f"{_console(execution)}/{action.stage}/{action.name}/approve/{action.token}",
            "customData": configuration.get("CustomData"),
        }
        message = {
            "region": execution.region,
            "consoleLink": _console(execution),
            "approval": {k: v for k, v in approval.items() if v is not None},
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
    """Wait for PutApprovalResult on the action's token (also after a restart, with the same token). Nobody
    answering for 7 days fails the action, as on AWS ("Approve or reject an approval action"); the sandbox's clock
    (``localaws/clock.py``) lets a test see that without waiting."""
    while not action.approval.wait(POLL_SECONDS * 4):
        execution.check_stop()
        if clock.now() >= action.started + APPROVAL_EXPIRY and not action.approval.is_set():
            action.token = None  # PutApprovalResult with it is now refused
            raise ActionFailed("The approval request expired: nobody approved or rejected it within 7 days")
    result = action.approval_result or {}
    action.summary = result.get("summary")
    if result.get("status") != "Approved":
        raise ActionFailed(f"Rejected: {result.get('summary') or 'no comment'}", "JobFailed")


def _image_definitions(execution: Execution, action: ActionRun, file_name: str) -> dict[Any, Any]:
    """The container names and image URIs of the input artifact's ``imagedefinitions.json``, refused with the
    messages the ECS deploy action gives."""
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
    return {d.get("name"): d.get("imageUri") for d in definitions if isinstance(d, dict)}


def _wait_for_deployment(
    execution: Execution,
    action: ActionRun,
    ecs: Any,
    where: tuple[str, str],
    deployment_id: str,
    registered: str,
    minutes: float,
) -> None:
    """Follow the service's deployment until it completes, fails (the circuit breaker's reason and the last
    placement event) or outlasts the action's DeploymentTimeout."""
    cluster, service_name = where
    timeout = time.monotonic() + minutes * 60
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


def run_ecs_deploy(execution: Execution, action: ActionRun) -> None:
    """The ECS (rolling update) deploy action, through the pipeline's role: reads the input artifact's
    ``imagedefinitions.json``, registers a copy of the service's task definition with those images (its tags kept),
    updates the service to it and follows the deployment until it completes, fails, or outlasts DeploymentTimeout
    (60 minutes unless configured)."""
    configuration = action.declaration.get("configuration", {})
    cluster, service_name = configuration.get("ClusterName"), configuration.get("ServiceName")
    file_name = configuration.get("FileName") or "imagedefinitions.json"
    if not action.inputs:
        raise ActionFailed("The ECS deploy action needs an input artifact", "ConfigurationError")
    images = _image_definitions(execution, action, file_name)
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
    minutes = float(configuration.get("DeploymentTimeout") or 60)
    _wait_for_deployment(execution, action, ecs, (cluster, service_name), deployment_id, registered, minutes)


EXECUTORS: dict[str, Executor] = {
    "CodeCommit": run_codecommit_source,
    "CodeBuild": run_codebuild,
    "Manual": run_manual_approval,
    "ECS": run_ecs_deploy,
}
#: How an action that was in progress when the sandbox stopped carries on after a restart; the others cannot.
RESUMERS: dict[str, Executor] = {"Manual": wait_for_approval}


def _console(execution: Execution) -> str:
    """The console link of the approval message: the pipeline's view, as the message has it."""
    return f"https://console.aws.amazon.com/codepipeline/home?region={execution.region}#/view/{execution.name}"
