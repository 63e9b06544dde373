# %% [markdown]
# # 02 · Build projects
#
# Every pipeline's Build stage runs two CodeBuild projects, shared by the three pipelines:
#
# 1. **build-nodejs** runs `buildspec_nodejs.yml`: `npm test`, then it writes the short commit id to
#    `source_version` and passes the whole source on.
# 2. **build-container-image** runs `buildspec_containerImage.yml`: it logs in to ECR
#    (`aws ecr get-login-password | docker login`), builds the image, tags it with the short commit id, pushes it,
#    and writes `imagedefinitions.json` for the ECS deploy action. Docker builds need *privileged mode*.
#    `CONTAINER_NAME` and `ECR_REPOSITORY_URI` are placeholders: each pipeline's action overrides them with its own
#    environment's values.
#
# Each project is a CloudFormation stack (`data/templates/`). The stacks are deployed through *change sets*, so a
# re-run with nothing changed says so and changes nothing.

# %% tags=["parameters"]
prefix = None  # None: the workshop chosen last in notebook 00

# %%
from helpers import build_projects, setup

workshop = setup.open_workshop(prefix)

# %%
build_projects.deploy_nodejs_project(workshop)

# %%
build_projects.deploy_container_image_project(workshop)

# %% [markdown]
# Run either cell again: the result says `no changes`.
