"""What a real AWS account does that a fresh emulator did not, handled by the kit (see
real-account-findings.md): each test fails without its fix. The sandbox behaves like a new account
(localaws/account.py); tests that need one of its settings set it and reset it afterwards."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from papermill.exceptions import PapermillExecutionError

from helpers import cleanup, preflight, prerequisites, setup
from helpers.core import clients
from helpers.core.errors import InvalidSettingError, WorkshopError
from helpers.core.paths import REPO_ROOT
from helpers.core.settings import WorkshopSettings
from helpers.resources import base as resources_base
from helpers.resources import clusters, log_groups, roles
from helpers.resources import deploy_stack as stacks
from localaws import api as localaws_api
from tests.helpers_for_tests import codebuild_service_role, sandbox_client, signed_access_key, unique
from tests.workshop_runs import run_notebook

# It changes its worker's sandbox (account settings, faults): xdist's --dist loadgroup keeps this file on one worker
# with a sandbox of its own, and its fixtures put the settings back for the files that run there after it.


def _workshop(prefix: str, **choices):
    setup.configure(prefix=prefix, **choices)
    return setup.open_workshop(prefix)


# -- 1: ECS's service-linked role -------------------------------------------------------------------
def test_the_ecs_service_linked_role_is_created_before_clusters():
    iam = sandbox_client("iam")
    try:  # an earlier test of this session may have created it: start from a new account's state
        iam.delete_service_linked_role(RoleName=roles.ECS_SERVICE_LINKED_ROLE)
        iam.delete_role(RoleName=roles.ECS_SERVICE_LINKED_ROLE)
    except iam.exceptions.NoSuchEntityException:
        pass
    workshop = _workshop(unique("slr"))
    rows = roles.ensure(workshop)
    linked = [r for r in rows if r["name"] == roles.ECS_SERVICE_LINKED_ROLE]
    assert linked and linked[0]["action"].startswith("created")
    role = iam.get_role(RoleName=roles.ECS_SERVICE_LINKED_ROLE)["Role"]
    assert role["Path"] == "/aws-service-role/ecs.amazonaws.com/"
    again = [r for r in roles.ensure(workshop) if r["name"] == roles.ECS_SERVICE_LINKED_ROLE]
    assert again[0]["action"] == "exists (the account's)"
    report = cleanup.cleanup(workshop, progress=False)
    assert report.ok
    iam.get_role(RoleName=roles.ECS_SERVICE_LINKED_ROLE)  # the account's: cleanup keeps it


# -- 3: instance types ------------------------------------------------------------------------------
def test_the_default_instance_type_is_the_first_the_region_offers():
    """eu-north-1 has no T2 instances (nor has the sandbox there): the default becomes t3.micro, and
    an explicit t2.micro is a failed preflight check, not a warning."""
    workshop = _workshop(unique("itype"), region="eu-north-1", launch_type="EC2")
    assert workshop.settings.instance_type is None
    assert clusters.instance_type(workshop) == "t3.micro"
    checks = {c.check: c for c in preflight.run_checks(workshop.state)}
    assert checks["instance type"].status == preflight.OK and "t3.micro" in checks["instance type"].detail

    state = setup.configure(prefix=workshop.prefix, instance_type="t2.micro")
    checks = {c.check: c for c in preflight.run_checks(state)}
    assert checks["instance type"].status == preflight.FAIL
    with pytest.raises(WorkshopError, match="not offered in eu-north-1"):
        clusters.instance_type(setup.open_workshop(workshop.prefix))


def test_a_red_preflight_shows_the_table_then_stops_with_one_line_naming_the_setting(monkeypatch):
    state = setup.configure(prefix=unique("hdl"), region="eu-north-1", launch_type="EC2", instance_type="t2.micro")
    shown = []
    monkeypatch.setattr(preflight, "display", shown.append)
    with pytest.raises(preflight.PreflightFailed) as excinfo:
        preflight.show_preflight(state)
    assert [type(s).__name__ for s in shown] == ["StatusTable"] and "1 check(s) failed" in shown[0].caption
    assert "instance type (t2.micro not offered in eu-north-1; set instance_type)" in str(excinfo.value)
    # JupyterLab: one line under the red table, not a traceback.
    assert excinfo.value._render_traceback_() == [f"\x1b[31mPreflightFailed\x1b[0m: {excinfo.value}"]
    # An instructor's report: the table, no stop.
    assert "1 check(s) failed" in preflight.show_preflight(state, stop_at_red=False).caption


@pytest.mark.slow  # papermill runs notebook 00 in a new kernel
def test_a_papermill_run_as_the_readme_shows_it_stops_at_a_red_preflight(tmp_path):
    """The README's command line, with no parameter but the settings: papermill itself, not the kit's runner."""
    prefix = unique("hdl")
    notebook = REPO_ROOT / "notebooks" / "00-setup.ipynb"
    result = subprocess.run(
        [sys.executable, "-m", "papermill", str(notebook.relative_to(REPO_ROOT)), str(tmp_path / "out.ipynb"),
         "-p", "prefix", prefix, "-p", "region", "eu-north-1", "-p", "launch_type", "EC2",
         "-p", "instance_type", "t2.micro"],
        capture_output=True, text=True, timeout=300, cwd=REPO_ROOT,
    )  # fmt: skip
    assert result.returncode != 0, result.stdout + result.stderr
    assert "PreflightFailed: Preflight failed: instance type" in result.stderr
    assert "set instance_type" in result.stderr


@pytest.mark.slow  # nbclient runs notebook 00 in a new kernel
def test_an_nbclient_run_stops_at_a_red_preflight(tmp_path):
    """Another unattended runner (nbclient, under nbconvert and jupyter-book): no kit parameter either."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    prefix = unique("hdl")
    setup.configure(prefix=prefix, region="eu-north-1", launch_type="EC2", instance_type="t2.micro")
    notebook = nbformat.read(REPO_ROOT / "notebooks" / "00-setup.ipynb", as_version=4)
    parameters = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    parameters.source = parameters.source.replace('prefix = "ecs-cd"', f'prefix = "{prefix}"')
    client = NotebookClient(notebook, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    with pytest.raises(CellExecutionError) as excinfo:
        client.execute(cwd=str(REPO_ROOT / "notebooks"))
    assert excinfo.value.ename == "PreflightFailed" and "set instance_type" in excinfo.value.evalue


@pytest.mark.slow  # papermill runs notebook 00 in a new kernel
def test_the_kits_runner_stops_at_a_red_preflight(tmp_path):
    prefix = unique("hdl")
    setup.configure(prefix=prefix, region="eu-north-1", launch_type="EC2", instance_type="t2.micro")
    with pytest.raises(PapermillExecutionError) as excinfo:
        run_notebook("00-setup.ipynb", tmp_path, prefix=prefix)
    assert excinfo.value.ename == "PreflightFailed"


# -- 6: credentials fixed while the kernel runs -----------------------------------------------------
def test_credentials_fixed_after_a_failed_check_are_used_without_a_restart(monkeypatch, tmp_path):
    from helpers.core import sandbox

    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", sandbox.endpoint())  # the aws backend's code, answered offline
    clients.reset()
    settings = WorkshopSettings.build(backend="aws", region="us-east-1")
    state = setup.configure(prefix=unique("cred"), backend="aws")
    identity = {c.check: c for c in preflight.run_checks(state)}["identity"]
    assert identity.status == preflight.FAIL and "no AWS credentials" in identity.detail

    iam = sandbox_client("iam")  # the learner's fix: a real key of the account (an unknown one is refused)
    user = unique("cred-user")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    sts = clients.client("sts", settings)
    assert signed_access_key(sts) == key["AccessKeyId"]
    assert clients.client("sts", settings) is sts  # with credentials, the client is reused
    identity = {c.check: c for c in preflight.run_checks(state)}["identity"]
    assert identity.status == preflight.OK
    clients.reset()
    iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName=user)


# -- 7: a stack whose first change set failed --------------------------------------------------------
def test_a_stack_left_in_review_in_progress_is_created_not_updated(new_account):
    new_account(iam_propagation_seconds=0)  # the role is made just before its project: not this test's subject
    prefix = unique("rip")
    workshop = _workshop(prefix)
    name = workshop.names.stack("build-nodejs")
    cfn = sandbox_client("cloudformation")
    cfn.create_change_set(
        StackName=name,
        ChangeSetName="first-attempt",
        ChangeSetType="CREATE",
        TemplateBody='{"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}',
        Tags=workshop.tag_list(),
    )
    assert cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"] == "REVIEW_IN_PROGRESS"
    codebuild_service_role(f"{prefix}-role")  # CodeBuild refuses a project whose role does not exist
    parameters = {
        "CodeBuildProjectName": f"{prefix}-build-nodejs",
        "CodeBuildServiceRoleName": f"{prefix}-role",
        "WorkshopPrefix": prefix,
    }
    result = stacks.deploy_stack(workshop, name, "code-build-nodejs.yaml", parameters, key="stack/test")
    assert (result.status, result.change) == ("CREATE_COMPLETE", "created")


# -- 8: capacity provider names ---------------------------------------------------------------------
@pytest.mark.slow  # notebook 01's EC2 steps and a cleanup, twice
def test_capacity_providers_get_new_names_after_a_cleanup(new_account):
    """ECS refuses the name of a provider deleted not long ago, so each run draws a suffix, kept in
    the state file; cleanup finds the providers by tag and prefix and forgets the suffix."""
    new_account(iam_propagation_seconds=0)  # the instance profile's propagation (twice) is not this test's subject
    workshop = _workshop(unique("cpx"), launch_type="EC2")
    prerequisites.ensure_roles(workshop)
    prerequisites.ensure_network(workshop)
    prerequisites.ensure_clusters(workshop)
    first = {env: workshop.state.resources[f"capacity-provider/{env}"]["name"] for env in ("dev", "qa", "prod")}
    for env, name in first.items():
        assert re.fullmatch(rf"cp-{workshop.prefix}-{env}-[0-9a-f]{{6}}", name)
    report = cleanup.cleanup(workshop, progress=False)
    assert report.ok, [r for r in report.rows + report.leftovers if r.is_problem]
    assert {r.name for r in report.rows if r.kind == "ECS capacity provider" and r.outcome == "deleted"} == set(
        first.values()
    )
    assert "capacity_provider_suffix" not in workshop.state.extra

    prerequisites.ensure_roles(workshop)
    prerequisites.ensure_network(workshop)
    prerequisites.ensure_clusters(workshop)
    second = {env: workshop.state.resources[f"capacity-provider/{env}"]["name"] for env in ("dev", "qa", "prod")}
    assert set(second.values()).isdisjoint(first.values())
    assert cleanup.cleanup(workshop, progress=False).ok


# -- 15: partitions ----------------------------------------------------------------------------------
def test_console_links_follow_the_partition_and_the_region_check_asks_the_home_region():
    from helpers.core.regions import console_url, home_region

    assert console_url("us-gov-west-1", "x").startswith("https://us-gov-west-1.console.amazonaws-us-gov.com/")
    assert console_url("cn-north-1", "x").startswith("https://cn-north-1.console.amazonaws.cn/")
    assert console_url("eu-west-1", "x").startswith("https://eu-west-1.console.aws.amazon.com/")
    assert (home_region("af-south-1"), home_region("us-gov-east-1")) == ("us-east-1", "us-gov-west-1")
    state = setup.configure(prefix=unique("optin"), region="af-south-1")
    check = {c.check: c for c in preflight.run_checks(state)}["region enabled"]
    assert check.status == preflight.OK and check.detail.startswith("af-south-1: ")


# -- 10: prefixes that make reserved names ------------------------------------------------------------
@pytest.mark.parametrize(
    ("prefix", "reserved"), [("sg-team", "sg-"), ("internal-ws", "internal-"), ("sthree-x", "sthree-")]
)
def test_prefixes_that_make_reserved_names_are_refused_up_front(prefix, reserved):
    with pytest.raises(InvalidSettingError) as excinfo:
        WorkshopSettings.build(prefix=prefix)
    assert f"starts with {reserved!r}, which AWS reserves" in str(excinfo.value)


# -- 13: log groups beyond the first page ----------------------------------------------------------
def test_cleanup_finds_its_log_groups_among_many_others():
    """DescribeLogGroups returns 50 groups a page; other participants' /ecs/<prefix>-... groups must
    not hide the workshop's own."""
    workshop = _workshop(unique("logs"))
    logs = sandbox_client("logs")
    for index in range(55):  # sorts before /ecs/<prefix>-dev
        logs.create_log_group(logGroupName=f"/ecs/{workshop.prefix}-a{index:02d}")
    for env in ("dev", "qa", "prod"):
        log_groups.ensure_log_group(workshop, env)
    found = {f.name for f in log_groups.find_log_groups(workshop)}
    assert found == {f"/ecs/{workshop.prefix}-{env}" for env in ("dev", "qa", "prod")}
    assert cleanup.cleanup(workshop, progress=False).ok
    remaining = logs.describe_log_groups(logGroupNamePrefix=f"/ecs/{workshop.prefix}-a")["logGroups"]
    assert len(remaining) == 50  # first page of the 55 look-alikes: untouched


# -- a new account's refusals, reproduced by the sandbox (localaws/account.py) ------------------------
@pytest.fixture
def new_account():
    """Set some of the sandbox's account settings for one test; every setting is reset afterwards."""
    yield lambda **changes: localaws_api.configure_account(changes)
    localaws_api.reset_account()


@pytest.fixture
def iam_propagates_once_refused(new_account, monkeypatch):
    """IAM propagates the test's new roles only once the kit has been refused one and said so: a window no
    machine's slowness can close before the first request (the default 5 s might be, on a loaded machine), which
    the sandbox's account then closes, so that the kit's retry is accepted."""
    new_account(iam_propagation_seconds=300)
    notices: list[str] = []

    def print_and_propagate(*args: object, **kwargs: object) -> None:
        text = " ".join(str(a) for a in args)
        if "does not accept the new IAM role yet" in text:
            if not notices:
                localaws_api.configure_account({"iam_propagation_seconds": 0})
            notices.append(text)
        print(*args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(resources_base, "print", print_and_propagate, raising=False)
    return notices


def _delete_the_ecs_service_linked_role() -> None:
    iam = sandbox_client("iam")
    try:  # an earlier test of this session may have created it: start from a new account's state
        iam.delete_service_linked_role(RoleName=roles.ECS_SERVICE_LINKED_ROLE)
        iam.delete_role(RoleName=roles.ECS_SERVICE_LINKED_ROLE)
    except iam.exceptions.NoSuchEntityException:
        pass


def test_a_new_instance_profile_refused_by_auto_scaling_is_retried(iam_propagates_once_refused, capsys):
    workshop = _workshop(unique("iamp"), launch_type="EC2")
    prerequisites.ensure_roles(workshop)  # the instance profile is seconds old when the groups are made
    prerequisites.ensure_network(workshop)
    prerequisites.ensure_clusters(workshop)
    assert "does not accept the new IAM role yet" in capsys.readouterr().out
    groups = sandbox_client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]
    assert {g["AutoScalingGroupName"] for g in groups} >= {
        workshop.state.resources[f"auto-scaling-group/{env}"]["name"] for env in ("dev", "qa", "prod")
    }
    assert cleanup.cleanup(workshop, progress=False).ok


@pytest.mark.slow  # all of notebook 01's steps, then a cleanup
def test_a_draining_service_is_awaited_not_updated(new_account):
    new_account(service_draining_seconds=3)
    workshop = _workshop(unique("drain"))
    for step in prerequisites.STEPS:
        step(workshop)
    ecs = sandbox_client("ecs")
    cluster, service = workshop.names.cluster("dev"), workshop.names.service("dev")
    ecs.delete_service(cluster=cluster, service=service, force=True)
    assert ecs.describe_services(cluster=cluster, services=[service])["services"][0]["status"] == "DRAINING"
    with pytest.raises(ecs.exceptions.ServiceNotActiveException):  # what a cleanup that scales it to 0 meets
        ecs.update_service(cluster=cluster, service=service, desiredCount=0)
    report = cleanup.cleanup(workshop, progress=False)
    assert report.ok, [r for r in report.rows if r.is_problem]
    assert ecs.describe_services(cluster=cluster, services=[service])["services"][0]["status"] == "INACTIVE"


def test_a_build_project_refused_a_new_role_is_retried(iam_propagates_once_refused, capsys):
    workshop = _workshop(unique("iamr"))
    prerequisites.ensure_roles(workshop)  # the CodeBuild role is seconds old
    from helpers import build_projects

    result = build_projects.deploy_nodejs_project(workshop)
    assert result.status == "CREATE_COMPLETE"
    assert "does not accept the new IAM role yet" in capsys.readouterr().out
    assert cleanup.cleanup(workshop, progress=False).ok


@pytest.mark.slow  # a workshop through notebook 02, then notebook 03 in a kernel of its own
def test_builds_refused_by_the_concurrency_quota_are_retried(new_account, tmp_path):
    """One concurrent CodeBuild build and no queue: Dev's and QA's first runs start two builds at once,
    one is refused with AccountLimitExceededException, and the watch retries the stage's failed actions
    until both pass."""
    from helpers import build_projects
    from tests.workshop_runs import plain_text

    # IAM's propagation delay is not this test's subject: the roles are usable at once
    new_account(codebuild_concurrency=1, codebuild_queue=0, iam_propagation_seconds=0)
    quota = sandbox_client("service-quotas").get_service_quota(ServiceCode="codebuild", QuotaCode="L-9D07B6EF")
    assert quota["Quota"]["Value"] == 1
    prefix = unique("quota")
    # notebooks 00-02 by the helpers their cells call (the watch, notebook 03, is what runs as the learner runs it)
    workshop = _workshop(prefix)
    prerequisites.ensure_all(workshop)
    build_projects.deploy_nodejs_project(workshop)
    build_projects.deploy_container_image_project(workshop)
    text = plain_text(run_notebook("03-pipelines.ipynb", tmp_path, prefix=prefix))
    assert "CodeBuild's concurrency quota refused a build" in text
    assert "Dev ✅ Succeeded" in text and "QA ✅ Succeeded" in text
    assert cleanup.cleanup(setup.open_workshop(prefix), progress=False).ok
    assert [r for r in cleanup.leftovers(setup.open_workshop(prefix)) if r.is_problem] == []


def test_a_region_the_account_has_not_enabled_fails_the_preflight(new_account):
    """me-south-1 is an opt-in region; a new account has not enabled it."""
    state = setup.configure(prefix=unique("optout"), region="me-south-1")
    check = {c.check: c for c in preflight.run_checks(state)}["region enabled"]
    assert check.status == preflight.FAIL and "Enable it" in check.next_step
    assert check.detail.startswith("me-south-1: not-opted-in")

    new_account(opted_in_regions=["me-south-1"])  # the account enables it
    check = {c.check: c for c in preflight.run_checks(state)}["region enabled"]
    assert (check.status, check.detail) == (preflight.OK, "me-south-1: opted-in")


@pytest.mark.slow  # papermill runs notebook 00 in a new kernel
def test_make_workshop_stops_at_a_red_preflight_with_the_kits_line(tmp_path):
    """`make workshop` is `python -m helpers workshop`: exit status 1 and one line, not papermill's traceback."""
    prefix = unique("hdl")
    setup.configure(prefix=prefix, region="eu-north-1", launch_type="EC2", instance_type="t2.micro")
    result = subprocess.run(
        [sys.executable, "-m", "helpers", "workshop", "--prefix", prefix, "--launch-type", "EC2",
         "--region", "eu-north-1", "--output", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 1
    assert "PreflightFailed: Preflight failed: instance type" in result.stderr and "set instance_type" in result.stderr
    assert "Traceback" not in result.stderr
