# %% [markdown]
# # Advanced · Modern deployments to ECS
#
# An optional module for after **04-test-the-pipeline** and before **05-cleanup**: how teams deploy to ECS
# today. It needs the workshop of notebooks 00–04 (the three pipelines, Prod's approval, a release in Prod).
#
# 1. **A Prod stage that rolls itself back**: a CodePipeline V2 *stage condition* on Prod's Deploy stage, shown
#    by a release that fails its health check on purpose.
# 2. *ECS blue/green, canary and linear deployments: to come (see below).*
#
# Everything here runs the same on the sandbox and on AWS. "Run All Cells" works: the cells wait at each of
# Prod's approvals for your click (or answer them at once with `auto_continue = True`).

# %% tags=["parameters"]
prefix = None          # None: the workshop chosen last in notebook 00
auto_continue = False  # True answers every approval and pause at once (headless runs: papermill, CI)

# %%
from helpers import setup, stage_rollback

workshop = setup.open_workshop(prefix)
codepipeline = workshop.client("codepipeline")
prod = workshop.names.pipeline("prod")
stage_rollback.prod_answer(workshop)  # what Prod serves now: the release of notebook 04

# %% [markdown]
# ## 1. A Prod stage that rolls itself back
#
# The pipelines of notebook 03 are of type **V2**, whose stages can carry *conditions*: `beforeEntry` (checked
# before the stage starts: fail or skip it), `onSuccess` (checked after it succeeded: fail it or roll it back)
# and `onFailure` (what happens when it fails). Conditions hold *rules* such as `VariableCheck` (a pipeline
# variable against a value) or `DeploymentWindow` (a cron schedule of allowed times).
#
# The simplest and most useful one is `onFailure: {"result": "ROLLBACK"}`: when the stage fails, CodePipeline
# starts a new execution of type **ROLLBACK** that runs that stage again with the source revisions, artifacts
# and variables of the **last execution that succeeded in it**, so the stage ends on the last good release.
#
# Prod already has one safety net: the ECS service's deployment circuit breaker (notebook 01) keeps the old
# tasks serving while new ones fail, and gives up on the deployment. Stage rollback is the pipeline's own:
# it also covers a deploy that failed for another reason, and it leaves the pipeline's Deploy stage showing
# the release that actually runs.
#
# `enable_rollback_on_failure` makes the calls of notebook 04's "going further" (`get_pipeline`, then
# `update_pipeline` with the changed stage; Shift-Tab shows how), and only when the stage lacks the condition:

# %%
stage_rollback.ROLLBACK_ON_FAILURE

# %%
stage_rollback.enable_rollback_on_failure(workshop)

# %%
[(stage["name"], stage.get("onFailure")) for stage in codepipeline.get_pipeline(name=prod)["pipeline"]["stages"]]

# %% [markdown]
# ### A good release in this version of the pipeline
#
# A stage can only roll back to an execution that *started in the current version of the pipeline*, and
# `update_pipeline` just made a new version. So Prod first runs its current release once more
# (`start_pipeline_execution`): that run is the one a failure will roll back to. Approve it as in notebook 04
# (twice if you added the SignOff approval there).

# %%
before = stage_rollback.newest_prod_execution(workshop)
good_run = codepipeline.start_pipeline_execution(name=prod)["pipelineExecutionId"]
stage_rollback.follow_prod(workshop, before, auto_continue)

# %%
last_good = stage_rollback.prod_answer(workshop)
last_good

# %% [markdown]
# ### A release that fails its health check
#
# Now a "hotfix" committed straight to `prod`, skipping Dev and QA: `app.js` refuses to start unless a setting
# `PAYMENTS_URL` is there, and Prod's task definition has no such setting. The unit tests only import the app,
# so the build passes; in Prod every new task exits at once, never passes the load balancer's health check,
# and the circuit breaker fails the ECS deployment. The Deploy stage fails, and its `onFailure` condition
# starts the rollback.
#
# The rollback runs the **whole** Deploy stage again, approvals included: if Deploy has the SignOff approval
# of notebook 04, approve it once more to let the last good release through.

# %%
before = stage_rollback.newest_prod_execution(workshop)
stage_rollback.ship_failing_release(workshop)

# %%
stage_rollback.follow_prod(workshop, before, auto_continue)

# %% [markdown]
# ### What happened
#
# `list_pipeline_executions` shows the failed release (`STANDARD`) and, after it, the rollback: its
# `executionType` is `ROLLBACK`, its `rollbackMetadata.rollbackTargetPipelineExecutionId` the good run, its
# trigger `AutomatedRollback`, and its commit the good release's.

# %%
stage_rollback.executions(workshop)

# %%
deploy = next(s for s in codepipeline.get_pipeline_state(name=prod)["stageStates"] if s["stageName"] == "Deploy")
deploy["latestExecution"]

# %% [markdown]
# Prod still serves the last good release:

# %%
{"before the failing release": last_good, "now": stage_rollback.prod_answer(workshop)}

# %% [markdown]
# ### Roll back by hand
#
# `rollback_stage` does the same on request, to any earlier execution that succeeded in the stage in this
# version of the pipeline: here the good run from above. (It refuses a source stage, a rollback execution as
# the target, and a target from an earlier version of the pipeline.)

# %%
before = stage_rollback.newest_prod_execution(workshop)
codepipeline.rollback_stage(pipelineName=prod, stageName="Deploy", targetPipelineExecutionId=good_run)

# %%
stage_rollback.follow_prod(workshop, before, auto_continue)

# %%
stage_rollback.executions(workshop, limit=3)

# %% [markdown]
# The `prod` branch still holds the failing commit: a new run of Prod from its head would fail (and roll back)
# again. Fix it forward, or go on to 05, which deletes everything.

# %% [markdown]
# ## 2. ECS blue/green, canary and linear deployments (to come)
#
# **Placeholder: this section is not written yet.** It will switch Prod's ECS service to ECS's own blue/green,
# canary and linear strategies (a second target group, a test listener, a lifecycle hook that pauses for your
# decision) and compare them with the rolling update the workshop uses. Nothing in it runs yet.

# %% [markdown]
# ## Next
#
# Run **05-cleanup** to delete everything (on AWS, this stops the charges). It deletes the pipelines with
# their stage conditions, whatever this module changed.
