# %% [markdown]
# # 03 · Pipelines
#
# One stack, three pipelines: **Dev** follows `master`, **QA** follows `qa`, **Prod** follows `prod`. Each one is
#
# **Source** (CodeCommit) → **Build** (BuildApp, then BuildContainer; Prod asks for a **manual approval** first,
# notifying the SNS topic) → **Deploy** (ECS, reading `imagedefinitions.json`).
#
# Each pipeline is started by an EventBridge rule that matches commits on its own branch (the pipelines do not poll).
# CodePipeline also starts every new pipeline once, so you will see the first runs right away.

# %% tags=["parameters"]
prefix = None  # None: the workshop chosen last in notebook 00

# %%
from helpers import containers, excerpts, inventory, pictures, pipelines, setup

workshop = setup.open_workshop(prefix)
TEMPLATE = "data/templates/deployment-pipeline-for-all-env.yaml"

# %% [markdown]
# ## The template
#
# Every pipeline starts with a **Source** action on its own branch. `PollForSourceChanges: false` means the
# pipeline does not check the repository every minute: it waits to be started.

# %%
excerpts.show(TEMPLATE, "- Name: Source", highlight=["Provider: CodeCommit", "BranchName", "PollForSourceChanges"])

# %% [markdown]
# What starts it is an **EventBridge rule** per branch: it matches CodeCommit's event for a change of that one
# branch, and its target is the pipeline, started with a role that may do nothing else.

# %%
excerpts.show(TEMPLATE, "BranchRuleForDevEnv:", highlight=["detail-type", "referenceName", "- !Ref", "Arn:", "RoleArn:"])

# %% [markdown]
# Prod's **Build** stage differs from the others by one action: the manual **Approval** runs first
# (`RunOrder: 1`) and notifies the SNS topic of notebook 01; the two builds wait for it (`RunOrder` 2 and 3).
# `ECR_REPOSITORY_URI` tells the container build which environment's registry to push to.

# %%
excerpts.show(
    TEMPLATE,
    "- Name: Build",
    after="PipelineForProdEnv:",
    highlight=["Name: Approval", "RunOrder", "Provider: Manual", "NotificationArn", "ECR_REPOSITORY_URI"],
)

# %% [markdown]
# ## Deploy the stack

# %%
pipelines.deploy_pipelines(workshop)

# %% [markdown]
# ## Where to look
#
# On AWS these are console links; on the sandbox they are the sandbox's own pipeline pages.

# %%
pipelines.show_links(workshop)

# %% [markdown]
# ## The first runs, live
#
# The table updates in place until Dev and QA have deployed and Prod is waiting for its approval.

# %%
pipelines.watch_first_runs(workshop)

# %% [markdown]
# Each pipeline as CodePipeline describes it (`get_pipeline`), coloured by its latest run (`get_pipeline_state`):
# green succeeded, blue running, amber waiting for an approval.

# %%
pictures.pipelines(workshop)

# %% [markdown]
# ## The images the first runs pushed
#
# Each run's **BuildContainer** action built the `Dockerfile` and pushed the image to its environment's ECR
# repository, tagged with the commit it was built from. ECR's `describe_images` tells what it holds: the tag, the
# image's **digest** (the hash of its manifest: the image's real identity, which a tag is only a name for) and its
# size (its compressed layers, what a pull downloads). Dev's and QA's images come from the same commit; Prod has
# none yet, as its first run waits at the approval.

# %%
containers.images(workshop)

# %% [markdown]
# ## What each environment serves now
#
# Dev and QA answer with the sample app. Prod still serves the placeholder: its first run waits at the approval,
# for the original app. Notebook 04 rejects that run and approves the release you promote there instead.

# %%
inventory.show_environments(workshop)

# %%
pictures.architecture(workshop)
