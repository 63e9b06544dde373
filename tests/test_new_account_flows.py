"""The real-account issue's "done when", on a sandbox that behaves like a new account: the workshop on EC2
in a region without t2.micro, a second run of the same workshop after a cleanup (capacity-provider names
still taken, services drained), and a cleanup that meets a denial."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator

import pytest

from helpers import cleanup, prerequisites, setup
from helpers.core.environments import ENVIRONMENTS
from helpers.inventory import environment_urls
from localaws import api as localaws_api
from tests.helpers_for_tests import sandbox_client, unique
from tests.workshop_runs import plain_text, run_notebook

# It changes its worker's sandbox (account settings, faults): xdist's --dist loadfile keeps this file on one worker
# with a sandbox of its own, and its fixtures put the settings back for the files that run there after it.


@pytest.fixture
def account() -> Iterator[None]:
    """Each test may change the sandbox's account settings or inject faults; both are undone afterwards."""
    yield
    localaws_api.clear_faults()
    localaws_api.reset_account()


def answers(prefix: str) -> dict[str, str]:
    result = {}
    for env, url in environment_urls(setup.open_workshop(prefix)).items():
        with urllib.request.urlopen(url, timeout=5) as response:
            result[env] = response.read().decode()
    return result


def problems(prefix: str) -> list[cleanup.CleanupRow]:
    return [r for r in cleanup.leftovers(setup.open_workshop(prefix, expect_resources=False)) if r.is_problem]


def helpers_cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "helpers", *arguments], capture_output=True, text=True, timeout=600)


# -- (a) EC2 in a region whose offerings lack t2.micro ------------------------------------------------
@pytest.mark.slow  # the whole workshop, notebooks 00 -> 05
def test_the_workshop_on_ec2_in_a_region_without_t2_micro(account, tmp_path):
    region = "eu-north-1"
    ec2 = sandbox_client("ec2", region)
    offered = {
        o["InstanceType"]
        for o in ec2.describe_instance_type_offerings(
            LocationType="availability-zone", Filters=[{"Name": "instance-type", "Values": ["t2.micro", "t3.micro"]}]
        )["InstanceTypeOfferings"]
    }
    assert offered == {"t3.micro"}  # moto's offerings for eu-north-1, which the sandbox enforces
    localaws_api.configure_account({"instance_type_offerings": True})

    prefix = unique("tnx")
    run_notebook("00-setup.ipynb", tmp_path, prefix=prefix, region=region, launch_type="EC2")
    run_notebook("01-prerequisites.ipynb", tmp_path, prefix=prefix)
    workshop = setup.open_workshop(prefix)
    assert workshop.settings.instance_type is None  # the default: the first type the region offers
    groups = sandbox_client("autoscaling", region).describe_auto_scaling_groups(
        AutoScalingGroupNames=[workshop.state.resources[f"auto-scaling-group/{env}"]["name"] for env in ENVIRONMENTS]
    )["AutoScalingGroups"]
    assert len(groups) == 3
    for group in groups:
        assert group["Instances"], f"{group['AutoScalingGroupName']} launched nothing"
        assert {i["InstanceType"] for i in group["Instances"]} == {"t3.micro"}
    placeholder = {env: f"Placeholder for {env}: waiting for the first pipeline run" for env in ENVIRONMENTS}
    assert answers(prefix) == placeholder

    run_notebook("02-build-projects.ipynb", tmp_path, prefix=prefix)
    pipelines = plain_text(run_notebook("03-pipelines.ipynb", tmp_path, prefix=prefix))
    assert "Dev ✅ Succeeded" in pipelines and "QA ✅ Succeeded" in pipelines
    assert answers(prefix) == {"dev": "Hello world", "qa": "Hello world", "prod": placeholder["prod"]}
    run_notebook(
        "04-test-the-pipeline.ipynb",
        tmp_path,
        prefix=prefix,
        auto_approve=True,
        new_message="Hello from the north",
        git_message="Hello from git",
    )
    assert answers(prefix)["prod"] == "Hello from the north"

    run_notebook("05-cleanup.ipynb", tmp_path, prefix=prefix)
    assert problems(prefix) == []


# -- (b) the same workshop again after a cleanup ------------------------------------------------------
@pytest.mark.slow  # notebooks 00, 01 -> 05 -> 01 -> 05
def test_prerequisites_again_after_a_cleanup_with_the_same_prefix(account, tmp_path):
    """The second notebook 01 meets the first run's capacity-provider names, still taken (INACTIVE), and
    services that had to drain; a new suffix and the cleanup's waits let it succeed."""
    localaws_api.configure_account({"capacity_provider_retention_seconds": 3600, "service_draining_seconds": 3})
    prefix = unique("again")
    ecs = sandbox_client("ecs")
    run_notebook("00-setup.ipynb", tmp_path, prefix=prefix, launch_type="EC2")

    def prerequisites_then_cleanup() -> dict[str, str]:
        run_notebook("01-prerequisites.ipynb", tmp_path, prefix=prefix)
        workshop = setup.open_workshop(prefix)
        names = {env: workshop.state.resources[f"capacity-provider/{env}"]["name"] for env in ENVIRONMENTS}
        for env in ENVIRONMENTS:
            cluster, service = workshop.names.cluster(env), workshop.names.service(env)
            found = ecs.describe_services(cluster=cluster, services=[service])["services"]
            assert [(s["status"], s["runningCount"]) for s in found] == [("ACTIVE", 1)], (env, found)
        assert answers(prefix) == {
            env: f"Placeholder for {env}: waiting for the first pipeline run" for env in ENVIRONMENTS
        }
        run_notebook("05-cleanup.ipynb", tmp_path, prefix=prefix)
        assert problems(prefix) == []
        return names

    first = prerequisites_then_cleanup()
    retained = ecs.describe_capacity_providers(capacityProviders=list(first.values()))["capacityProviders"]
    assert {p["name"]: p["status"] for p in retained} == dict.fromkeys(first.values(), "INACTIVE")
    second = prerequisites_then_cleanup()
    assert set(second.values()).isdisjoint(first.values())


# -- (c) a cleanup that cannot see the load balancers --------------------------------------------------
@pytest.mark.slow  # a workshop of its own (notebook 01), cleaned up twice
def test_a_cleanup_denied_a_look_at_the_load_balancers_reports_it_then_finishes(account):
    prefix = unique("deny")
    setup.configure(prefix=prefix)
    workshop = setup.open_workshop(prefix)
    prerequisites.ensure_all(workshop)
    balancer = workshop.names.load_balancer
    elbv2 = sandbox_client("elbv2")
    assert elbv2.describe_load_balancers(Names=[balancer])["LoadBalancers"]

    added = helpers_cli("sandbox", "fault", "add", "elbv2", "DescribeLoadBalancers", "AccessDenied")
    assert added.returncode == 0, added.stderr
    denied = helpers_cli("cleanup", "--prefix", prefix, "--json")
    assert denied.returncode != 0
    report = json.loads(denied.stdout)
    assert report["ok"] is False
    unseen = [r for r in report["rows"] if r["kind"] == "load balancers"]
    assert [(r["outcome"], r["detail"].split(":")[0]) for r in unseen] == [("could not check", "AccessDenied")]
    assert ("load balancers", "could not check") in {(r["kind"], r["outcome"]) for r in report["leftovers"]}
    # Everything the denial does not hide is deleted; what the load balancer still uses (its target
    # groups, its security group, the VPC) cannot be, and is reported, not taken for gone.
    uses_the_balancer = {"target group", "security group", "VPC"}
    others = [r for r in report["rows"] if r["kind"] != "load balancers" and r["kind"] not in uses_the_balancer]
    assert others and all(r["outcome"] == "deleted" for r in others), [r for r in others if r["outcome"] != "deleted"]
    assert {"ECS service", "ECS cluster", "IAM role", "ECR repository"} <= {r["kind"] for r in others}
    # the target groups stay in use by the unseen balancer's listeners: said at once, with AWS's refusal
    held = [(r["outcome"], r["detail"].split(":")[0]) for r in report["rows"] if r["kind"] == "target group"]
    assert held == [("failed", "ResourceInUse")] * 3, held
    assert helpers_cli("sandbox", "fault", "clear").returncode == 0
    assert elbv2.describe_load_balancers(Names=[balancer])["LoadBalancers"]  # it could not see it: left alone

    second = cleanup.cleanup(setup.open_workshop(prefix, expect_resources=False), progress=False)
    assert second.ok, [r for r in second.rows + second.leftovers if r.is_problem]
    assert ("load balancer", balancer, "deleted") in {(r.kind, r.name, r.outcome) for r in second.rows}
    with pytest.raises(elbv2.exceptions.LoadBalancerNotFoundException):
        elbv2.describe_load_balancers(Names=[balancer])
