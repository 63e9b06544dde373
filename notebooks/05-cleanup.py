# %% [markdown]
# # 05 · Cleanup
#
# Deletes everything this workshop created, in dependency order: services, Auto Scaling groups and capacity
# providers, clusters, task definitions, the load balancer and target groups, security groups, image repositories
# with their images, the bucket with every object version, the pipeline and build-project stacks, the topic, the repository, roles and log groups.
#
# Only resources tagged `workshop:prefix=<your prefix>` are deleted; anything else with a similar name is left
# alone and listed. Running it again is safe. From a terminal: `python -m helpers cleanup --prefix <prefix>`.

# %% tags=["parameters"]
prefix = None  # None: the workshop chosen last in notebook 00

# %%
from helpers import cleanup, setup

workshop = setup.open_workshop(prefix, expect_resources=False)  # it deletes them
workshop.settings

# %%
cleanup.cleanup(workshop)

# %% [markdown]
# ## Verify
#
# Each service is asked, one by one, for anything with this workshop's names (the tagging API misses several
# resource types, so it is not used for this).

# %%
cleanup.leftovers_table(workshop)
