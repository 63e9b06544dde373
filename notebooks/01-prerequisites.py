# %% [markdown]
# # 01 · Prerequisites
#
# The pipelines of notebook 03 deploy into infrastructure that must exist first: who may do what (IAM roles),
# where the code lives (CodeCommit), where the pipelines pass files along (S3), who is asked for the Prod approval
# (SNS), where images are stored (ECR), and where the app runs (a load balancer, ECS clusters and services).
#
# Each cell below makes one part. It looks first and creates or updates only what is missing or different, writes
# down what it made in your workshop's state file (so notebook 05 can delete it), and shows a table. You can run
# any cell again at any time: a second run changes nothing.

# %% tags=["parameters"]
prefix = None  # None: the workshop chosen last in notebook 00

# %%
from helpers import excerpts, inventory, prerequisites, setup

workshop = setup.open_workshop(prefix, expect_resources=False)  # it (re)creates them
workshop.settings

# %% [markdown]
# ## 1. IAM roles
#
# Five roles, each trusted by one AWS service and allowed only what that service must do *to this workshop's
# resources* (the policies are in `data/policies/`):
#
# | role | used by | for |
# |---|---|---|
# | CodePipeline service role | the three pipelines | read the source, run the builds, deploy to ECS, notify the approval topic |
# | CodeBuild service role | the two build projects | write build logs, use pipeline artifacts, push images to the three repositories |
# | EventBridge role | the branch rules | start the pipeline of the branch that changed |
# | ECS task execution role | ECS | pull the image, write container logs |
# | ECS instance role (EC2 only) | the container instances | join the workshop's clusters |

# %% [markdown]
# Here is the CodeBuild role's policy. Every statement names the actions it needs and the exact resources: this
# workshop's build logs, its artifact bucket, its three image repositories. The one `"Resource": "*"` is for
# `ecr:GetAuthorizationToken`, the registry login, which AWS does not let you limit to a resource. `${Prefix}` and
# the other placeholders are filled with your names when the role is created.

# %%
excerpts.show(
    "data/policies/codebuild-service-role.json",
    highlight=['"Resource": "*"', "ecr:GetAuthorizationToken", "ecr:PutImage", ":repository/", "/aws/codebuild/"],
)

# %%
prerequisites.ensure_roles(workshop)

# %% [markdown]
# ## 2. Source repository
#
# A CodeCommit repository with the sample app (`data/sample-app`) committed to `master` through the API (no git
# credentials needed), then `qa` and `prod` branched from it. Each branch feeds one environment's pipeline.
# An existing `master` is never overwritten.

# %%
prerequisites.ensure_source_repository(workshop)

# %% [markdown]
# ## 3. Artifact bucket
#
# CodePipeline passes the source, the build output and `imagedefinitions.json` between stages through S3. The
# bucket is versioned, encrypted, blocks all public access and refuses requests that are not over TLS.

# %%
prerequisites.ensure_artifact_bucket(workshop)

# %% [markdown]
# ## 4. Approval topic
#
# Production waits for a manual approval; the approval action notifies this SNS topic. If you gave an email in
# notebook 00, AWS sends a confirmation mail first: confirm it to receive approval requests.

# %%
prerequisites.ensure_approval_topic(workshop)

# %% [markdown]
# ## 5. Image repositories
#
# One ECR repository per environment. Images are scanned on push; lifecycle policies keep the last 5 images of
# Dev and QA and 100 of Prod.

# %%
prerequisites.ensure_image_repositories(workshop)

# %% [markdown]
# ## 6. Network and load balancer
#
# The default VPC's public subnets are used when the account has one (a VPC per participant would hit the VPC
# quota in a shared account); otherwise a small VPC is created. One Application Load Balancer serves all three
# environments, each on its own listener port (Dev 8080, QA 8081, Prod 80), so each keeps a stable URL across
# deployments. Health checks run every 10 s on `/`, and deregistration takes 5 s instead of 300.

# %%
prerequisites.ensure_network(workshop)

# %% [markdown]
# ## 7. ECS clusters
#
# With **Fargate**, a cluster is only a name plus the Fargate capacity providers. With **EC2**, each cluster also
# gets a launch template (the current ECS-optimized AMI from AWS's public SSM parameter), an Auto Scaling group
# and a capacity provider that scales it.

# %%
prerequisites.ensure_clusters(workshop)

# %% [markdown]
# ## 8. ECS services
#
# One service per environment, behind its listener. It starts from a *placeholder* task definition (a one-line
# Node.js server) so each URL answers before the first pipeline run; the pipelines later register new revisions
# with the built image. The deployment circuit breaker rolls back a version that never becomes healthy.

# %%
prerequisites.ensure_services(workshop)

# %% [markdown]
# ## 9. Summary
#
# Everything this workshop created so far, and what each environment's URL answers now.

# %%
inventory.show_resources(workshop)

# %%
inventory.show_environments(workshop)

# %% [markdown]
# ## Next
#
# Open **02-build-projects**. The same summary is available from a terminal:
# `python -m helpers status --prefix <prefix>` (add `--json` for scripts).
