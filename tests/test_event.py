"""The instructor's event commands on the sandbox, and the aws path's quota and price logic against
stubbed Service Quotas, ELB and Price List answers: plan refuses what does not fit and accepts what does,
start writes one state file and one least-privilege policy per participant, status and cleanup find
exactly the event's participants."""

from __future__ import annotations

import dataclasses
import json

import pytest
import yaml
from botocore.stub import Stubber

from helpers.__main__ import main
from helpers.core import clients, state
from helpers.core.settings import WorkshopSettings
from helpers.event import INSTRUCTOR_OPERATIONS, names, prices, quotas
from helpers.event.plan import Plan
from helpers.event.quotas import NEEDS, PlanContext, quota_rows
from helpers.permissions import KIT_OPERATIONS
from helpers.permissions.studio import variable_before_fifth_colon
from tests.helpers_for_tests import unique
from tests.test_permissions import HELPERS, scan_helpers

# It changes its worker's sandbox (account settings, faults): xdist's --dist loadgroup keeps this file on one worker
# with a sandbox of its own, and its fixtures put the settings back for the files that run there after it.


@pytest.fixture(autouse=True)
def _event_quota():
    """The sandbox plays a new account (one CodeBuild build at a time); an event raises its quota first,
    as an instructor would (the plan says how), and the account is put back afterwards."""
    from localaws import api

    api.configure_account({"codebuild_concurrency": 20})
    yield
    api.reset_account()


def event_name() -> str:
    return unique("ev")


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


# -- names ---------------------------------------------------------------------------------------------
def test_participant_prefixes_are_numbered_to_one_width():
    assert names.participant_prefixes("ws", 3) == ["ws-01", "ws-02", "ws-03"]
    assert names.participant_prefixes("ws", 120)[0] == "ws-001"  # ws-01 would be the start of ws-010


@pytest.mark.parametrize(
    ("event", "why"),
    [
        ("WS", "not allowed"),
        ("ws-", "not allowed"),
        ("ws_1", "not allowed"),
        ("a-very-long-event-x", "at most 17"),
        ("", "empty"),
    ],
)
def test_an_event_name_that_would_give_an_invalid_prefix_is_refused(event, why):
    problems = names.event_problems(event, 12)
    assert problems and why in " ".join(problems)


def test_start_refuses_a_bad_name_before_creating_anything(capsys):
    before = sorted(p.name for p in state.workshop_home().iterdir())
    code, out = run(capsys, "event", "start", "--event", "Bad_Name", "--participants", "2")
    assert code == 2
    assert "Bad_Name" in out and "lowercase letters" in out
    assert sorted(p.name for p in state.workshop_home().iterdir()) == before


# -- plan on the sandbox ---------------------------------------------------------------------------------
def test_plan_accepts_an_event_that_fits(capsys):
    code, out = run(capsys, "event", "plan", "--participants", "2", "--hours", "3", "--json")
    plan = json.loads(out)
    assert code == 0 and plan["fits"] and plan["refusal"] == ""
    memory = next(q for q in plan["quotas"] if q["code"] == "sandbox/memory")
    # The hub's servers and kernels count too (walkthrough finding 2): 2 x (270 + 115 + 6 x 125) MB.
    assert memory["needed"] == 2 * (quotas.SANDBOX_MB_PER_PARTICIPANT + quotas.HUB_MB_PER_PARTICIPANT) == 2270
    cost = plan["cost"]
    assert cost["hours"] == 3 and cost["event_total"] == pytest.approx(
        2 * (3 * cost["running_per_participant_per_hour"] + cost["one_off_per_participant"]), abs=0.01
    )
    assert cost["price_table"]["as_of"] and "pricing" in cost["price_table"]["source"]
    assert {line["source"].split(" ")[0] for line in cost["lines"]} == {"data/prices.json"}


def test_plan_refuses_an_event_beyond_the_sandbox_machine_and_says_why(capsys, monkeypatch):
    monkeypatch.setattr(quotas, "SANDBOX_MB_PER_PARTICIPANT", 10**9)
    code, out = run(capsys, "event", "plan", "--participants", "3")
    assert code == 1
    assert "does NOT fit" in out and "Refused" in out
    assert "memory for the sandbox and the hub's Jupyter servers" in out and "fewer participants" in out


def test_start_refuses_an_event_that_does_not_fit_and_writes_nothing(capsys, monkeypatch):
    monkeypatch.setattr(quotas, "SANDBOX_MB_PER_PARTICIPANT", 10**9)
    event = event_name()
    code, out = run(capsys, "event", "start", "--event", event, "--participants", "2")
    assert code == 2 and "does not fit" in out
    assert not list(state.workshop_home().glob(f"{event}-*.json"))


# -- plan on aws: Service Quotas and the service APIs, stubbed -------------------------------------------
class StubbedContext(PlanContext):
    def __init__(self, settings: WorkshopSettings, stubbed: dict[str, object]) -> None:
        super().__init__(settings)
        self.stubbed = stubbed

    def client(self, service, region=None):
        return self.stubbed[service]


def aws_client(service: str):
    settings = WorkshopSettings.build(backend="aws", region="eu-west-1")
    session = clients.boto3.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="eu-west-1")
    return clients.client(service, settings, session)


def test_on_aws_a_quota_too_low_is_refused_by_name_with_the_increase_to_ask_for(monkeypatch):
    monkeypatch.setattr(quotas, "NEEDS", tuple(n for n in NEEDS if n.quota_code == "L-53DA6B97"))
    service_quotas, elbv2 = aws_client("service-quotas"), aws_client("elbv2")
    settings = WorkshopSettings.build(backend="aws", region="eu-west-1")
    balancers = [{"LoadBalancerName": f"lb{i}", "Type": "application" if i < 48 else "network"} for i in range(50)]
    with Stubber(service_quotas) as sq, Stubber(elbv2) as lb:
        for _ in range(2):
            sq.add_response(
                "get_service_quota",
                {"Quota": {"QuotaCode": "L-53DA6B97", "Value": 50.0}},
                {"ServiceCode": "elasticloadbalancing", "QuotaCode": "L-53DA6B97"},
            )
            lb.add_response("describe_load_balancers", {"LoadBalancers": balancers})
        context = StubbedContext(settings, {"service-quotas": service_quotas, "elbv2": elbv2})
        fits, too_many = quota_rows(context, 2), quota_rows(context, 3)
    assert fits[0].fits and (fits[0].limit, fits[0].in_use, fits[0].needed) == (50, 48, 2)
    assert not too_many[0].fits
    plan = Plan(3, settings, too_many, prices.estimate("eu-west-1", "FARGATE", "t2.micro", 3, 4))
    refusal = plan.refusal()
    assert "Application Load Balancers per Region (elasticloadbalancing/L-53DA6B97)" in refusal
    assert "48 in use + 3 needed > limit 50" in refusal
    assert "--quota-code L-53DA6B97 --desired-value 51 --region eu-west-1" in refusal


def test_on_aws_an_unapplied_quota_falls_back_to_the_aws_default(monkeypatch):
    monkeypatch.setattr(quotas, "NEEDS", tuple(n for n in NEEDS if n.quota_code == "L-9D07B6EF"))
    service_quotas = aws_client("service-quotas")
    settings = WorkshopSettings.build(backend="aws", region="eu-west-1")
    with Stubber(service_quotas) as sq:
        sq.add_client_error("get_service_quota", "NoSuchResourceException", "not applied")
        sq.add_response("get_aws_default_service_quota", {"Quota": {"QuotaCode": "L-9D07B6EF", "Value": 1.0}})
        [row] = quota_rows(StubbedContext(settings, {"service-quotas": service_quotas}), 1)
    # a new account's CodeBuild concurrency of 1 cannot run one participant's two first builds at once
    assert (row.limit, row.source, row.needed, row.fits) == (1, "Service Quotas (AWS default)", 2, False)


def test_on_aws_prices_come_from_the_price_list_api_and_say_so():
    pricing = aws_client("pricing")
    product = {
        "product": {"attributes": {"usagetype": "EU-LoadBalancerUsage"}},
        "terms": {"OnDemand": {"t": {"priceDimensions": {"d": {"pricePerUnit": {"USD": "0.0252"}}}}}},
    }
    with Stubber(pricing) as stub:
        stub.add_response("get_products", {"PriceList": [json.dumps(product)]})
        for _ in range(4):  # LCU, Fargate vCPU and memory, IPv4: no answer, so the table
            stub.add_response("get_products", {"PriceList": []})
        estimate = prices.estimate("eu-west-1", "FARGATE", "t2.micro", 1, 4, pricing)
    lines = {line.item: line for line in estimate.lines}
    assert lines["load balancer"].price == 0.0252
    assert lines["load balancer"].source == "Price List API (eu-west-1)"
    assert lines["Fargate vCPU"].source.startswith("data/prices.json") and "us-east-1 prices" in (
        lines["Fargate vCPU"].source
    )


# -- start, status, cleanup -------------------------------------------------------------------------------
def test_start_writes_each_participants_settings_and_least_privilege_policy(capsys):
    state.set_current_prefix("instructor-own")
    event = event_name()
    code, out = run(capsys, "event", "start", "--event", event, "--participants", "3", "--launch-type", "EC2")
    assert code == 0, out
    prefixes = [f"{event}-01", f"{event}-02", f"{event}-03"]
    for prefix in prefixes:
        saved = state.load_state(prefix).settings
        assert (saved.prefix, saved.launch_type, saved.backend) == (prefix, "EC2", "sandbox")
    assert state.current_prefix() == "instructor-own"  # the instructor's own workshop is still the current one
    folder = names.event_folder(event)
    policy = json.loads((folder / "policies" / f"{event}-01.json").read_text())
    text = json.dumps(policy)
    assert f"{event}-01" in text and f"{event}-02" not in text and f"{event}-03" not in text
    for statement in policy["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in action for action in actions)
    spec = yaml.safe_load((folder / "workshop-studio" / "contentspec.yaml").read_text())
    regions = spec["awsAccountConfig"]["regionConfiguration"]
    assert regions["deployableRegions"]["required"] == ["us-east-1"]
    studio_text = ""
    for policy_file in spec["awsAccountConfig"]["participantRole"]["iamPolicies"]:
        document = json.loads((folder / "workshop-studio" / policy_file).read_text())
        studio_text += json.dumps(document)
        for statement in document["Statement"]:  # IAM allows a variable only after an ARN's fifth colon
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            assert not any(variable_before_fifth_colon(r) for r in resources), statement
    # The account is the participant's own: named by the variable inside the bucket's name, "*" in account fields.
    assert f"{event}-01-artifacts-${{aws:PrincipalAccount}}-us-east-1" in studio_text
    assert "arn:aws:iam::*:role/" in studio_text and ":${aws:PrincipalAccount}:" not in studio_text

    code, out = run(capsys, "event", "status", "--event", event, "--json")
    document = json.loads(out)
    assert code == 0 and document["event"] == event
    assert [p["prefix"] for p in document["participants"]] == prefixes
    assert {p["step"] for p in document["participants"]} == {"00-setup"}
    assert set(document["participants"][0]["environments"]) == {"dev", "qa", "prod"}

    code, out = run(capsys, "event", "cleanup", "--event", event)
    assert code == 0 and "Nothing of event" in out


def test_status_and_cleanup_of_an_unknown_event_say_how_to_start_one(capsys):
    for command in ("status", "cleanup"):
        code, out = run(capsys, "event", command, "--event", "never-started")
        assert code == 2 and "event start" in out, command


def test_known_prefixes_are_the_events_participants_only():
    event = event_name()
    for prefix in (f"{event}-01", f"{event}-02", f"{event}-001", f"{event}x-01", f"{event}-01-b"):
        state.save_settings(WorkshopSettings.build(prefix=prefix))
    names.EventRecord(event, 2, {}, [f"{event}-01", f"{event}-02"]).save()
    assert names.known_prefixes(event) == [f"{event}-01", f"{event}-02"]


def test_the_instructor_operations_cover_what_the_event_tooling_calls():
    scanned = scan_helpers(HELPERS / "event", skip=None)
    declared = {s: set(INSTRUCTOR_OPERATIONS.get(s, ())) | set(KIT_OPERATIONS.get(s, ())) for s in scanned}
    missing = {s: sorted(ops - declared[s]) for s, ops in scanned.items() if ops - declared[s]}
    assert not missing, f"helpers/event calls these but INSTRUCTOR_OPERATIONS does not list them: {missing}"


def test_event_cleanup_counts_the_rows_cleanup_reports():
    """The counts come from the rows' outcome (walkthrough finding 4: they read a field the rows do not have)."""
    from dataclasses import asdict

    from helpers.cleanup import ALREADY_GONE, DELETED, NOT_OURS, CleanupRow
    from helpers.event.teardown import EventCleanup, ParticipantCleanup

    rows = [asdict(CleanupRow("ECS service", f"ws-01-{e}", DELETED)) for e in ("dev", "qa", "prod")]
    rows += [asdict(CleanupRow("S3 bucket", "ws-01-artifacts", ALREADY_GONE))]
    rows += [asdict(CleanupRow("IAM role", "ws-01-codebuild", NOT_OURS, "no tag workshop:prefix=ws-01"))]
    frame = EventCleanup("ws", [ParticipantCleanup("ws-01", True, rows)]).frame().set_index("prefix")
    assert frame.loc["ws-01", "deleted"] == 3
    assert frame.loc["ws-01", "left alone (not this participant's)"] == 1


def test_the_plan_counts_the_advanced_modules_green_target_group_listener_role_and_task(monkeypatch):
    """Blue/green for Prod adds per participant a target group, ECS's infrastructure role and (while a deployment
    bakes) a second Prod task; its test listener is the fourth of the participant's own load balancer, so the
    listeners needed do not grow with the participants."""
    codes = {"L-B22855CB", "L-B6DF7632", "L-FE177D64", "L-3032A538"}
    needs = tuple(dataclasses.replace(n, usage=None) for n in NEEDS if n.quota_code in codes)
    monkeypatch.setattr(quotas, "NEEDS", needs)
    monkeypatch.setattr(quotas, "quota_limit", lambda ctx, need: (None, "not read"))
    settings = WorkshopSettings.build(backend="aws", region="eu-west-1", launch_type="FARGATE")
    context = StubbedContext(settings, {})
    rows = {row.code.split("/")[1]: row.needed for row in quota_rows(context, 10)}
    assert rows == {"L-B22855CB": 40, "L-B6DF7632": 4, "L-FE177D64": 60, "L-3032A538": 10.0}


# -- identities on aws: the aws backend's code, answered by the sandbox ------------------------------------
@pytest.fixture
def aws_is_the_sandbox(monkeypatch, tmp_path):
    """The aws backend pointed at the sandbox (``AWS_ENDPOINT_URL``) with the account's own keys, as an instructor's
    administrator credentials; the plan is the sandbox's (the Price List API has no sandbox)."""
    from helpers.core import sandbox
    from helpers.event import start
    from helpers.event.plan import plan_event

    for name, value in {
        "AWS_ENDPOINT_URL": sandbox.endpoint(),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(
        start, "plan_event", lambda n, s, hours, session: plan_event(n, dataclasses.replace(s, backend="sandbox"))
    )
    clients.reset()
    yield
    clients.reset()


@pytest.mark.parametrize("studio", [False, True], ids=["shared-account", "workshop-studio"])
def test_on_aws_start_makes_the_identities_only_when_asked_and_prints_them(capsys, aws_is_the_sandbox, studio):
    import configparser
    import os
    import stat

    import boto3

    from helpers.core import sandbox
    from helpers.event.identities import aws_identities_file
    from tests.helpers_for_tests import sandbox_client

    iam = sandbox_client("iam")
    variant = ["--workshop-studio"] if studio else []
    unasked = event_name()
    code, out = run(capsys, "event", "start", "--event", unasked, "--participants", "1", "--backend", "aws", *variant)
    assert code == 0, out
    assert iam.list_users(PathPrefix=f"/workshop/{unasked}/")["Users"] == []  # not asked: nothing made on AWS
    assert iam.list_roles(PathPrefix=f"/workshop/{unasked}/")["Roles"] == []
    assert "Made " not in out

    event = event_name()
    argv = ["event", "start", "--event", event, "--participants", "1", "--backend", "aws", "--identities", *variant]
    code, out = run(capsys, *argv)
    assert code == 0, out
    path, config_file = f"/workshop/{event}/", aws_identities_file(event)
    kind = "role" if studio else "user"
    arns = [f"arn:aws:iam::123456789012:{kind}{path}{event}-01"]
    assert f"Made 1 IAM {kind}s under {path} (profiles in {config_file}):" in out
    for arn in arns:
        assert arn in out
    assert "aws_secret_access_key" not in out and "testing" not in out
    listed = iam.list_roles(PathPrefix=path)["Roles"] if studio else iam.list_users(PathPrefix=path)["Users"]
    assert sorted(r["Arn"] for r in listed) == arns
    attached = (
        iam.list_attached_role_policies(RoleName=f"{event}-01")
        if studio
        else iam.list_attached_user_policies(UserName=f"{event}-01")
    )["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached][:1] == [f"{event}-01-1"]
    # The profiles: the event's own file, mode 600, no endpoint (real AWS); the state files keep the instructor's.
    assert stat.S_IMODE(os.stat(config_file).st_mode) == 0o600
    config = configparser.ConfigParser()
    config.read(config_file)
    profile = config[f"profile {event}-01"]
    assert "endpoint_url" not in profile
    assert state.load_state(f"{event}-01").settings.profile is None
    keys = config[f"profile {event}-studio"] if studio else profile
    caller = boto3.client(
        "sts",
        endpoint_url=sandbox.endpoint(),
        region_name="us-east-1",
        aws_access_key_id=keys["aws_access_key_id"],
        aws_secret_access_key=keys["aws_secret_access_key"],
    )
    if studio:
        assumed = caller.assume_role(RoleArn=profile["role_arn"], RoleSessionName=f"{event}-01")["AssumedRoleUser"]
        assert assumed["Arn"] == f"arn:aws:sts::123456789012:assumed-role/{event}-01/{event}-01"
    else:
        assert caller.get_caller_identity()["Arn"] == arns[0]

    code, out = run(capsys, "event", "cleanup", "--event", event, "--json")
    assert code == 0, out
    assert iam.list_users(PathPrefix=path)["Users"] == [] and iam.list_roles(PathPrefix=path)["Roles"] == []
    assert iam.list_policies(Scope="Local", PathPrefix=path)["Policies"] == []
    assert f"profile {event}-01" not in config_file.read_text()


def test_a_workshop_studio_participants_account_is_derived_stably_and_never_taken():
    """Each participant's own account on the sandbox (``studio_roles.participant_accounts``): 12 digits, the same for
    the same event and prefix, distinct from each other and from the instructor's, the next number when taken."""
    from helpers.event.studio_roles import participant_account, participant_accounts

    prefixes = [f"ev-{n:02d}" for n in range(1, 41)]
    accounts = participant_accounts("ev", prefixes, "123456789012")
    assert accounts == participant_accounts("ev", prefixes, "123456789012")
    assert len(set(accounts.values())) == 40 and "123456789012" not in accounts.values()
    assert all(len(a) == 12 and a.isdigit() and not a.startswith("0") for a in accounts.values())
    assert participant_accounts("other", prefixes, "123456789012") != accounts
    first = accounts["ev-01"]
    assert participant_account("ev", "ev-01", {first}) == str(int(first) + 1)
