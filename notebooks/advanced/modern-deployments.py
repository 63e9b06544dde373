# %% [markdown]
# # Advanced · Modern deployments to ECS
#
# An optional module for after **04-test-the-pipeline** and before **05-cleanup**: how teams deploy to ECS
# today. It needs the workshop of notebooks 00–04 (the three pipelines, Prod's approval, a release in Prod).
#
# 1. **A Prod stage that rolls itself back**: a CodePipeline V2 *stage condition* on Prod's Deploy stage, shown
#    by a release that fails its health check on purpose.
# 2. **ECS blue/green, canary and linear deployments**: a release reaches Prod's *test* URL first, a lifecycle
#    hook pauses it for your decision (Continue or Roll back), then the same release moves production traffic
#    in a canary step and in linear steps, drawn from what ECS reports.
#
# Everything here runs the same on the sandbox and on AWS. "Run All Cells" works: the cells wait at each of
# Prod's approvals and at the paused deployment for your click (or answer them at once with `auto_continue`).

# %% tags=["parameters"]
prefix = None          # None: the workshop chosen last in notebook 00
auto_continue = False  # True answers every approval and pause at once (headless runs: papermill, CI);
#                        "rollback" does too, but rolls the paused release of section 2 back

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
# ## 2. ECS blue/green, canary and linear deployments
#
# So far Prod deploys with ECS's **rolling update**: new tasks replace old ones behind the same target group, so
# for a while both versions answer production, and nobody can try the new one before customers do. Since 2025 ECS
# shifts traffic itself, with `deploymentConfiguration.strategy`:
#
# - `BLUE_GREEN`: the new revision's (*green*) tasks start in a **second target group**; a **test listener**
#   sends its requests to them while production still goes to the old (*blue*) tasks; then production moves all
#   at once; both run for `bakeTimeInMinutes`, so a rollback is instant, then blue stops.
# - `CANARY`: as blue/green, but production moves a small share first (`canaryPercent`), waits
#   `canaryBakeTimeInMinutes`, then the rest.
# - `LINEAR`: production moves in equal steps (`stepPercent`), waiting `stepBakeTimeInMinutes` after each.
#
# ECS moves traffic by changing the weights of two **listener rules** (a *production* rule on Prod's listener and
# a *test* rule on the test listener), with an **infrastructure role** that lets it. **Lifecycle hooks** run at
# the deployment's stages (`PRE_SCALE_UP` … `POST_PRODUCTION_TRAFFIC_SHIFT`); a hook whose target is `PAUSE`
# stops the deployment there until someone calls `ContinueServiceDeployment` (or its timeout rolls it back).
#
# **On the sandbox, time is scaled**: a minute of bake time (or of a hook's timeout) passes in one second, so a
# deployment that bakes for minutes on AWS takes seconds here. The pictures below show the sandbox's seconds.
#
# ### What blue/green needs
#
# `ensure_blue_green` creates (or checks) each part, tagged and recorded like notebook 01's, so notebook 05
# deletes them: the test listener's port (9000) in the load balancer's security group, Prod's green target group,
# the test listener, the two listener rules (forwarding 100 % to Prod's target group and 0 % to the green one), and
# the role `ecs.amazonaws.com` assumes to change them (its policy: `data/policies/ecs-infrastructure-role.json`).

# %%
from helpers import blue_green, paused_deployment

blue_green.ensure_blue_green(workshop)

# %% [markdown]
# ### Prod switches to blue/green
#
# One `update_service` call: the strategy, a bake time, a `PAUSE` hook at `POST_TEST_TRAFFIC_SHIFT` (the new
# revision serves the test URL, production still the old one), and the load balancer's `advancedConfiguration`:
# the alternate (green) target group, the two rules and the role.

# %%
blue_green.deployment_configuration("BLUE_GREEN")

# %%
blue_green.load_balancers(workshop)

# %%
blue_green.switch_to_blue_green(workshop)

# %% [markdown]
# ### A release reaches the test URL first
#
# A new release committed to `prod` (it also drops section 1's failing start-up check: a fix forward). Prod's
# pipeline builds it, waits for your approval, and its ECS deploy action updates the service, which now deploys
# blue/green: the green tasks start, the test rule moves to them, and the `PAUSE` hook stops the deployment.
#
# The cell then shows both URLs side by side: the **test URL** answers the new release, the **production URL**
# still the old one. Open both, then click **Continue** (production moves to the new release, both bake, blue
# stops) or **Roll back** (the green tasks stop; production never saw the release). "Run All" waits here for your
# click, as at the approval.
#
# A Roll back makes the ECS deploy action fail, and section 1's `onFailure` condition then rolls Prod's Deploy
# stage back: it deploys the last good release again (approvals in Deploy included), through the same blue/green
# steps and the same pause (continue that one: both URLs answer the old release).

# %%
NEW_RELEASE = "Hello from a blue/green release"
blue_green.answers(workshop)

# %%
before = stage_rollback.newest_prod_execution(workshop)
blue_green.ship_release(workshop, NEW_RELEASE)

# %%
paused_deployment.follow_release(workshop, before, auto_continue)

# %% [markdown]
# `list_service_deployments` and `describe_service_deployments` show each deployment: `SUCCESSFUL` after a
# Continue, `ROLLBACK_SUCCESSFUL` after a Roll back (then the pipeline's rollback, `SUCCESSFUL`), with its strategy
# and the lifecycle stage it got to.

# %%
blue_green.service_deployments(workshop)

# %%
blue_green.answers(workshop)  # after Continue: the new release on both; after Roll back: the old one on both

# %% [markdown]
# ### The same release as a canary
#
# Now ECS moves production traffic in two steps: 10 % to the new revision, a canary bake, then the rest, then the
# deployment's bake. `redeploy` registers a new revision of the task definition (a copy of the one serving, as the
# pipeline's deploy action registers) and updates the service with it and the new strategy in one `update_service`.
# Both revisions run the same image, so the answers stay the same: what changes is where the traffic goes.
#
# `follow_traffic` samples `describe_service_deployments` until the deployment ends: each revision's
# `requestedProductionTrafficWeight` and the `lifecycleStage`. The picture is drawn from those samples.

# %%
blue_green.deployment_configuration("CANARY", pause=False)

# %%
canary = blue_green.redeploy(workshop, "CANARY")
canary_samples = blue_green.follow_traffic(workshop, canary)
blue_green.traffic_picture(canary_samples, "CANARY 10 %")

# %% [markdown]
# ### And linearly
#
# `LINEAR` with `stepPercent` 25: four steps of a quarter each, with a step bake between them.

# %%
linear = blue_green.redeploy(workshop, "LINEAR")
linear_samples = blue_green.follow_traffic(workshop, linear)
blue_green.traffic_picture(linear_samples, "LINEAR 25 %")

# %%
blue_green.service_deployments(workshop)

# %% [markdown]
# ### Which one when?
#
# With N tasks serving (N = 1 here) and the bake times above (AWS minutes; sandbox seconds):
#
# | strategy | extra tasks during the deployment | time before production is all new | who sees a bad release | undo |
# |---|---|---|---|---|
# | rolling (notebooks 01–04) | up to N (`maximumPercent` 200) | until the new tasks are healthy | some production users, while both run | the circuit breaker, or a new deployment |
# | blue/green | N for the whole deployment and bake | the pause (human), then one step | nobody until you continue (only the test URL) | instant while baking: traffic goes back to blue |
# | canary 10 % | N, for the canary bake and the bake | canary bake (5 min) | 10 % of production users, for the canary bake | instant: weights back to blue |
# | linear 25 % | N, for every step and the bake | 3 step bakes (9 min) | a growing share, step by step | instant: weights back to blue |
#
# Blue/green, canary and linear cost a second set of tasks for the whole deployment and bake (on Fargate, that
# many more task-hours; on EC2, room for them on the instances), plus a second target group and a test listener.
# They buy a rollback that only moves weights back, and (blue/green) a test before any customer sees the release.

# %% [markdown]
# ## Next
#
# Run **05-cleanup** to delete everything (on AWS, this stops the charges). It deletes the pipelines with
# their stage conditions, and what section 2 added: the green target group, the test listener and the listener
# rules (with the load balancer), and ECS's infrastructure role.
