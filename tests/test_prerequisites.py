"""Notebooks 00 -> 01 -> 05 on the sandbox, for Fargate and EC2: what 01 creates, that it can run
twice, that its URLs answer, and that 05 leaves nothing of the workshop and nothing else behind."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

import pytest

from helpers import cleanup, prerequisites, setup
from helpers.core.environments import ENVIRONMENTS, LISTENER_PORTS
from helpers.core.state import load_state
from localaws import api as localaws_api
from tests.helpers_for_tests import sandbox_client, unique
from tests.workshop_runs import outputs_text, run_notebook

pytestmark = pytest.mark.slow  # runs whole notebooks or workshop flows: `make test`, not `make test-fast`


@pytest.fixture(scope="module", params=["FARGATE", "EC2"])
def workshop_run(request, tmp_path_factory):
    """Runs 00 and 01 once per launch type; yields (prefix, launch type, output folder, notebook 01). Not a shared
    workshop (tests/shared_workshops.py): notebooks 00, 01 and 05 from nothing are what this file tests.

    IAM's propagation and the services' draining are no test's subject here (test_real_account_fixes.py's and the
    workshop flows' are): the sandbox's account skips both while the module runs. Notebook 05 is the last test's;
    afterwards the workshop is cleaned up in process, in case that test did not run or failed half-way."""
    launch_type = request.param
    prefix = unique(f"pre{launch_type[:1].lower()}")
    folder = tmp_path_factory.mktemp(prefix)
    localaws_api.configure_account({"iam_propagation_seconds": 0, "service_draining_seconds": 0})
    try:
        run_notebook("00-setup.ipynb", folder, prefix=prefix, launch_type=launch_type, approval_email="ops@example.com")
        notebook = run_notebook("01-prerequisites.ipynb", folder, prefix=prefix)
        yield prefix, launch_type, folder, notebook
        cleanup.cleanup(setup.open_workshop(prefix, expect_resources=False), progress=False)
    finally:
        localaws_api.reset_account()


def test_bucket_is_versioned_encrypted_private_and_tls_only(workshop_run):
    prefix = workshop_run[0]
    s3 = sandbox_client("s3")
    bucket = load_state(prefix).resources["s3-bucket"]["name"]
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert rule.get("BucketKeyEnabled") is not True  # a bucket key applies to SSE-KMS only
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_three_clusters_with_the_right_capacity(workshop_run):
    prefix, launch_type = workshop_run[:2]
    ecs = sandbox_client("ecs")
    clusters = ecs.describe_clusters(clusters=[f"{prefix}-{env}" for env in ENVIRONMENTS])["clusters"]
    assert [c["status"] for c in clusters] == ["ACTIVE"] * 3
    resources = load_state(prefix).resources
    for cluster, env in zip(clusters, ENVIRONMENTS, strict=False):
        expected = (
            ["FARGATE", "FARGATE_SPOT"]
            if launch_type == "FARGATE"
            else [resources[f"capacity-provider/{env}"]["name"]]  # cp-<prefix>-<env>-<random suffix>
        )
        assert sorted(cluster["capacityProviders"]) == sorted(expected)
    if launch_type == "EC2":
        names = {resources[f"capacity-provider/{env}"]["name"] for env in ENVIRONMENTS}
        assert all(name.startswith(f"cp-{prefix}-") for name in names)
        providers = ecs.describe_capacity_providers(capacityProviders=sorted(names))["capacityProviders"]
        assert {p["name"] for p in providers} == names
        groups = sandbox_client("autoscaling").describe_auto_scaling_groups(
            AutoScalingGroupNames=[f"{prefix}-{env}-ecs-instances" for env in ENVIRONMENTS]
        )["AutoScalingGroups"]
        assert len(groups) == 3
        template = sandbox_client("ec2").describe_launch_template_versions(
            LaunchTemplateName=f"{prefix}-dev-ecs-instances"
        )["LaunchTemplateVersions"][0]["LaunchTemplateData"]
        assert template["InstanceType"] == "t3.micro"  # the first of t3.micro, t2.micro the region offers
        assert template["IamInstanceProfile"]["Name"] == f"{prefix}-ecs-instance-role"


def test_services_run_the_container_on_8080_with_a_circuit_breaker(workshop_run):
    prefix, launch_type = workshop_run[:2]
    ecs = sandbox_client("ecs")
    for env in ENVIRONMENTS:
        service = ecs.describe_services(cluster=f"{prefix}-{env}", services=[f"{prefix}-{env}-service"])["services"][0]
        assert service["runningCount"] == service["desiredCount"] == 1
        assert service["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
        assert service["loadBalancers"][0]["containerName"] == "sample-app"
        assert service["loadBalancers"][0]["containerPort"] == 8080
        definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
        container = definition["containerDefinitions"][0]
        assert container["name"] == "sample-app"
        assert container["portMappings"][0]["containerPort"] == 8080
        assert container["logConfiguration"]["options"]["awslogs-group"] == f"/ecs/{prefix}-{env}"
        assert definition["networkMode"] == ("awsvpc" if launch_type == "FARGATE" else "bridge")
    ecs.get_waiter("services_stable").wait(
        cluster=f"{prefix}-dev", services=[f"{prefix}-dev-service"], WaiterConfig={"Delay": 1, "MaxAttempts": 5}
    )


def test_each_environment_url_answers(workshop_run):
    prefix, notebook = workshop_run[0], workshop_run[3]
    status = json.loads(
        subprocess.run(
            [sys.executable, "-m", "helpers", "status", "--prefix", prefix, "--json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    for env in ENVIRONMENTS:
        url = status["environments"][env]["url"]
        with urllib.request.urlopen(url, timeout=5) as answer:
            assert answer.status == 200
            assert answer.read().decode() == f"Placeholder for {env}: waiting for the first pipeline run"
    assert "3 of 3 environments answer." in outputs_text(notebook)
    assert {r["type"] for r in status["resources"]} >= {"AWS::ECS::Service", "AWS::S3::Bucket", "AWS::IAM::Role"}


def test_load_balancer_listeners_and_target_groups(workshop_run):
    prefix, launch_type = workshop_run[:2]
    elbv2 = sandbox_client("elbv2")
    balancer = elbv2.describe_load_balancers(Names=[f"{prefix}-alb"])["LoadBalancers"][0]
    ports = sorted(
        listener["Port"]
        for listener in elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
    )
    assert ports == sorted(LISTENER_PORTS.values())
    for env in ENVIRONMENTS:
        group = elbv2.describe_target_groups(Names=[f"{prefix}-{env}-tg"])["TargetGroups"][0]
        assert group["HealthCheckPath"] == "/"
        assert group["TargetType"] == ("ip" if launch_type == "FARGATE" else "instance")
        attributes = {
            a["Key"]: a["Value"]
            for a in elbv2.describe_target_group_attributes(TargetGroupArn=group["TargetGroupArn"])["Attributes"]
        }
        assert attributes["deregistration_delay.timeout_seconds"] == "5"


def test_repository_branches_and_registries(workshop_run):
    prefix = workshop_run[0]
    codecommit = sandbox_client("codecommit")
    branches = {
        b: codecommit.get_branch(repositoryName=f"{prefix}-app", branchName=b)["branch"]["commitId"]
        for b in ("master", "qa", "prod")
    }
    assert len(set(branches.values())) == 1
    app = codecommit.get_file(repositoryName=f"{prefix}-app", commitSpecifier="prod", filePath="app.js")
    assert b"Hello world" in app["fileContent"]
    ecr = sandbox_client("ecr")
    for env, kept in (("dev", 5), ("qa", 5), ("prod", 100)):
        repository = ecr.describe_repositories(repositoryNames=[f"{prefix}-{env}"])["repositories"][0]
        assert repository["imageScanningConfiguration"]["scanOnPush"] is True
        policy = json.loads(ecr.get_lifecycle_policy(repositoryName=f"{prefix}-{env}")["lifecyclePolicyText"])
        assert policy["rules"][0]["selection"]["countNumber"] == kept
    sns = sandbox_client("sns")
    topic = load_state(prefix).resources["sns-topic"]["arn"]
    endpoints = [s["Endpoint"] for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]]
    assert endpoints == ["ops@example.com"]


def test_roles_are_least_privilege(workshop_run):
    prefix, launch_type = workshop_run[:2]
    iam = sandbox_client("iam")
    iam.get_role(RoleName="AWSServiceRoleForECS")  # ECS's service-linked role, which new accounts lack
    expected = 5 if launch_type == "EC2" else 4
    roles = [r for r in load_state(prefix).resources.values() if r["type"] == "AWS::IAM::Role"]
    assert len(roles) == expected
    for role in roles:
        document = iam.get_role_policy(RoleName=role["name"], PolicyName="workshop-least-privilege")["PolicyDocument"]
        for statement in document["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert not [a for a in actions if "*" in a], f"wildcard action in {role['name']}"


def test_running_01_again_changes_nothing(workshop_run):
    prefix, _launch_type, folder = workshop_run[:3]
    before = load_state(prefix).resources
    definitions_before = sandbox_client("ecs").list_task_definitions(familyPrefix=f"{prefix}-dev")["taskDefinitionArns"]
    run_notebook("01-prerequisites.ipynb", folder, prefix=prefix)
    after = load_state(prefix).resources
    assert {k: v["arn"] for k, v in after.items()} == {k: v["arn"] for k, v in before.items()}
    assert (
        sandbox_client("ecs").list_task_definitions(familyPrefix=f"{prefix}-dev")["taskDefinitionArns"]
        == definitions_before
    )
    groups = sandbox_client("ec2").describe_security_groups(
        Filters=[{"Name": "group-name", "Values": [f"{prefix}-alb-sg"]}]
    )["SecurityGroups"]
    assert len(groups) == 1
    sns = sandbox_client("sns")
    assert len(sns.list_subscriptions_by_topic(TopicArn=after["sns-topic"]["arn"])["Subscriptions"]) == 1


def test_a_listener_changed_by_hand_is_pointed_back_at_its_environment(workshop_run):
    """Someone pointed Dev's listener at QA's target group in the console: running the network step again
    puts it back, and says so."""
    prefix = workshop_run[0]
    workshop = setup.open_workshop(prefix)
    elbv2 = sandbox_client("elbv2")
    dev = workshop.state.resources["listener/dev"]["arn"]
    qa_group = workshop.state.resources["target-group/qa"]["arn"]
    elbv2.modify_listener(ListenerArn=dev, DefaultActions=[{"Type": "forward", "TargetGroupArn": qa_group}])
    table = prerequisites.ensure_network(workshop)
    dev_group = workshop.state.resources["target-group/dev"]["arn"]
    listener = elbv2.describe_listeners(ListenerArns=[dev])["Listeners"][0]
    assert listener["DefaultActions"][0]["TargetGroupArn"] == dev_group
    actions = dict(zip(table.frame["name"], table.frame["action"], strict=True))
    assert actions[f"HTTP:8080 → {workshop.names.target_group('dev')}"] == "updated (it forwarded elsewhere)"
    assert actions[f"HTTP:8081 → {workshop.names.target_group('qa')}"] == "exists"


def test_cleanup_twice_leaves_nothing_and_spares_lookalikes(workshop_run):
    """Last in this module: 05 deletes everything of the workshop, twice without error, and resources
    with similar names that the kit did not create survive."""
    prefix, _launch_type, folder = workshop_run[:3]
    lookalikes = make_lookalikes(prefix)
    run_notebook("05-cleanup.ipynb", folder, prefix=prefix)
    workshop = setup.open_workshop(prefix)
    assert [r for r in cleanup.leftovers(workshop) if r.is_problem] == []
    assert load_state(prefix).resources == {}
    second = cleanup.cleanup(workshop, progress=False)  # again: nothing to delete, nothing failed
    assert second.ok
    assert [r for r in second.rows if r.outcome != cleanup.NOT_OURS] == []
    assert_lookalikes_survive(lookalikes)
    ecs = sandbox_client("ecs")
    active = [
        c
        for c in ecs.describe_clusters(clusters=[f"{prefix}-{e}" for e in ENVIRONMENTS])["clusters"]
        if c["status"] == "ACTIVE"
    ]
    assert active == []
    ec2 = sandbox_client("ec2")
    running = ec2.describe_instances(
        Filters=[
            {"Name": "tag:workshop:prefix", "Values": [prefix]},
            {"Name": "instance-state-name", "Values": ["running", "pending"]},
        ]
    )
    assert running["Reservations"] == []


def make_lookalikes(prefix: str) -> dict[str, str]:
    """Resources whose names look like the kit's but that the kit did not create."""
    names = {
        "bucket": f"{prefix}-artifacts-lookalike",
        "role": f"{prefix}-codebuild-service-role-copy",
        "ecr": f"{prefix}-dev-other",
        "cluster": f"{prefix}-dev2",
        "topic": f"{prefix}-prod-approval-2",
        "log_group": f"/ecs/{prefix}-dev-old",
        "repository": f"{prefix}-app-fork",
    }
    sandbox_client("s3").create_bucket(Bucket=names["bucket"])
    sandbox_client("iam").create_role(
        RoleName=names["role"],
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )
    sandbox_client("ecr").create_repository(repositoryName=names["ecr"])
    sandbox_client("ecs").create_cluster(clusterName=names["cluster"])
    sandbox_client("sns").create_topic(Name=names["topic"])
    sandbox_client("logs").create_log_group(logGroupName=names["log_group"])
    sandbox_client("codecommit").create_repository(repositoryName=names["repository"])
    return names


def assert_lookalikes_survive(names: dict[str, str]) -> None:
    sandbox_client("s3").head_bucket(Bucket=names["bucket"])
    sandbox_client("iam").get_role(RoleName=names["role"])
    sandbox_client("ecr").describe_repositories(repositoryNames=[names["ecr"]])
    cluster = sandbox_client("ecs").describe_clusters(clusters=[names["cluster"]])["clusters"][0]
    assert cluster["status"] == "ACTIVE"
    topics = [t["TopicArn"] for t in sandbox_client("sns").list_topics()["Topics"]]
    assert any(t.endswith(":" + names["topic"]) for t in topics)
    groups = sandbox_client("logs").describe_log_groups(logGroupNamePrefix=names["log_group"])["logGroups"]
    assert [g["logGroupName"] for g in groups] == [names["log_group"]]
    sandbox_client("codecommit").get_repository(repositoryName=names["repository"])
