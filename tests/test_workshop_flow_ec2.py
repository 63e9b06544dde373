"""The whole workshop on EC2, as a new account meets it: in a region whose offerings lack t2.micro (the kit
picks the first type the region offers), then notebook 01 again with the same prefix after the cleanup, which
meets the first run's capacity-provider names still taken (INACTIVE) and services that had to drain.

One workshop for what were three flows (the whole EC2 workshop, the region without t2.micro, and 01 again after
a cleanup): each of them was a workshop of its own (issue 26). It runs as a participant of an event (issue 21):
``event start`` makes them an IAM user with the kit's policy for the region, so every notebook signs as them; a second
participant is refused the first's Auto Scaling group, instance and launch template with AWS's messages; and every
statement the run alone needed (the EC2-only ones included) is removed one at a time and its request refused.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError

from helpers import cleanup, setup
from helpers.__main__ import main
from helpers.core.environments import ENVIRONMENTS
from helpers.event.identities import identity
from localaws import api as localaws_api
from tests.helpers_for_tests import sandbox_client, unique
from tests.iam_usage import (
    STAGE_ACTIONS,
    advanced_module_statements,
    attached_documents,
    identity_usage,
    remove_each_proven_statement,
)
from tests.test_workshop_flow import answers, whole_workshop
from tests.workshop_runs import run_notebook

pytestmark = pytest.mark.slow  # the whole workshop, notebooks 00 -> 05, then 01 -> 05 again

REGION = "eu-north-1"
ACCOUNT = "123456789012"
PLACEHOLDER = {env: f"Placeholder for {env}: waiting for the first pipeline run" for env in ENVIRONMENTS}


@pytest.fixture
def new_account() -> Iterator[None]:
    """Deleted capacity providers keep their names for an hour, as AWS's do (the default keeps them a minute, so
    that a worker's later tests are not slowed); put back afterwards for the files that run after this one. The
    CodeBuild quota is the one the event's plan asks an instructor to raise to (two concurrent builds each)."""
    localaws_api.configure_account(
        {"capacity_provider_retention_seconds": 3600, "instance_type_offerings": True, "codebuild_concurrency": 4}
    )
    yield
    localaws_api.reset_account()


@pytest.fixture
def event(new_account) -> Iterator[str]:
    """An EC2 event of two in the region, shared-account variant: each participant an IAM user with the kit's policy."""
    name = unique("e2")[:12]
    argv = ["event", "start", "--event", name, "--participants", "2", "--region", REGION, "--launch-type", "EC2"]
    assert main([*argv, "--json"]) == 0
    yield name
    main(["event", "cleanup", "--event", name, "--json"])


def test_the_whole_workshop_on_ec2_in_a_region_without_t2_micro_then_01_again(event, tmp_path, capsys):
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
        _another_participant_is_refused_the_ec2_resources(event, prefix)

    prefix = whole_workshop(tmp_path, "EC2", region=REGION, after_01=after_01, prefix=f"{event}-01")
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
    _participant_statements_proven(event, prefix)


def _participant_statements_proven(event: str, prefix: str) -> None:
    """Used versus granted for the participant: every statement the run alone needed is proven needed, each one
    removed (one at a time) makes the simulator refuse the first request it alone allowed."""
    user_arn = participant_arn(event, prefix)
    usage = identity_usage(user_arn, [document for _, _, document in attached_documents("user", prefix)])
    print(f"participant policy (EC2): {len(usage.sids)} statements, {len(usage.granted)} actions granted, ", end="")
    print(f"{len(usage.used)} used in 00 -> 05, then 01 and 05 again")
    print(usage.table())
    print("not used:", ", ".join(sorted(usage.granted - usage.used)))
    assert usage.used <= usage.granted
    # The one refusal by design: cleanup's listing of every capacity provider (then looked up by name).
    assert set(usage.denied) == {("ecs:DescribeCapacityProviders", "*")}
    # The EC2-only statements (the Auto Scaling groups, the ECS-optimized AMI's parameter, the changes to the
    # participant's tagged EC2 resources) are proven here; what is left is the advanced module's (proven as a
    # participant in test_participant_identities.py) and, in an account whose ECS service-linked role an earlier
    # test made, CreateServiceLinkedRole's.
    assert {"Autoscaling", "AutoscalingUnscoped", "Ssm", "Ec2", "Ec2OnTheirTaggedResources"} <= usage.proven
    documents = [document for _, _, document in attached_documents("user", prefix)]
    advanced = advanced_module_statements(documents, also=STAGE_ACTIONS)
    assert set(usage.sids) - usage.proven <= advanced | {"Iam2"}, set(usage.sids) - usage.proven
    removed = remove_each_proven_statement("user", prefix, user_arn, usage.statements, ACCOUNT)
    assert len(removed) == len(usage.proven), removed
    print(f"{len(removed)} statements removed one at a time, each refusing the request it alone allowed")


def participant_arn(event: str, prefix: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:user/workshop/{event}/{prefix}"


def _another_participant_is_refused_the_ec2_resources(event: str, prefix: str) -> None:
    """The second participant may not scale, terminate or delete the first's Auto Scaling group, instances or
    launch template (names and ``aws:ResourceTag/workshop:prefix``), with AWS's messages."""
    intruder = identity(event, f"{event}-02")
    assert intruder is not None
    intruder_arn = participant_arn(event, f"{event}-02")
    session = boto3.Session(intruder.access_key_id, intruder.secret_access_key, region_name=REGION)
    workshop = setup.open_workshop(prefix)
    group = workshop.state.resources["auto-scaling-group/dev"]["name"]
    autoscaling = session.client("autoscaling", endpoint_url=localaws_api.endpoint())
    with pytest.raises(ClientError) as raised:
        autoscaling.update_auto_scaling_group(AutoScalingGroupName=group, DesiredCapacity=0)
    error = raised.value.response["Error"]
    assert error["Code"] == "AccessDenied"
    assert error["Message"].startswith(
        f"User: {intruder_arn} is not authorized to perform: autoscaling:UpdateAutoScalingGroup on resource: "
        f"arn:aws:autoscaling:{REGION}:{ACCOUNT}:autoScalingGroup:"
    ), error
    assert error["Message"].endswith(
        f":autoScalingGroupName/{group} because no identity-based policy allows the "
        "autoscaling:UpdateAutoScalingGroup action"
    ), error
    admin = sandbox_client("autoscaling", REGION)
    instance = admin.describe_auto_scaling_groups(AutoScalingGroupNames=[group])["AutoScalingGroups"][0]["Instances"]
    template = workshop.state.resources["launch-template/dev"]["arn"]
    ec2 = session.client("ec2", endpoint_url=localaws_api.endpoint())
    for action, resource, call in (
        (
            "TerminateInstances",
            f"instance/{instance[0]['InstanceId']}",
            lambda: ec2.terminate_instances(InstanceIds=[instance[0]["InstanceId"]]),
        ),
        (
            "DeleteLaunchTemplate",
            f"launch-template/{template}",
            lambda: ec2.delete_launch_template(LaunchTemplateId=template),
        ),
    ):
        with pytest.raises(ClientError) as raised:
            call()
        assert raised.value.response["Error"]["Code"] == "UnauthorizedOperation"
        assert raised.value.response["Error"]["Message"] == (
            f"You are not authorized to perform this operation. User: {intruder_arn} is not authorized to perform: "
            f"ec2:{action} on resource: arn:aws:ec2:{REGION}:{ACCOUNT}:{resource} because no identity-based policy "
            f"allows the ec2:{action} action"
        )


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
