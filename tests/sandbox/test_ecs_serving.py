"""Contract tests for what the sandbox adds to ECS, ELBv2 and IAM, through boto3 and the AWS CLI:
services that really serve behind listeners, deployments, the circuit breaker, and the operations
moto lacks."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from localaws import api as process
from tests.helpers_for_tests import (
    assert_matches_output_shape,
    aws_cli,
    cli_json,
    quick_ecs_waiters,
    sandbox_client,
    unique,
    wait_for,
)

# It changes its worker's sandbox (account settings, faults): xdist's --dist loadgroup keeps this file on one worker
# with a sandbox of its own, and its fixtures put the settings back for the files that run there after it.


NODE = "public.ecr.aws/docker/library/node:20-alpine"


def server(message: str) -> list[str]:
    js = (
        f"require('http').createServer((q,s)=>s.end({json.dumps(message)}))"
        ".listen(Number(process.env.PORT), process.env.HOST)"
    )
    return ["node", "-e", js]


def container(command: list[str], image: str = NODE) -> dict:
    return {"name": "web", "image": image, "command": command, "memory": 128, "portMappings": [{"containerPort": 8080}]}


def listener_url(listener_arn: str) -> str:
    with urllib.request.urlopen(process.endpoint() + "/_sandbox/elbv2/listeners") as answer:
        return next(row["localUrl"] for row in json.load(answer) if row["listenerArn"] == listener_arn)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_for_rollout(cluster: str, name: str, timeout: float = 30) -> dict:
    """Poll DescribeServices until the primary deployment's rollout is no longer IN_PROGRESS (no waiter
    exists for a failed rollout: services_stable never succeeds for it)."""
    ecs = sandbox_client("ecs")
    deadline = time.monotonic() + timeout
    while True:
        service = ecs.describe_services(cluster=cluster, services=[name])["services"][0]
        if service["deployments"][0]["rolloutState"] != "IN_PROGRESS" or time.monotonic() > deadline:
            return service
        time.sleep(0.2)


@pytest.fixture
def stack():
    """A load balancer with one listener and target group, and an empty cluster."""
    name = unique("svc")
    ec2, elbv2, ecs = sandbox_client("ec2"), sandbox_client("elbv2"), sandbox_client("ecs")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]][
        :2
    ]
    balancer = elbv2.create_load_balancer(Name=name, Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    group = elbv2.create_target_group(
        Name=name, Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip", HealthCheckPath="/"
    )["TargetGroups"][0]["TargetGroupArn"]
    # AWS's default deregistration delay is 300 s; an old task drains that long before it stops (the kit sets 5)
    elbv2.modify_target_group_attributes(
        TargetGroupArn=group, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "1"}]
    )
    listener = elbv2.create_listener(
        LoadBalancerArn=balancer,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group}],
    )["Listeners"][0]
    ecs.create_cluster(clusterName=name)
    yield {"name": name, "group": group, "listener": listener["ListenerArn"], "balancer": balancer}
    for service in ecs.list_services(cluster=name)["serviceArns"]:
        ecs.delete_service(cluster=name, service=service, force=True)
    elbv2.delete_load_balancer(LoadBalancerArn=balancer)


def create_service(stack: dict, command: list[str], **extra) -> dict:
    ecs = sandbox_client("ecs")
    definition = ecs.register_task_definition(family=stack["name"], containerDefinitions=[container(command)])
    return ecs.create_service(
        cluster=stack["name"],
        serviceName="web",
        taskDefinition=definition["taskDefinition"]["taskDefinitionArn"],
        desiredCount=1,
        loadBalancers=[{"targetGroupArn": stack["group"], "containerName": "web", "containerPort": 8080}],
        deploymentConfiguration={
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
        },
        healthCheckGracePeriodSeconds=30,
        **extra,
    )


def test_create_service_serves_through_the_listener(stack):
    ecs = sandbox_client("ecs")
    response = create_service(stack, server("v1"), launchType="FARGATE")
    assert_matches_output_shape(ecs, "CreateService", response)
    service = response["service"]
    assert service["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert service["healthCheckGracePeriodSeconds"] == 30
    ecs.get_waiter("services_stable").wait(
        cluster=stack["name"], services=["web"], WaiterConfig={"Delay": 1, "MaxAttempts": 10}
    )
    described = ecs.describe_services(cluster=stack["name"], services=["web"])
    assert_matches_output_shape(ecs, "DescribeServices", described)
    service = described["services"][0]
    assert (service["runningCount"], service["pendingCount"], len(service["deployments"])) == (1, 0, 1)
    assert service["deployments"][0]["rolloutState"] == "COMPLETED"
    assert "has reached a steady state" in service["events"][0]["message"]
    assert get(listener_url(stack["listener"])) == (200, "v1")


def test_a_new_task_definition_replaces_the_old_version(stack):
    ecs = sandbox_client("ecs")
    create_service(stack, server("v1"))
    url = listener_url(stack["listener"])
    second = ecs.register_task_definition(family=stack["name"], containerDefinitions=[container(server("v2"))])
    ecs.update_service(
        cluster=stack["name"], service="web", taskDefinition=second["taskDefinition"]["taskDefinitionArn"]
    )
    ecs.get_waiter("services_stable").wait(
        cluster=stack["name"], services=["web"], WaiterConfig={"Delay": 1, "MaxAttempts": 10}
    )
    service = ecs.describe_services(cluster=stack["name"], services=["web"])["services"][0]
    assert service["taskDefinition"].endswith(f"{stack['name']}:2")
    assert get(url) == (200, "v2")


def test_circuit_breaker_rolls_back_a_version_that_never_gets_healthy(stack):
    ecs = sandbox_client("ecs")
    create_service(stack, server("good"))
    url = listener_url(stack["listener"])
    broken = ecs.register_task_definition(
        family=stack["name"], containerDefinitions=[container(["node", "-e", "process.exit(3)"])]
    )
    ecs.update_service(
        cluster=stack["name"], service="web", taskDefinition=broken["taskDefinition"]["taskDefinitionArn"]
    )
    ecs.get_waiter("services_stable").wait(
        cluster=stack["name"], services=["web"], WaiterConfig={"Delay": 1, "MaxAttempts": 30}
    )
    service = ecs.describe_services(cluster=stack["name"], services=["web"])["services"][0]
    assert service["taskDefinition"].endswith(f"{stack['name']}:1")
    messages = " ".join(e["message"] for e in service["events"])
    assert "circuit breaker" in messages and "rolling back" in messages
    assert get(url) == (200, "good")


def test_an_image_the_sandbox_cannot_run_fails_the_deployment(stack):
    ecs = sandbox_client("ecs")
    definition = ecs.register_task_definition(
        family=stack["name"], containerDefinitions=[container(["nginx"], image="nginx:latest")]
    )
    ecs.create_service(
        cluster=stack["name"],
        serviceName="web",
        desiredCount=1,
        taskDefinition=definition["taskDefinition"]["taskDefinitionArn"],
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
    )
    service = wait_for_rollout(stack["name"], "web")
    assert service["deployments"][0]["rolloutState"] == "FAILED"
    assert "CannotPullContainerError" in " ".join(e["message"] for e in service["events"])


def test_scaling_to_zero_and_deleting_stop_the_tasks(stack):
    ecs = sandbox_client("ecs")
    create_service(stack, server("v1"))
    url = listener_url(stack["listener"])
    # A service that runs its task first: scaled to zero while its first task still starts, it may report that task
    # running for a moment after the waiter saw 0 of 0 (the waiter does not look at pending tasks, on AWS either).
    ecs.get_waiter("services_stable").wait(
        cluster=stack["name"], services=["web"], WaiterConfig={"Delay": 1, "MaxAttempts": 10}
    )
    ecs.update_service(cluster=stack["name"], service="web", desiredCount=0)
    ecs.get_waiter("services_stable").wait(
        cluster=stack["name"], services=["web"], WaiterConfig={"Delay": 1, "MaxAttempts": 10}
    )
    assert ecs.describe_services(cluster=stack["name"], services=["web"])["services"][0]["runningCount"] == 0
    assert get(url)[0] == 503
    ecs.update_service(cluster=stack["name"], service="web", desiredCount=1)
    ecs.get_waiter("services_stable").wait(  # ECS answers at once; the caller waits for the tasks
        cluster=stack["name"], services=["web"], WaiterConfig={"Delay": 1, "MaxAttempts": 10}
    )
    # A running task is not yet a healthy target: the load balancer routes to it once its health check passed
    # (on AWS too), so the caller waits for that as well before asking.
    sandbox_client("elbv2").get_waiter("target_in_service").wait(
        TargetGroupArn=stack["group"], WaiterConfig={"Delay": 1, "MaxAttempts": 20}
    )
    assert get(url) == (200, "v1")
    ecs.delete_service(cluster=stack["name"], service="web", force=True)

    def no_target_serves() -> bool:
        """The deleted service's target is deregistering (draining) or gone: ELB then sends it nothing. ECS
        deregisters it after DeleteService answers, on AWS too, so a request right after the call may still reach
        it (seen once on a loaded machine)."""
        targets = sandbox_client("elbv2").describe_target_health(TargetGroupArn=stack["group"])
        return all(d["TargetHealth"]["State"] != "healthy" for d in targets["TargetHealthDescriptions"])

    wait_for(no_target_serves, timeout=10)
    assert get(url)[0] == 503


def test_services_stable_through_the_cli(stack, tmp_path):
    create_service(stack, server("cli"))
    waiters = quick_ecs_waiters(tmp_path)  # the CLI's own looks 15 s apart would outlast the start of a task here
    aws_cli("ecs", "wait", "services-stable", "--cluster", stack["name"], "--services", "web", env=waiters)
    described = cli_json("ecs", "describe-services", "--cluster", stack["name"], "--services", "web")
    assert described["services"][0]["runningCount"] == 1


def test_create_service_fields_through_the_cli(stack):
    ecs = sandbox_client("ecs")
    definition = ecs.register_task_definition(family=stack["name"], containerDefinitions=[container(server("x"))])
    created = cli_json(
        "ecs",
        "create-service",
        "--cluster",
        stack["name"],
        "--service-name",
        "web",
        "--task-definition",
        definition["taskDefinition"]["taskDefinitionArn"],
        "--desired-count",
        "1",
        "--deployment-configuration",
        "deploymentCircuitBreaker={enable=true,rollback=true},maximumPercent=200,minimumHealthyPercent=100",
        "--health-check-grace-period-seconds",
        "15",
    )
    assert created["service"]["deploymentConfiguration"]["deploymentCircuitBreaker"]["rollback"] is True
    assert created["service"]["healthCheckGracePeriodSeconds"] == 15


def test_describe_capacity_providers_without_names():
    ecs = sandbox_client("ecs")
    autoscaling = sandbox_client("autoscaling")
    ec2 = sandbox_client("ec2")
    name = unique("cp")
    template = ec2.create_launch_template(
        LaunchTemplateName=name, LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "t2.micro"}
    )
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name,
        MinSize=0,
        MaxSize=1,
        LaunchTemplate={"LaunchTemplateId": template["LaunchTemplate"]["LaunchTemplateId"]},
        AvailabilityZones=["us-east-1a"],
    )
    group_arn = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0][
        "AutoScalingGroupARN"
    ]
    process.configure_account({"ecs_service_linked_role_exists": True})  # an account that has used ECS before
    ecs.create_capacity_provider(name=f"cp-{name}", autoScalingGroupProvider={"autoScalingGroupArn": group_arn})
    try:
        response = ecs.describe_capacity_providers()
        assert_matches_output_shape(ecs, "DescribeCapacityProviders", response)
        assert f"cp-{name}" in [p["name"] for p in response["capacityProviders"]]
        listed = cli_json("ecs", "describe-capacity-providers")
        assert f"cp-{name}" in [p["name"] for p in listed["capacityProviders"]]
    finally:
        ecs.delete_capacity_provider(capacityProvider=f"cp-{name}")
        autoscaling.delete_auto_scaling_group(AutoScalingGroupName=name, ForceDelete=True)
        process.reset_account()


def test_list_instance_profile_tags():
    iam = sandbox_client("iam")
    name = unique("profile")
    iam.create_instance_profile(InstanceProfileName=name, Tags=[{"Key": "workshop:prefix", "Value": "x"}])
    try:
        response = iam.list_instance_profile_tags(InstanceProfileName=name)
        assert_matches_output_shape(iam, "ListInstanceProfileTags", response)
        assert response["Tags"] == [{"Key": "workshop:prefix", "Value": "x"}]
        assert (
            cli_json("iam", "list-instance-profile-tags", "--instance-profile-name", name)["Tags"] == response["Tags"]
        )
        missing = aws_cli(
            "iam", "list-instance-profile-tags", "--instance-profile-name", name + "-missing", check=False
        )
        assert "NoSuchEntity" in missing.stderr
    finally:
        iam.delete_instance_profile(InstanceProfileName=name)


def test_task_summaries_list_the_running_task_processes(stack):
    create_service(stack, server("listed"))
    sandbox_client("ecs").get_waiter("services_stable").wait(
        cluster=stack["name"], services=["web"], WaiterConfig={"Delay": 1, "MaxAttempts": 10}
    )
    rows = [row for row in process.task_summaries() if row["cluster"] == stack["name"]]
    assert [(row["service"], row["running"]) for row in rows] == [("web", True)]
    assert isinstance(rows[0]["pid"], int) and isinstance(rows[0]["port"], int)
