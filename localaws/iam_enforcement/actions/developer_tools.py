"""The developer tools' rows: CodeCommit repositories, CodePipeline pipelines (and their stages and actions),
CodeBuild projects (a build is evaluated against its project)."""

from __future__ import annotations

from .request import UNSCOPED, Check, NotInTable, Request, json_tags, last_segment, tags_context

_TAGGING = ("ListTagsForResource", "TagResource", "UntagResource")


def codecommit(r: Request) -> list[Check]:
    """CodeCommit's row: the repository's ARN (CreateRepository with tags needs ``codecommit:TagResource`` too), ``*``
    for ListRepositories, the tagged resource's ARN for the tagging operations."""
    if r.operation in _TAGGING:
        return r.checks([str(r.param("resourceArn"))])
    if r.operation == "ListRepositories":
        return r.checks([UNSCOPED])
    name = r.param("repositoryName")
    if name is None:
        raise NotInTable(r.action)
    found = r.checks([r.arn("codecommit", str(name))], tags_context(json_tags(r.param("tags"))))
    if r.operation == "CreateRepository" and r.param("tags"):
        found.append(("codecommit:TagResource", found[0][1], tags_context(json_tags(r.param("tags")))))
    return found


def codepipeline(r: Request) -> list[Check]:
    """CodePipeline's row, scoped as the service authorization reference scopes it: a pipeline's ARN, a stage's
    (``pipeline/stage``) for RetryStageExecution and RollbackStage, an action's (``pipeline/stage/action``) for
    PutApprovalResult, ``*`` for ListPipelines."""
    op = r.operation
    if op in _TAGGING:
        return r.checks([str(r.param("resourceArn"))])
    if op == "ListPipelines":
        return r.checks([UNSCOPED])
    if op == "PutApprovalResult":  # an action: pipeline/stage/action
        pipeline, stage, action = r.param("pipelineName"), r.param("stageName"), r.param("actionName")
        return r.checks([r.arn("codepipeline", f"{pipeline}/{stage}/{action}")])
    if op in ("RetryStageExecution", "RollbackStage"):  # a stage: pipeline/stage
        return r.checks([r.arn("codepipeline", f"{r.param('pipelineName')}/{r.param('stageName')}")])
    if op in ("CreatePipeline", "UpdatePipeline"):
        pipeline = r.param("pipeline") or {}
        return r.checks([r.arn("codepipeline", str(pipeline.get("name")))])
    name = r.param("name") or r.param("pipelineName")
    if name is None:
        raise NotInTable(r.action)
    return r.checks([r.arn("codepipeline", str(name))])


def codebuild(r: Request) -> list[Check]:
    """CodeBuild's row: a project's ARN, also for builds (BatchGetBuilds is evaluated on the projects its build ids
    name), ``*`` for ListProjects and ListBuilds."""
    op = r.operation
    if op in ("ListProjects", "ListBuilds"):
        return r.checks([UNSCOPED])
    if op == "BatchGetProjects":
        return r.checks([r.arn("codebuild", f"project/{last_segment(n)}") for n in r.param("names") or []])
    if op == "BatchGetBuilds":
        projects = sorted({last_segment(str(i)).split(":")[0] for i in r.param("ids") or []})
        return r.checks([r.arn("codebuild", f"project/{p}") for p in projects])
    name = r.param("projectName") or r.param("name")
    if name is None:
        raise NotInTable(r.action)
    return r.checks([r.arn("codebuild", f"project/{last_segment(name)}")])
