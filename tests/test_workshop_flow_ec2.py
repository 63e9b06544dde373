"""The whole workshop on EC2, as a new account meets it: in a region whose offerings lack t2.micro (the kit
picks the first type the region offers), then notebook 01 again with the same prefix after the cleanup, which
meets the first run's capacity-provider names still taken (INACTIVE) and services that had to drain.

One workshop for what were three flows (the whole EC2 workshop, the region without t2.micro, and 01 again after
a cleanup): each of them was a workshop of its own (issue 26).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from helpers import cleanup, setup
from helpers.core.environments import ENVIRONMENTS
from localaws import api as localaws_api
from tests.helpers_for_tests import sandbox_client
from tests.test_workshop_flow import answers, whole_workshop
from tests.workshop_runs import run_notebook

pytestmark = pytest.mark.slow  # the whole workshop, notebooks 00 -> 05, then 01 -> 05 again

REGION = "eu-north-1"
PLACEHOLDER = {env: f"Placeholder for {env}: waiting for the first pipeline run" for env in ENVIRONMENTS}


@pytest.fixture
def new_account() -> Iterator[None]:
    """Deleted capacity providers keep their names for an hour, as AWS's do (the default keeps them a minute, so
    that a worker's later tests are not slowed); put back afterwards for the files that run after this one."""
    localaws_api.configure_account({"capacity_provider_retention_seconds": 3600, "instance_type_offerings": True})
    yield
    localaws_api.reset_account()


def test_the_whole_workshop_on_ec2_in_a_region_without_t2_micro_then_01_again(new_account, tmp_path):
    offered = {
        o["InstanceType"]
        for o in sandbox_client("ec2", REGION).describe_instance_type_offerings(
            LocationType="availability-zone", Filters=[{"Name": "instance-type", "Values": ["t2.micro", "t3.micro"]}]
        )["InstanceTypeOfferings"]
    }
    assert offered == {"t3.micro"}  # moto's offerings for eu-north-1, which the sandbox enforces
    first: dict[str, str] = {}

    def after_01(prefix: str) -> None:
        instances_are_t3_micro(prefix)
        first.update(capacity_providers(prefix))

    prefix = whole_workshop(tmp_path, "EC2", region=REGION, after_01=after_01)
    retained = sandbox_client("ecs", REGION).describe_capacity_providers(capacityProviders=list(first.values()))
    assert {p["name"]: p["status"] for p in retained["capacityProviders"]} == dict.fromkeys(first.values(), "INACTIVE")

    run_notebook("01-prerequisites.ipynb", tmp_path, prefix=prefix)
    second = capacity_providers(prefix)
    assert set(second.values()).isdisjoint(first.values())
    workshop = setup.open_workshop(prefix)
    ecs = sandbox_client("ecs", REGION)
    for env in ENVIRONMENTS:
        found = ecs.describe_services(cluster=workshop.names.cluster(env), services=[workshop.names.service(env)])
        assert [(s["status"], s["runningCount"]) for s in found["services"]] == [("ACTIVE", 1)], (env, found)
    assert answers(prefix) == PLACEHOLDER
    run_notebook("05-cleanup.ipynb", tmp_path, prefix=prefix)
    assert [r for r in cleanup.leftovers(setup.open_workshop(prefix, expect_resources=False)) if r.is_problem] == []


def instances_are_t3_micro(prefix: str) -> None:
    workshop = setup.open_workshop(prefix)
    assert workshop.settings.instance_type is None  # the default: the first type the region offers
    groups = sandbox_client("autoscaling", REGION).describe_auto_scaling_groups(
        AutoScalingGroupNames=[workshop.state.resources[f"auto-scaling-group/{env}"]["name"] for env in ENVIRONMENTS]
    )["AutoScalingGroups"]
    assert len(groups) == 3
    for group in groups:
        assert group["Instances"], f"{group['AutoScalingGroupName']} launched nothing"
        assert {i["InstanceType"] for i in group["Instances"]} == {"t3.micro"}


def capacity_providers(prefix: str) -> dict[str, str]:
    """The capacity-provider name each environment's record names."""
    workshop = setup.open_workshop(prefix)
    return {env: workshop.state.resources[f"capacity-provider/{env}"]["name"] for env in ENVIRONMENTS}
