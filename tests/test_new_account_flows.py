"""The real-account issue's "done when", on a sandbox that behaves like a new account: a cleanup that meets a
denial. The workshop on EC2 in a region without t2.micro and a second notebook 01 after a cleanup (capacity-provider
names still taken, services drained) are one flow in ``test_workshop_flow_ec2.py``."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator

import pytest

from helpers import cleanup, prerequisites, setup
from helpers.inventory import environment_urls
from localaws import api as localaws_api
from tests.helpers_for_tests import sandbox_client, unique

# It changes its worker's sandbox (account settings, faults): xdist's --dist loadgroup keeps this file on one worker
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


# -- (c) a cleanup that cannot see the load balancers --------------------------------------------------
@pytest.mark.slow  # a workshop of its own (notebook 01), cleaned up twice
def test_a_cleanup_denied_a_look_at_the_load_balancers_reports_it_then_finishes(account):
    # IAM's propagation and the services' draining are not this test's subject: no waits for them
    localaws_api.configure_account({"iam_propagation_seconds": 0, "service_draining_seconds": 0})
    prefix = unique("deny")
    setup.configure(prefix=prefix)
    workshop = setup.open_workshop(prefix)
    prerequisites.ensure_all(workshop)
    balancer = workshop.names.load_balancer
    elbv2 = sandbox_client("elbv2")
    assert elbv2.describe_load_balancers(Names=[balancer])["LoadBalancers"]

    # `helpers sandbox fault ...` itself is tests/sandbox/test_faults.py's: here the faults are set in process
    localaws_api.add_fault("elbv2", "DescribeLoadBalancers", "AccessDenied")
    denied = helpers_cli("cleanup", "--prefix", prefix, "--json")
    assert denied.returncode != 0
    report = json.loads(denied.stdout)
    assert report["ok"] is False
    # the listener rules (the advanced module's) are found through the load balancer: hidden by the same denial
    hidden = {"load balancers", "listener rules"}
    unseen = [r for r in report["rows"] if r["kind"] in hidden]
    assert sorted((r["kind"], r["outcome"], r["detail"].split(":")[0]) for r in unseen) == [
        (kind, "could not check", "AccessDenied") for kind in sorted(hidden)
    ]
    assert ("load balancers", "could not check") in {(r["kind"], r["outcome"]) for r in report["leftovers"]}
    # Everything the denial does not hide is deleted; what the load balancer still uses (its target
    # groups, its security group, the VPC) cannot be, and is reported, not taken for gone.
    uses_the_balancer = {"target group", "security group", "VPC"}
    others = [r for r in report["rows"] if r["kind"] not in hidden | uses_the_balancer]
    assert others and all(r["outcome"] == "deleted" for r in others), [r for r in others if r["outcome"] != "deleted"]
    assert {"ECS service", "ECS cluster", "IAM role", "ECR repository"} <= {r["kind"] for r in others}
    # the target groups stay in use by the unseen balancer's listeners: said at once, with AWS's refusal
    held = [(r["outcome"], r["detail"].split(":")[0]) for r in report["rows"] if r["kind"] == "target group"]
    assert held == [("failed", "ResourceInUse")] * 3, held
    localaws_api.clear_faults()
    assert elbv2.describe_load_balancers(Names=[balancer])["LoadBalancers"]  # it could not see it: left alone

    second = cleanup.cleanup(setup.open_workshop(prefix, expect_resources=False), progress=False)
    assert second.ok, [r for r in second.rows + second.leftovers if r.is_problem]
    assert ("load balancer", balancer, "deleted") in {(r.kind, r.name, r.outcome) for r in second.rows}
    with pytest.raises(elbv2.exceptions.LoadBalancerNotFoundException):
        elbv2.describe_load_balancers(Names=[balancer])
