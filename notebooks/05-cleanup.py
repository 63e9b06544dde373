# %% [markdown]
# # 05 · Cleanup
#
# Deletes everything this workshop created, in an order where nothing is deleted while something else still uses
# it: first the CloudFormation stacks (and with them the CodePipeline pipelines, EventBridge rules and CodeBuild
# projects they define), then the ECS services, Auto Scaling groups, EC2 instances, ECS capacity providers, ECS
# clusters, ECS task definitions and launch templates, then the listener rules (of the advanced module), load
# balancers, target groups, security groups and VPCs, then the ECR repositories with their images, the S3 buckets
# with every object version, the SNS topics, the CodeCommit repositories, the IAM roles and IAM instance profiles,
# and last the log groups and build log groups. When nothing is left, the working copy notebook 04 cloned on this
# machine goes too.
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
