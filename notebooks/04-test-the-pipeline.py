# %% [markdown]
# # 04 · Testing the pipeline
#
# The moment the workshop exists for: a change travels **master → Dev**, is promoted **master → qa → QA**, and
# after your **approval** reaches **prod → Prod**. Then the same with `git push`, a build that breaks on purpose,
# a timeline of everything that ran, and what you could change next.
#
# Each step that starts a pipeline gives you a handle, `run`. `run.watch()` follows the run of the commit this
# step made, in a table that updates in place. "Run All Cells" works: the notebook waits at the approval until
# you click Approve or Reject, then goes on by itself.

# %% tags=["parameters"]
prefix = None                            # None: the workshop chosen last in notebook 00
new_message = "Hello from the pipeline"  # what the app will say after your change
git_message = "Hello from git"           # the message of the change pushed with git
auto_approve = False                     # True approves Prod without the buttons (headless runs: papermill, CI)
approval_comment = "Looks good"          # the comment of an automatic approval
clone_folder = None                      # None: a folder under WORKSHOP_HOME
dockerfile_note = "Built by the pipeline"  # what the Dockerfile exercise writes into the image

# %%
from helpers import containers, inventory, pictures, release, setup, timeline

workshop = setup.open_workshop(prefix)
codecommit = workshop.client("codecommit")
codepipeline = workshop.client("codepipeline")
release.environments(workshop)

# %% [markdown]
# ## 1. Change the message and commit it to `master`
#
# `app.js` answers `MESSAGE`. Committing a change to `master` (CodeCommit's `PutFile`, no clone needed) emits a
# CodeCommit event; the Dev pipeline's EventBridge rule matches it and starts the pipeline.

# %%
run = release.change_message(workshop, new_message)
run

# %%
run.watch()

# %%
inventory.show_environments(workshop)

# %% [markdown]
# What runs is a **container** of the image Dev's build pushed. ECS says which: `list_tasks` finds each service's
# running tasks and `describe_tasks` describes them, `docker ps`-like: the task, its task definition's revision
# (each deployment registers a new one), the digest of the image its container runs, when it started, its health
# and status. On the sandbox with a Docker engine (Docker mode) the table adds the engine's own view of each task's
# container (`docker ps`: its id, image and status); in process mode each task is a local process instead.

# %%
containers.running(workshop)

# %% [markdown]
# ## 2. Promote to QA: fast-forward `qa` to `master`
#
# Promoting is one CodeCommit call. A *fast-forward* moves `qa` to the commit `master` points at, the very commit
# Dev has just tested, so QA builds exactly what Dev ran. Moving `qa` starts the QA pipeline. If `qa` had commits
# that `master` lacks, CodeCommit would refuse with `ManualMergeRequiredException`: a fast-forward never merges.
#
# The merge answers with the commit `qa` points at now; every pipeline execution carries the commit it runs, so
# `release.run_of` finds the run of exactly that commit.

# %%
merged = codecommit.merge_branches_by_fast_forward(
    repositoryName=workshop.names.repository,
    sourceCommitSpecifier="master",
    destinationCommitSpecifier="qa",
    targetBranch="qa",
)
run = release.run_of(workshop, "qa", merged["commitId"])  # the run of the commit qa points at now
run

# %%
run.watch()

# %%
inventory.show_environments(workshop)

# %% [markdown]
# ## 3. Promote to Prod, and approve
#
# Prod's pipeline asks for a **manual approval** before it builds. Where a pipeline stands is one call,
# `get_pipeline_state`: for each stage its latest execution, and for each action its status. An approval that
# waits is `InProgress` and carries a `token`, which the decision must quote.

# %%
state = codepipeline.get_pipeline_state(name=workshop.names.pipeline("prod"))
waiting = release.waiting_approval(state)  # the action that waits in `state`, and its token
waiting

# %% [markdown]
# What waits there is Prod's **first run**, started in notebook 03 with the original app. A run holds its stage
# while it waits, so the release you promote next would queue behind it. Reject it with `put_approval_result`
# (a rejection fails that run; nothing is deployed):

# %%
if waiting:
    codepipeline.put_approval_result(
        pipelineName=waiting.pipeline,
        stageName=waiting.stage,
        actionName=waiting.action,
        token=waiting.token,
        result={"status": "Rejected", "summary": "Superseded by the release promoted next"},
    )

# %% [markdown]
# Now promote `qa` to `prod`, the same fast-forward as before, and follow the run until it waits for you:

# %%
merged = codecommit.merge_branches_by_fast_forward(
    repositoryName=workshop.names.repository,
    sourceCommitSpecifier="qa",
    destinationCommitSpecifier="prod",
    targetBranch="prod",
)
run = release.run_of(workshop, "prod", merged["commitId"])  # the run of the commit prod points at now
run

# %%
run.watch(until="approval")

# %% [markdown]
# The Prod pipeline as CodePipeline defines it (`get_pipeline`), coloured by this run (`get_pipeline_state`): the
# Build stage waits at its approval, amber.

# %%
pictures.pipeline(workshop, "prod")

# %% [markdown]
# Approve or reject with the buttons. Each button makes the call you made above, with this run's token:
# `put_approval_result(..., result={"status": "Approved", "summary": <your comment>})`. On AWS the approval
# topic also emailed the address given in notebook 00. The next cell follows Prod as soon as you decide.

# %%
release.approval(workshop, auto_approve, approval_comment)

# %%
run.watch()

# %%
release.environments(workshop)

# %% [markdown]
# ## 4. The git way
#
# Clone the repository and push with git, so you can use your own editor. On the sandbox the clone URL points at
# the sandbox's git endpoint; on AWS it is a `codecommit::` URL served by `git-remote-codecommit`.

# %%
release.clone_url(workshop)

# %%
run = release.push_message_change(workshop, git_message, clone_folder)
run

# %%
run.watch()

# %%
inventory.show_environments(workshop)

# %% [markdown]
# ## 5. Break the build
#
# This commit empties the message, so the unit test *the message is a non-empty greeting* fails in **BuildApp**.
# The pipeline stops at Build, nothing is deployed, and Dev keeps serving the previous version.

# %%
run = release.break_the_build(workshop)
run.watch()

# %%
pictures.pipeline(workshop, "dev")

# %%
inventory.show_environments(workshop)

# %% [markdown]
# Fix it by reverting the commit: the revert starts Dev again and it deploys.

# %%
run = release.revert_last_commit(workshop)
run.watch()

# %%
release.environments(workshop)

# %% [markdown]
# ## 6. Change the Dockerfile
#
# The `Dockerfile` is part of the release too: a change to it goes through the same pipeline. This commit adds three
# lines before its `USER` line: a `LABEL` on the image, an `ENV` variable, and a `RUN` step that writes the variable
# into a file of the image while it builds:
#
# ```dockerfile
# LABEL workshop.note="Built by the pipeline"
# ENV BUILD_NOTE="Built by the pipeline"
# RUN echo "$BUILD_NOTE" > /usr/src/app/build-note.txt
# ```
#
# Dev builds a new image from it and deploys it. The app answers as before: nothing it reads has changed.

# %%
run = release.change_dockerfile(workshop, dockerfile_note)
run.watch()

# %% [markdown]
# Dev now runs the image built from this commit: the digest ECR has for the commit's tag is the digest its tasks
# run, and it differs from the image before it (a new `ENV` is a new image).

# %%
containers.deployed(workshop, "dev", run.commit or "")

# %%
containers.running(workshop, ("dev",))

# %% [markdown]
# How much of the change ran depends on where the image was built. On AWS, and on the sandbox in Docker mode, the
# `RUN` step ran: the file is in the image (in Docker mode, `docker exec <container id> cat
# /usr/src/app/build-note.txt` in a terminal prints it). In the sandbox's process mode (no Docker engine) the
# build's stand-in for `docker` keeps `ENV` (hence the new digest) but **does not execute `RUN` steps** and ignores
# `LABEL`: the build log says "skipped", and the file is not there.
#
# ## 7. Timeline
#
# Every pipeline execution of this workshop: green succeeded, red failed, grey superseded or stopped.

# %%
timeline.timeline(workshop)

# %% [markdown]
# ## 8. Going further
#
# A few changes you could make next, each with the exact calls. The first two run here; the last one is shown,
# and the optional module `advanced/modern-deployments` runs it (on both backends).
#
# A pipeline changed with `update_pipeline` no longer matches the stack of notebook 03: re-running notebook 03
# puts the template's version back (and notebook 05 deletes both the same way).
#
# ### Run a pipeline again without a commit
#
# `start_pipeline_execution` runs the pipeline on the head of its branch: useful after fixing something outside
# the repository (a role, a build project).

# %%
started = codepipeline.start_pipeline_execution(name=workshop.names.pipeline("dev"))
run = release.run_of_execution(workshop, "dev", started["pipelineExecutionId"])  # this run, not the last one
run

# %%
run.watch()

# %% [markdown]
# ### Add a test stage to Dev
#
# A pipeline is a JSON document: read it with `get_pipeline`, change it, write it back with `update_pipeline`.
# This adds a **Test** stage before Deploy that runs the unit-test project again, as a *Test* action.

# %%
dev_pipeline = codepipeline.get_pipeline(name=workshop.names.pipeline("dev"))["pipeline"]
test_stage = {
    "name": "Test",
    "actions": [
        {
            "name": "UnitTests",
            "actionTypeId": {"category": "Test", "owner": "AWS", "provider": "CodeBuild", "version": "1"},
            "configuration": {"ProjectName": workshop.names.nodejs_project},
            "inputArtifacts": [{"name": "SourceArtifact"}],
            "runOrder": 1,
        }
    ],
}
updated = codepipeline.update_pipeline(pipeline=release.with_stage(dev_pipeline, test_stage, before="Deploy"))
[stage["name"] for stage in updated["pipeline"]["stages"]]

# %%
started = codepipeline.start_pipeline_execution(name=workshop.names.pipeline("dev"))
release.run_of_execution(workshop, "dev", started["pipelineExecutionId"]).watch()

# %%
pictures.pipeline(workshop, "dev")

# %% [markdown]
# ### A second approval before Prod deploys
#
# The approval in Build lets the build start; a second one in Deploy, after the image is built, is a last look
# before users see it. It notifies the same topic. The next promotion to `prod` will stop twice.

# %%
prod_pipeline = codepipeline.get_pipeline(name=workshop.names.pipeline("prod"))["pipeline"]
sign_off = {
    "name": "SignOff",
    "actionTypeId": {"category": "Approval", "owner": "AWS", "provider": "Manual", "version": "1"},
    "configuration": {
        "NotificationArn": workshop.state.resources["sns-topic"]["arn"],
        "CustomData": "The image is built: a last look before it reaches production.",
    },
}
codepipeline.update_pipeline(pipeline=release.with_first_action(prod_pipeline, "Deploy", sign_off))
pictures.pipeline(workshop, "prod")

# %% [markdown]
# ### Roll back a failed deployment
#
# Pipelines of type V2 can roll a stage back to its last successful execution, by hand or when the stage
# fails. These calls are shown here; the optional module `notebooks/advanced/modern-deployments.ipynb` (after
# this notebook, before 05) runs them, with a release that fails its health check on purpose:
#
# ```python
# prod_pipeline = codepipeline.get_pipeline(name=workshop.names.pipeline("prod"))["pipeline"]
# for stage in prod_pipeline["stages"]:
#     if stage["name"] == "Deploy":
#         stage["onFailure"] = {"result": "ROLLBACK"}   # roll back by itself when Deploy fails
# codepipeline.update_pipeline(pipeline=prod_pipeline)
#
# # or by hand, to an earlier successful execution of the pipeline:
# codepipeline.rollback_stage(
#     pipelineName=workshop.names.pipeline("prod"),
#     stageName="Deploy",
#     targetPipelineExecutionId="<an earlier Succeeded execution id>",
# )
# ```
#
# The ECS service's deployment circuit breaker (notebook 01) already rolls back a version that never becomes
# healthy; stage rollback also covers a version that deployed but that you no longer want.

# %% [markdown]
# ## Next
#
# Run **05-cleanup** to delete everything (on AWS, this stops the charges).
