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
from helpers import inventory, pipelines, setup

workshop = setup.open_workshop(prefix)

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
# The table updates in place until Dev and QA have deployed and Prod is waiting for its approval (notebook 04
# approves it).

# %%
pipelines.watch_first_runs(workshop)

# %% [markdown]
# ## What each environment serves now
#
# Dev and QA answer with the sample app; Prod still serves the placeholder until its approval.

# %%
inventory.show_environments(workshop)
