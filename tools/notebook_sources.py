"""The source of every workshop notebook. Edit here, then run ``python tools/notebook_sources.py``."""

from __future__ import annotations

from pathlib import Path

from new_notebook import write_notebook

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

SETUP = [
    ("md", """
# 00 · Setup

This workshop builds a **continuous-deployment pipeline for a containerised Node.js app on Amazon ECS**:

* **CodeCommit** holds the app, with one branch per environment: `master` → Dev, `qa` → QA, `prod` → Prod.
* A commit to a branch starts that environment's **CodePipeline**.
* **CodeBuild** runs the unit tests, then builds a container image and pushes it to **ECR**.
* Production waits for a **manual approval** (an SNS notification) before it builds.
* **ECS** (Fargate or EC2) rolls out the new image behind a load balancer.

Everything runs on one of two backends with the same code:

| backend | what it is | cost |
|---|---|---|
| `sandbox` (default) | a local AWS endpoint on 127.0.0.1 (moto plus the kit's extensions), offline | free |
| `aws` | your own AWS account and credentials | real resources: run `05-cleanup` when done |
"""),
    ("code", """
from helpers import preflight, setup, ui

ui.architecture()
"""),
    ("md", """
## Choose your settings

The next cell holds the notebook's **parameters**. `None` keeps what was saved before (or the default), so
re-running this notebook never undoes a choice you made with the widgets below. In a shared account, give
every participant their own `prefix` (for example `ecs-cd-` plus initials): every resource name starts with it.
"""),
    ("parameters", """
prefix = "ecs-cd"       # names every resource: 2-20 lowercase letters, digits and hyphens
backend = None          # "sandbox" (offline, the default) or "aws" (your credentials, real resources)
region = None           # e.g. "us-east-1"; only regions with every service the pipeline needs are allowed
launch_type = None      # "FARGATE" (the default) or "EC2"
instance_type = None    # EC2 only; "t2.micro" by default
approval_email = None   # optional: who receives the Prod approval email
profile = None          # aws backend only: a named AWS profile instead of the default credentials
"""),
    ("code", """
state = setup.configure(
    prefix=prefix, backend=backend, region=region, launch_type=launch_type,
    instance_type=instance_type, approval_email=approval_email, profile=profile,
)
state.settings
"""),
    ("md", """
## Change them with widgets

Each change is checked and saved to the workshop's state file at once; an invalid value is refused with a
message that says why. Later notebooks read the state file, so they need no parameters of their own.
"""),
    ("code", """
ui.settings_panel(state)
"""),
    ("md", """
## Preflight

One row per thing that must be right before notebook 01 creates anything. A red row says what to do next;
fix it and re-run this cell.
"""),
    ("code", """
preflight.show_preflight(setup.load())
"""),
    ("md", """
## Next

Open **01-prerequisites** to create the roles, repository, bucket, topic, registries, load balancer,
clusters and services the pipelines deploy to.
"""),
]

OPEN_WORKSHOP = [
    ("parameters", """
prefix = None  # None: the workshop chosen last in notebook 00
"""),
]

PREREQUISITES = [
    ("md", """
# 01 · Prerequisites

The pipelines of notebook 03 deploy into infrastructure that must exist first. The original workshop left all
of it to console clicks and copy-pasted IAM JSON; here each step is one idempotent call: it gets, creates or
updates, records what it made in the workshop's state file, and shows a table. Re-run any cell at will.
"""),
    *OPEN_WORKSHOP,
    ("code", """
from helpers import inventory, prerequisites, setup

workshop = setup.open_workshop(prefix)
workshop.settings
"""),
    ("md", """
## 1. IAM roles

Five roles, each trusted by one AWS service and allowed only what that service must do *to this workshop's
resources* (see `data/policies/`; compare the original's `ec2:*`, `s3:*`, `ecs:*` grants):

| role | used by | for |
|---|---|---|
| CodePipeline service role | the three pipelines | read the source, run the builds, deploy to ECS, notify the approval topic |
| CodeBuild service role | the two build projects | write build logs, use pipeline artifacts, push images to the three repositories |
| EventBridge role | the branch rules | start the pipeline of the branch that changed |
| ECS task execution role | ECS | pull the image, write container logs |
| ECS instance role (EC2 only) | the container instances | join the workshop's clusters |
"""),
    ("code", """
prerequisites.ensure_roles(workshop)
"""),
    ("md", """
## 2. Source repository

A CodeCommit repository with the sample app (`data/sample-app`) committed to `master` through the API (no git
credentials needed), then `qa` and `prod` branched from it. Each branch feeds one environment's pipeline.
An existing `master` is never overwritten.
"""),
    ("code", """
prerequisites.ensure_source_repository(workshop)
"""),
    ("md", """
## 3. Artifact bucket

CodePipeline passes the source, the build output and `imagedefinitions.json` between stages through S3. The
bucket is versioned, encrypted, blocks all public access and refuses requests that are not over TLS.
"""),
    ("code", """
prerequisites.ensure_artifact_bucket(workshop)
"""),
    ("md", """
## 4. Approval topic

Production waits for a manual approval; the approval action notifies this SNS topic. If you gave an email in
notebook 00, AWS sends a confirmation mail first: confirm it to receive approval requests.
"""),
    ("code", """
prerequisites.ensure_approval_topic(workshop)
"""),
    ("md", """
## 5. Image repositories

One ECR repository per environment. Images are scanned on push; lifecycle policies keep the last 5 images of
Dev and QA and 100 of Prod.
"""),
    ("code", """
prerequisites.ensure_image_repositories(workshop)
"""),
    ("md", """
## 6. Network and load balancer

The default VPC's public subnets are used when the account has one (a VPC per participant would hit the VPC
quota in a shared account); otherwise a small VPC is created. One Application Load Balancer serves all three
environments, each on its own listener port (Dev 8080, QA 8081, Prod 80), so each keeps a stable URL across
deployments. Health checks run every 10 s on `/`, and deregistration takes 5 s instead of 300.
"""),
    ("code", """
prerequisites.ensure_network(workshop)
"""),
    ("md", """
## 7. ECS clusters

With **Fargate**, a cluster is only a name plus the Fargate capacity providers. With **EC2**, each cluster also
gets a launch template (the current ECS-optimized AMI from AWS's public SSM parameter), an Auto Scaling group
and a capacity provider that scales it.
"""),
    ("code", """
prerequisites.ensure_clusters(workshop)
"""),
    ("md", """
## 8. ECS services

One service per environment, behind its listener. It starts from a *placeholder* task definition (a one-line
Node.js server) so each URL answers before the first pipeline run; the pipelines later register new revisions
with the built image. The deployment circuit breaker rolls back a version that never becomes healthy.
"""),
    ("code", """
prerequisites.ensure_services(workshop)
"""),
    ("md", """
## 9. Summary

Everything this workshop created so far, and what each environment's URL answers now.
"""),
    ("code", """
inventory.show_resources(workshop)
"""),
    ("code", """
inventory.show_environments(workshop)
"""),
    ("md", """
## Next

Open **02-build-projects**. The same summary is available from a terminal:
`python -m helpers status --prefix <prefix>` (add `--json` for scripts).
"""),
]

BUILD_PROJECTS = [
    ("md", """
# 02 · Build projects

Every pipeline's Build stage runs two CodeBuild projects, shared by the three pipelines:

1. **build-nodejs** runs `buildspec_nodejs.yml`: `npm test`, then it writes the short commit id to
   `source_version` and passes the whole source on.
2. **build-container-image** runs `buildspec_containerImage.yml`: it logs in to ECR
   (`aws ecr get-login-password | docker login`), builds the image, tags it with the short commit id, pushes it,
   and writes `imagedefinitions.json` for the ECS deploy action. Docker builds need *privileged mode*.
   `CONTAINER_NAME` and `ECR_REPOSITORY_URI` are placeholders: each pipeline's action overrides them with its own
   environment's values.

Each project is a CloudFormation stack (`data/templates/`). The stacks are deployed through *change sets*, so a
re-run with nothing changed says so and changes nothing.
"""),
    *OPEN_WORKSHOP,
    ("code", """
from helpers import build_projects, setup

workshop = setup.open_workshop(prefix)
"""),
    ("code", """
build_projects.deploy_nodejs_project(workshop)
"""),
    ("code", """
build_projects.deploy_container_image_project(workshop)
"""),
    ("md", """
Run either cell again: the result says `no changes`.
"""),
]

PIPELINES = [
    ("md", """
# 03 · Pipelines

One stack, three pipelines: **Dev** follows `master`, **QA** follows `qa`, **Prod** follows `prod`. Each one is

**Source** (CodeCommit) → **Build** (BuildApp, then BuildContainer; Prod asks for a **manual approval** first,
notifying the SNS topic) → **Deploy** (ECS, reading `imagedefinitions.json`).

Each pipeline is started by an EventBridge rule that matches commits on its own branch (the pipelines do not poll).
CodePipeline also starts every new pipeline once, so you will see the first runs right away.
"""),
    *OPEN_WORKSHOP,
    ("code", """
from helpers import inventory, pipelines, setup

workshop = setup.open_workshop(prefix)
"""),
    ("code", """
pipelines.deploy_pipelines(workshop)
"""),
    ("md", """
## Where to look

On AWS these are console links; on the sandbox they are the sandbox's own pipeline pages.
"""),
    ("code", """
pipelines.show_links(workshop)
"""),
    ("md", """
## The first runs, live

The table updates in place until Dev and QA have deployed and Prod is waiting for its approval (notebook 04
approves it).
"""),
    ("code", """
pipelines.watch_first_runs(workshop)
"""),
    ("md", """
## What each environment serves now

Dev and QA answer with the sample app; Prod still serves the placeholder until its approval.
"""),
    ("code", """
inventory.show_environments(workshop)
"""),
]

TEST_THE_PIPELINE = [
    ("md", """
# 04 · Testing the pipeline

The moment the workshop exists for: a change travels **master → Dev**, is promoted **master → qa → QA**, and
after your **approval** reaches **prod → Prod**. Then the same with `git push`, a build that breaks on purpose,
and a timeline of everything that ran.
"""),
    ("parameters", """
prefix = None                            # None: the workshop chosen last in notebook 00
new_message = "Hello from the pipeline"  # what the app will say after your change
git_message = "Hello from git"           # the message of the change pushed with git
auto_approve = False                     # True approves Prod without the buttons (CI sets it)
approval_comment = "Looks good"
clone_folder = None                      # None: a folder under WORKSHOP_HOME
"""),
    ("code", """
from helpers import inventory, release, setup, timeline

workshop = setup.open_workshop(prefix)
release.environments(workshop)
"""),
    ("md", """
## 1. Change the message and commit it to `master`

`app.js` answers `MESSAGE`. Committing a change to `master` emits a CodeCommit event; the Dev pipeline's EventBridge
rule matches it and starts the pipeline.
"""),
    ("code", """
after = release.snapshot(workshop)
release.change_message(workshop, new_message)
"""),
    ("code", """
release.watch_environment(workshop, "dev", after)
"""),
    ("code", """
inventory.show_environments(workshop)
"""),
    ("md", """
## 2. Promote to QA: merge `master` into `qa`

A fast-forward merge moves `qa` to the commit Dev runs, which starts the QA pipeline.
"""),
    ("code", """
after = release.snapshot(workshop)
release.promote(workshop, "master", "qa")
"""),
    ("code", """
release.watch_environment(workshop, "qa", after)
"""),
    ("code", """
inventory.show_environments(workshop)
"""),
    ("md", """
## 3. Promote to Prod, and approve

Merging `qa` into `prod` starts the Prod pipeline, which stops at its **manual approval** and notifies the SNS
topic. Approve (or reject) with the buttons; with `auto_approve = True` the notebook approves by itself.

Prod's first run, from notebook 03, may still be waiting for an approval of the original version. A run holds
its stage while it waits, so the new release would queue behind it: reject that stale approval first.
"""),
    ("code", """
release.clear_pending_approval(workshop, "Superseded by the release promoted next")
"""),
    ("code", """
after = release.snapshot(workshop)
release.promote(workshop, "qa", "prod")
"""),
    ("code", """
release.watch_environment(workshop, "prod", after, stop_at_approval=True)
"""),
    ("code", """
release.approval(workshop, auto_approve, approval_comment)
"""),
    ("md", """
After you approve, Prod builds and deploys the same commit. (Run the next cell after clicking a button.)
"""),
    ("code", """
release.watch_environment(workshop, "prod", after)
"""),
    ("code", """
release.environments(workshop)
"""),
    ("md", """
## 4. The git way

Clone the repository and push with git, so you can use your own editor. On the sandbox the clone URL points at
the sandbox's git endpoint; on AWS it is a `codecommit::` URL served by `git-remote-codecommit`.
"""),
    ("code", """
release.clone_url(workshop)
"""),
    ("code", """
after = release.snapshot(workshop)
release.push_message_change(workshop, git_message, clone_folder)
"""),
    ("code", """
release.watch_environment(workshop, "dev", after)
"""),
    ("code", """
inventory.show_environments(workshop)
"""),
    ("md", """
## 5. Break the build

This commit empties the message, so the unit test *the message is a non-empty greeting* fails in **BuildApp**.
The pipeline stops at Build, nothing is deployed, and Dev keeps serving the previous version.
"""),
    ("code", """
after = release.snapshot(workshop)
release.break_the_build(workshop)
"""),
    ("code", """
release.watch_environment(workshop, "dev", after)
"""),
    ("code", """
inventory.show_environments(workshop)
"""),
    ("md", """
Fix it by reverting the commit: the revert starts Dev again and it deploys.
"""),
    ("code", """
after = release.snapshot(workshop)
release.revert_last_commit(workshop)
"""),
    ("code", """
release.watch_environment(workshop, "dev", after)
"""),
    ("code", """
release.environments(workshop)
"""),
    ("md", """
## 6. Timeline

Every pipeline execution of this workshop: green succeeded, red failed.
"""),
    ("code", """
timeline.timeline(workshop)
"""),
    ("md", """
## Next

Run **05-cleanup** to delete everything (on AWS, this stops the charges).
"""),
]

CLEANUP = [
    ("md", """
# 05 · Cleanup

Deletes everything this workshop created, in dependency order: services, Auto Scaling groups and capacity
providers, clusters, task definitions, the load balancer and target groups, security groups, image repositories
with their images, the bucket with every object version, the pipeline and build-project stacks, the topic, the repository, roles and log groups.

Only resources tagged `workshop:prefix=<your prefix>` are deleted; anything else with a similar name is left
alone and listed. Running it again is safe. From a terminal: `python -m helpers cleanup --prefix <prefix>`.
"""),
    *OPEN_WORKSHOP,
    ("code", """
from helpers import cleanup, setup

workshop = setup.open_workshop(prefix)
workshop.settings
"""),
    ("code", """
cleanup.cleanup(workshop)
"""),
    ("md", """
## Verify

Each service is asked, one by one, for anything with this workshop's names (the tagging API misses several
resource types, so it is not used for this).
"""),
    ("code", """
cleanup.leftovers_table(workshop)
"""),
]

if __name__ == "__main__":
    write_notebook(NOTEBOOKS / "00-setup.ipynb", SETUP)
    write_notebook(NOTEBOOKS / "01-prerequisites.ipynb", PREREQUISITES)
    write_notebook(NOTEBOOKS / "02-build-projects.ipynb", BUILD_PROJECTS)
    write_notebook(NOTEBOOKS / "03-pipelines.ipynb", PIPELINES)
    write_notebook(NOTEBOOKS / "04-test-the-pipeline.ipynb", TEST_THE_PIPELINE)
    write_notebook(NOTEBOOKS / "05-cleanup.ipynb", CLEANUP)
