"""A resource that exists with a kit name but was not created by this workshop is a clear error for
ensure_* steps and is left alone by cleanup."""

from __future__ import annotations

import pytest

from helpers import cleanup, setup
from helpers.core.errors import ResourceConflictError
from helpers.resources import image_repositories, network, source_repository
from tests.helpers_for_tests import sandbox_client, unique


def test_foreign_resources_with_kit_names_are_refused_and_spared():
    prefix = unique("own")
    sandbox_client("codecommit").create_repository(repositoryName=f"{prefix}-app")
    sandbox_client("ecr").create_repository(repositoryName=f"{prefix}-dev")
    setup.configure(prefix=prefix)
    workshop = setup.open_workshop(prefix)
    with pytest.raises(ResourceConflictError) as excinfo:
        source_repository.ensure(workshop)
    assert f"{prefix}-app" in str(excinfo.value) and "choose another prefix" in str(excinfo.value)
    with pytest.raises(ResourceConflictError):
        image_repositories.ensure_image_repository(workshop, "dev")
    assert "codecommit-repository" not in workshop.state.resources
    report = cleanup.cleanup(workshop, progress=False)
    spared = {(r.kind, r.name) for r in report.rows if r.outcome == cleanup.NOT_OURS}
    assert spared == {("CodeCommit repository", f"{prefix}-app"), ("ECR repository", f"{prefix}-dev")}
    assert report.ok  # foreign resources left alone are not a failure
    sandbox_client("codecommit").get_repository(repositoryName=f"{prefix}-app")
    sandbox_client("ecr").describe_repositories(repositoryNames=[f"{prefix}-dev"])
    left = cleanup.leftovers(workshop)
    assert {r.outcome for r in left} == {cleanup.NOT_OURS}


def test_a_small_vpc_is_made_when_there_is_no_default_vpc():
    region = "eu-north-1"
    ec2 = sandbox_client("ec2", region=region)
    for vpc in ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]:
        for subnet in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]:
            ec2.delete_subnet(SubnetId=subnet["SubnetId"])
        for gateway in ec2.describe_internet_gateways(
            Filters=[{"Name": "attachment.vpc-id", "Values": [vpc["VpcId"]]}]
        )["InternetGateways"]:
            ec2.detach_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"], VpcId=vpc["VpcId"])
        ec2.delete_vpc(VpcId=vpc["VpcId"])
    prefix = unique("novpc")
    setup.configure(prefix=prefix, region=region)
    workshop = setup.open_workshop(prefix)
    network.ensure(workshop)
    vpc_id = workshop.state.extra["network"]["vpc_id"]
    vpc = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    assert vpc["CidrBlock"] == network.VPC_CIDR
    assert len(workshop.state.extra["network"]["subnet_ids"]) == 2
    network.ensure(workshop)  # idempotent: the same VPC again
    assert workshop.state.extra["network"]["vpc_id"] == vpc_id
    assert len(ec2.describe_vpcs(Filters=[{"Name": "tag:workshop:prefix", "Values": [prefix]}])["Vpcs"]) == 1
    report = cleanup.cleanup(workshop, progress=False)
    assert report.ok, report.rows
    assert ("VPC", vpc_id, cleanup.DELETED) in {(r.kind, r.name, r.outcome) for r in report.rows}
    assert ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Vpcs"] == []
