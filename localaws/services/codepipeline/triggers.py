"""EventBridge between CodeCommit and CodePipeline: a branch that moves emits AWS's "CodeCommit
Repository State Change" event, and every enabled rule that matches it and targets a pipeline
starts that pipeline (the templates' rules, with PollForSourceChanges off)."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from typing import Any, cast

from moto.events.models import EventMessageType, events_backends
from moto.utilities.utils import get_partition

from ...iam_enforcement import AccessDenied, TrustRefused, assume
from ...iam_enforcement.signer import signer
from .models import codepipeline_backend


def reference_event(
    account: str, region: str, repository: Any, branch: str, old: str | None, new: str | None
) -> dict[str, Any]:
    """AWS's "CodeCommit Repository State Change" event for one branch created, updated or deleted, as EventBridge
    matches it against rules. ``callerUserArn`` is whoever moved the branch (the request's signer: an IAM user, an
    assumed role's session, or the account's root user), and ``time`` is real time."""
    kind = "referenceCreated" if old is None else "referenceDeleted" if new is None else "referenceUpdated"
    detail: dict[str, Any] = {
        "callerUserArn": signer(account, get_partition(region)),
        "event": kind,
        "referenceType": "branch",
        "referenceName": branch,
        "referenceFullName": f"refs/heads/{branch}",
        "repositoryName": repository.name,
        "repositoryId": repository.repository_metadata["repositoryId"],
    }
    if new:
        detail["commitId"] = new
    if old:
        detail["oldCommitId"] = old
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "CodeCommit Repository State Change",
        "source": "aws.codecommit",
        "account": account,
        "time": datetime.now(UTC).isoformat(),
        "region": region,
        "resources": [repository.arn],
        "detail": detail,
    }


def on_reference_change(
    account: str, region: str, repository: Any, branch: str, old: str | None, new: str | None
) -> None:
    """CodeCommit's listener for a branch that moved: the event goes to the default bus's rules in a thread of its own,
    so that the push or call that moved the branch answers without waiting for pipelines to start."""
    event = reference_event(account, region, repository, branch, old, new)
    threading.Thread(target=_deliver, args=(account, region, event), daemon=True).start()


def _deliver(account: str, region: str, event: dict[str, Any]) -> None:

    bus = events_backends[account][region].event_buses.get("default")
    if bus is None:
        return
    pipelines = codepipeline_backend(account, region)
    for rule in list(bus.rules.values()):
        if (
            rule.state != "ENABLED"
            or rule.event_pattern is None
            or not rule.event_pattern.matches_event(cast("EventMessageType", event))
        ):
            continue
        for target in rule.targets:
            arn = str(target.get("Arn", ""))
            if ":codepipeline:" not in arn:
                continue
            name = arn.rsplit(":", 1)[-1]
            if name in pipelines.pipelines and _may_start(account, rule, target, arn):
                pipelines.start_pipeline_execution(
                    name, None, trigger={"triggerType": "CloudWatchEvent", "triggerDetail": rule.arn}
                )


def _may_start(account: str, rule: Any, target: dict[str, Any], pipeline_arn: str) -> bool:
    """EventBridge invokes the target with the target's role: assumed if its trust policy admits
    events.amazonaws.com, then codepipeline:StartPipelineExecution on the pipeline. A refusal is a
    failed invocation (AWS counts it in the rule's FailedInvocations metric; the sandbox records it in
    its IAM usage report and its log)."""

    role_arn = str(target.get("RoleArn") or "")
    partition = pipeline_arn.split(":")[1]
    try:
        if not role_arn:
            raise TrustRefused("Amazon EventBridge", "(no RoleArn on the target)")
        role = assume(role_arn, "events.amazonaws.com", account, partition, source_arn=rule.arn)
        role.authorize("codepipeline:StartPipelineExecution", pipeline_arn)
    except (AccessDenied, TrustRefused) as error:
        print(f"EventBridge rule {rule.arn}: failed invocation of {pipeline_arn}: {error}", flush=True)
        return False
    return True
