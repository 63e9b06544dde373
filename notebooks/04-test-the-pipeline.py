# %% [markdown]
# # 04 · Testing the pipeline
#
# The moment the workshop exists for: a change travels **master → Dev**, is promoted **master → qa → QA**, and
# after your **approval** reaches **prod → Prod**. Then the same with `git push`, a build that breaks on purpose,
# and a timeline of everything that ran.

# %% tags=["parameters"]
prefix = None                            # None: the workshop chosen last in notebook 00
new_message = "Hello from the pipeline"  # what the app will say after your change
git_message = "Hello from git"           # the message of the change pushed with git
auto_approve = False                     # True approves Prod without the buttons (CI sets it)
approval_comment = "Looks good"
clone_folder = None                      # None: a folder under WORKSHOP_HOME

# %%
from helpers import inventory, release, setup, timeline

workshop = setup.open_workshop(prefix)
release.environments(workshop)

# %% [markdown]
# ## 1. Change the message and commit it to `master`
#
# `app.js` answers `MESSAGE`. Committing a change to `master` emits a CodeCommit event; the Dev pipeline's EventBridge
# rule matches it and starts the pipeline.

# %%
after = release.snapshot(workshop)
release.change_message(workshop, new_message)

# %%
release.watch_environment(workshop, "dev", after)

# %%
inventory.show_environments(workshop)

# %% [markdown]
# ## 2. Promote to QA: merge `master` into `qa`
#
# A fast-forward merge moves `qa` to the commit Dev runs, which starts the QA pipeline.

# %%
after = release.snapshot(workshop)
release.promote(workshop, "master", "qa")

# %%
release.watch_environment(workshop, "qa", after)

# %%
inventory.show_environments(workshop)

# %% [markdown]
# ## 3. Promote to Prod, and approve
#
# Merging `qa` into `prod` starts the Prod pipeline, which stops at its **manual approval** and notifies the SNS
# topic. Approve (or reject) with the buttons; with `auto_approve = True` the notebook approves by itself.
#
# Prod's first run, from notebook 03, may still be waiting for an approval of the original version. A run holds
# its stage while it waits, so the new release would queue behind it: reject that stale approval first.

# %%
release.clear_pending_approval(workshop, "Superseded by the release promoted next")

# %%
after = release.snapshot(workshop)
release.promote(workshop, "qa", "prod")

# %%
release.watch_environment(workshop, "prod", after, stop_at_approval=True)

# %%
release.approval(workshop, auto_approve, approval_comment)

# %% [markdown]
# After you approve, Prod builds and deploys the same commit. (Run the next cell after clicking a button.)

# %%
release.watch_environment(workshop, "prod", after)

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
after = release.snapshot(workshop)
release.push_message_change(workshop, git_message, clone_folder)

# %%
release.watch_environment(workshop, "dev", after)

# %%
inventory.show_environments(workshop)

# %% [markdown]
# ## 5. Break the build
#
# This commit empties the message, so the unit test *the message is a non-empty greeting* fails in **BuildApp**.
# The pipeline stops at Build, nothing is deployed, and Dev keeps serving the previous version.

# %%
after = release.snapshot(workshop)
release.break_the_build(workshop)

# %%
release.watch_environment(workshop, "dev", after)

# %%
inventory.show_environments(workshop)

# %% [markdown]
# Fix it by reverting the commit: the revert starts Dev again and it deploys.

# %%
after = release.snapshot(workshop)
release.revert_last_commit(workshop)

# %%
release.watch_environment(workshop, "dev", after)

# %%
release.environments(workshop)

# %% [markdown]
# ## 6. Timeline
#
# Every pipeline execution of this workshop: green succeeded, red failed.

# %%
timeline.timeline(workshop)

# %% [markdown]
# ## Next
#
# Run **05-cleanup** to delete everything (on AWS, this stops the charges).
