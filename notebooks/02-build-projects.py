# %% [markdown]
# # 02 · Build projects
#
# Every pipeline's Build stage runs two CodeBuild projects, shared by the three pipelines. Each project runs a
# *buildspec*, a file in the app's repository that lists the commands of each build phase.
#
# Each project is a CloudFormation stack (`data/templates/`). The stacks are deployed through *change sets*, so a
# re-run with nothing changed says so and changes nothing.

# %% tags=["parameters"]
prefix = None  # None: the workshop chosen last in notebook 00

# %%
from helpers import build_projects, excerpts, setup

workshop = setup.open_workshop(prefix)

# %% [markdown]
# ## 1. build-nodejs: the unit tests
#
# `buildspec_nodejs.yml` runs `npm test`: a failing test fails the build, and the pipeline stops before any image
# is built. After the build it writes the short commit id to `source_version`, which will tag the image, and
# passes the whole source on as its output artifact.

# %%
excerpts.show("data/sample-app/buildspec_nodejs.yml", highlight=["npm test", "source_version", "'**/*'"])

# %%
build_projects.deploy_nodejs_project(workshop)

# %% [markdown]
# ## 2. build-container-image: the image
#
# `buildspec_containerImage.yml` logs in to ECR (`aws ecr get-login-password | docker login`), builds the image,
# tags it with the short commit id, pushes it, and writes `imagedefinitions.json`: the container name and image
# URI that the ECS deploy action puts into a new task definition. Docker builds need *privileged mode*.
# `CONTAINER_NAME` and `ECR_REPOSITORY_URI` are placeholders in the project: each pipeline's action overrides them
# with its own environment's values (notebook 03 shows where).

# %%
excerpts.show(
    "data/sample-app/buildspec_containerImage.yml",
    highlight=["docker login", "TAG=", "docker build", "docker push", "imagedefinitions.json"],
)

# %%
build_projects.deploy_container_image_project(workshop)

# %% [markdown]
# Run either deploy cell again: the result says `no changes`.
#
# No image exists yet: the first one is built when the pipelines of notebook 03 run this project. Notebook 03 then
# shows what ECR holds (`describe_images`: each image's tag, digest and size), and notebook 04 the containers that
# run it.
