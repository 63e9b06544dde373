"""Settings are checked before anything is created, and bad input says what to do."""

from __future__ import annotations

import pytest

from helpers.core.errors import InvalidSettingError
from helpers.core.naming import Names, name_problems
from helpers.core.regions import REQUIRED_SERVICES, all_known_regions, regions_offering, supported_regions
from helpers.core.settings import WorkshopSettings


def test_defaults_are_valid():
    settings = WorkshopSettings.build()
    assert (settings.backend, settings.launch_type, settings.instance_type) == ("sandbox", "FARGATE", None)


@pytest.mark.parametrize("prefix", ["Ecs-cd", "1abc", "ab-", "a--b", "a_b", "x" * 21, "", "a"])
def test_bad_prefixes_are_refused_with_a_hint(prefix):
    with pytest.raises(InvalidSettingError) as excinfo:
        WorkshopSettings.build(prefix=prefix)
    assert "prefix" in str(excinfo.value)
    assert "e.g. 'ecs-cd" in str(excinfo.value)


def test_longest_prefix_gives_legal_names_in_the_longest_region():
    longest_region = max(supported_regions(), key=len)
    names = Names("a" * 20, account="123456789012", region=longest_region)
    assert name_problems(names) == []
    assert len(names.artifact_bucket) <= 63
    assert max(len(names.target_group(env)) for env in ("dev", "qa", "prod")) <= 32


def test_name_rules_catch_an_illegal_name():
    problems = name_problems(Names("a" * 40))
    assert any("limit is 32" in p for p in problems)


def test_launch_type_is_normalised():
    assert WorkshopSettings.build(launch_type="ec2").launch_type == "EC2"
    assert WorkshopSettings.build(launch_type=" Fargate ").launch_type == "FARGATE"


def test_bad_launch_type_backend_email_and_instance_type():
    with pytest.raises(InvalidSettingError) as excinfo:
        WorkshopSettings.build(
            launch_type="LAMBDA", backend="local", approval_email="not-an-email", instance_type="huge"
        )
    message = str(excinfo.value)
    for expected in ("launch_type 'LAMBDA'", "backend 'local'", "approval_email", "instance_type 'huge'"):
        assert expected in message


def test_unknown_region_lists_the_valid_ones():
    with pytest.raises(InvalidSettingError) as excinfo:
        WorkshopSettings.build(region="mars-north-1")
    assert "not an AWS region" in str(excinfo.value)
    assert "us-east-1" in str(excinfo.value)


def test_region_without_a_service_names_the_service():
    lacking = sorted(all_known_regions() - set(supported_regions()))
    region = next(r for r in lacking if r in regions_offering("ec2"))
    with pytest.raises(InvalidSettingError) as excinfo:
        WorkshopSettings.build(region=region)
    missing = [s for s in REQUIRED_SERVICES if region not in regions_offering(s)]
    assert f"does not offer {missing[0]}" in str(excinfo.value)


def test_supported_regions_offer_every_service():
    regions = supported_regions()
    assert "us-east-1" in regions and "eu-west-1" in regions
    for service in REQUIRED_SERVICES:
        assert set(regions) <= regions_offering(service)


def test_unknown_setting_is_refused():
    with pytest.raises(InvalidSettingError) as excinfo:
        WorkshopSettings.build(regoin="us-east-1")
    assert "regoin" in str(excinfo.value)


def test_empty_email_means_none():
    assert WorkshopSettings.build(approval_email="").approval_email is None
