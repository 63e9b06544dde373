# %% [markdown]
# # 00 · Setup
#
# This workshop builds a **continuous-deployment pipeline for a containerised Node.js app on Amazon ECS**:
#
# * **CodeCommit** holds the app, with one branch per environment: `master` → Dev, `qa` → QA, `prod` → Prod.
# * A commit to a branch starts that environment's **CodePipeline**.
# * **CodeBuild** runs the unit tests, then builds a container image and pushes it to **ECR**.
# * Production waits for a **manual approval** (an SNS notification) before it builds.
# * **ECS** (Fargate or EC2) rolls out the new image behind a load balancer.
#
# Everything runs on one of two backends with the same code:
#
# | backend | what it is | cost |
# |---|---|---|
# | `sandbox` (default) | a local AWS endpoint on 127.0.0.1 (moto plus the kit's extensions), offline | free |
# | `aws` | your own AWS account and credentials | real resources: run `05-cleanup` when done |

# %%
from helpers import pictures, preflight, setup, ui

# %% [markdown]
# ## Choose your settings
#
# The next cell holds the notebook's **parameters**. `None` keeps what was saved before (or the default), so
# re-running this notebook never undoes a choice you made with the widgets below. In a shared account, give
# every participant their own `prefix` (for example `ecs-cd-` plus initials): every resource name starts with it.
# On a classroom hub your prefix is already set here: keep it.

# %% tags=["parameters"]
prefix = None                 # names every resource (2-20 lowercase letters, digits, hyphens); None: the last chosen, at first "ecs-cd"
backend = None                # "sandbox" (offline, the default) or "aws" (your credentials, real resources)
region = None                 # e.g. "us-east-1"; only regions with every service the pipeline needs are allowed
launch_type = None            # "FARGATE" (the default) or "EC2"
instance_type = None          # EC2 only; by default the first of t3.micro, t2.micro the region offers
approval_email = None         # optional: who receives the Prod approval email
profile = None                # aws backend only: a named AWS profile instead of the default credentials
stop_at_red_preflight = True  # a red preflight stops the run here; False only reports it (an instructor's report)

# %%
state = setup.configure(
    prefix=prefix, backend=backend, region=region, launch_type=launch_type,
    instance_type=instance_type, approval_email=approval_email, profile=profile,
)
state.settings

# %% [markdown]
# ## What you will build
#
# The same architecture for each environment, with the names your prefix gives each resource. The URLs appear
# once notebook 01 has created the load balancer (re-run this cell then, or see notebook 03).

# %%
pictures.architecture(state)

# %% [markdown]
# ## Change them with widgets
#
# Each change is checked and saved to the workshop's state file at once; an invalid value is refused with a
# message that says why. Later notebooks read the state file, so they need no parameters of their own.

# %%
ui.settings_panel(state)

# %% [markdown]
# ## Preflight
#
# One row per thing that must be right before notebook 01 creates anything. A red row says what to do next;
# fix it and re-run this cell. A red row also stops "Run All" (and an unattended papermill run) here, with one line
# under the table that names the setting to fix, so nothing is created on a setup that cannot work.

# %%
preflight.show_preflight(setup.load(), stop_at_red=stop_at_red_preflight)

# %% [markdown]
# ## Next
#
# Open **01-prerequisites** to create the roles, repository, bucket, topic, registries, load balancer,
# clusters and services the pipelines deploy to.
