"""The kit's list of the learner's AWS actions is complete and honest, and the learner policy it
renders is least-privilege (exact resources, no wildcard actions) and fits IAM's size limits."""

from __future__ import annotations

import ast
import json
from collections import defaultdict
from pathlib import Path

import boto3
import botocore.session
import pytest

from helpers import permissions
from helpers.core.naming import Names
from helpers.core.paths import REPO_ROOT
from helpers.permissions import check
from helpers.permissions import policy as policy_module

HELPERS = REPO_ROOT / "helpers"
SERVICES = set(boto3.Session().get_available_services())
#: Short names the helpers give clients they receive as parameters.
PARAMETER_ALIASES = {"cfn": "cloudformation"}


def _client_service(node: ast.AST) -> str | None:
    """``X.client("svc", ...)`` -> ``svc`` (``workshop.client``, ``clients.client``)."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "client"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value in SERVICES
    ):
        return str(node.args[0].value)
    return None


#: The instructor's event tooling runs with the instructor's identity, not the learner's; its calls are
#: listed in helpers/event/__init__.py (INSTRUCTOR_OPERATIONS) and checked in tests/test_event.py.
INSTRUCTOR_TOOLING = HELPERS / "event"


def scan_helpers(root: Path = HELPERS, skip: Path | None = INSTRUCTOR_TOOLING) -> dict[str, set[str]]:
    """Every boto3 operation called in ``helpers/``: on a client obtained through ``.client("svc")``
    directly, through a variable assigned from it, or through a parameter named after the service;
    waiters and paginators count as the operation they call."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in sorted(root.rglob("*.py")):
        if skip is None or skip not in path.parents:
            _scan_file(path, found)
    return found


def scan_notebooks() -> dict[str, set[str]]:
    """The same for the notebooks' cells (their py:percent files): a cell that calls AWS itself, e.g. notebook
    04's ``start_pipeline_execution``, needs the action as much as a helper does (review 2, row 6)."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in sorted((REPO_ROOT / "notebooks").rglob("[0-9][0-9]-*.py")):
        _scan_file(path, found)
    for path in sorted((REPO_ROOT / "notebooks" / "advanced").glob("*.py")):  # the optional modules
        _scan_file(path, found)
    return found


def _scan_file(path: Path, found: dict[str, set[str]]) -> None:
    tree = ast.parse(path.read_text())
    scopes: list[ast.AST] = [
        tree,
        *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)),
    ]
    for scope in scopes:
        arguments = scope.args.args if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef) else []
        variables = {a.arg: a.arg for a in arguments if a.arg in SERVICES}
        variables.update({a.arg: PARAMETER_ALIASES[a.arg] for a in arguments if a.arg in PARAMETER_ALIASES})
        for node in ast.walk(scope):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                service = _client_service(node.value)
                if service:
                    variables[node.targets[0].id] = service
        for node in ast.walk(scope):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                _record_call(node, variables, found, path)


def _record_call(node: ast.Call, variables: dict[str, str], found: dict[str, set[str]], path: Path) -> None:
    assert isinstance(node.func, ast.Attribute)
    base = node.func.value
    service = _client_service(base) or (variables.get(base.id) if isinstance(base, ast.Name) else None)
    if service is None or node.func.attr in ("exceptions", "meta", "can_paginate"):
        return
    operation = node.func.attr
    if operation in ("get_paginator", "get_waiter"):
        assert node.args and isinstance(node.args[0], ast.Constant), f"{path}: dynamic {operation}"
        name = str(node.args[0].value)
        if operation == "get_waiter":
            waiter = (
                botocore.session.get_session()
                .get_waiter_model(service)
                .get_waiter(botocore.xform_name(name).title().replace("_", ""))
            )
            operation = botocore.xform_name(waiter.operation)
        else:
            operation = name
    found[service].add(operation)


def test_every_operation_the_helpers_and_notebooks_call_is_listed_and_nothing_else():
    scanned = scan_helpers()
    for service, operations in scan_notebooks().items():
        scanned[service] |= operations
    listed = {service: set(operations) for service, operations in permissions.KIT_OPERATIONS.items()}
    missing = {s: sorted(ops - listed.get(s, set())) for s, ops in scanned.items() if ops - listed.get(s, set())}
    stale = {s: sorted(ops - scanned.get(s, set())) for s, ops in listed.items() if ops - scanned.get(s, set())}
    assert not missing, f"helpers or notebooks call these but helpers/permissions/operations.py does not: {missing}"
    assert not stale, f"helpers/permissions/operations.py lists operations nothing calls any more: {stale}"


def test_the_scan_sees_the_notebooks_own_calls():
    assert "start_pipeline_execution" in scan_notebooks()["codepipeline"]


def test_the_scan_sees_waiters_paginators_and_parameters():
    scanned = scan_helpers()
    assert "describe_stacks" in scanned["cloudformation"]  # stack_delete_complete waiter
    assert "list_task_definitions" in scanned["ecs"]  # paginator
    assert "simulate_principal_policy" in scanned["iam"]  # paginator on a parameter named iam


def test_every_listed_operation_exists_and_maps_to_a_known_action():
    for service, operations in permissions.KIT_OPERATIONS.items():
        for operation in operations:
            for action in permissions.operation_actions(service, operation):
                prefix, _, name = action.partition(":")
                assert prefix and name[:1].isupper(), action


def test_required_actions_have_no_wildcards():
    actions = permissions.required_actions()
    assert len(actions) == len(set(actions)) > 100
    assert not [a for a in actions if "*" in a]
    assert "sts:GetCallerIdentity" not in actions  # needs no permission


@pytest.fixture(scope="module")
def policy():
    return permissions.learner_policy("ecs-cd-jd", "eu-west-1", "111122223333")


def test_learner_policy_grants_every_action_once_on_exact_resources(policy):
    granted = []
    for statement in policy["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        granted += actions
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        if resources == ["*"]:
            assert set(actions) <= permissions.UNSCOPED_ACTIONS, actions
        for resource in resources:
            # a participant whose prefix starts with this one (ecs-cd-jd-x) is never reached
            assert "ecs-cd-jd-*" not in resource and "ecs-cd-jd*" not in resource, resource
    # iam:PassRole twice: the five roles to their services, and ECS's infrastructure role (advanced module) to ECS.
    assert granted.count("iam:PassRole") == 2
    assert [*sorted(a for a in granted if a != "iam:PassRole"), "iam:PassRole"] == sorted(
        permissions.required_actions(), key=lambda a: (a == "iam:PassRole", a)
    )
    pass_roles = [s for s in policy["Statement"] if s["Action"] == "iam:PassRole"]
    assert all("iam:PassedToService" in s["Condition"]["StringEquals"] for s in pass_roles)
    assert pass_roles[1]["Condition"]["StringEquals"]["iam:PassedToService"] == "ecs.amazonaws.com"
    assert pass_roles[1]["Resource"].endswith(":role/ecs-cd-jd-ecs-infrastructure-role")


def test_learner_policy_is_partition_aware():
    text = json.dumps(permissions.learner_policy("ws", "us-gov-west-1", "111122223333", "aws-us-gov"))
    assert "arn:aws:" not in text and "arn:aws-us-gov:" in text


def test_learner_policy_fits_managed_policies():
    documents = permissions.learner_policy_documents("ecs-cd-jd", "eu-west-1", "111122223333")
    assert all(policy_module._size(d) <= permissions.MANAGED_POLICY_LIMIT for d in documents)
    statements = [s for d in documents for s in d["Statement"]]
    assert statements == permissions.learner_policy("ecs-cd-jd", "eu-west-1", "111122223333")["Statement"]


def test_principal_of_an_assumed_role_session_is_its_role_with_its_path():
    from tests.helpers_for_tests import sandbox_client, unique

    iam = sandbox_client("iam")
    session = "arn:aws:sts::123456789012:assumed-role/Participant/jd@example.com"
    assert check._principal_arn(iam, session) == "arn:aws:iam::123456789012:role/Participant"  # no such role
    user = "arn:aws:iam::123456789012:user/jd"
    assert check._principal_arn(iam, user) == user
    # An SSO role lives under a path the session ARN leaves out; the simulator needs the whole ARN (review 2, row 20).
    name = unique("AWSReservedSSO_Participant")
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "sso.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    iam.create_role(RoleName=name, Path="/aws-reserved/sso.amazonaws.com/", AssumeRolePolicyDocument=json.dumps(trust))
    assert check._principal_arn(iam, f"arn:aws:sts::123456789012:assumed-role/{name}/jd") == (
        f"arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/{name}"
    )


# -- the preflight check, answered by the sandbox's policy simulator -----------------------------------
def _learner_documents(prefix: str, removed: set[str]) -> list[dict]:
    """The learner policy's managed policies for ``prefix`` in the sandbox's account, without the ``removed``
    actions (a statement left with none keeps a harmless one)."""
    documents = permissions.learner_policy_documents(prefix, "us-east-1", "123456789012")
    for document in documents:
        for statement in document["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            statement["Action"] = [a for a in actions if a not in removed] or ["sts:GetCallerIdentity"]
    return documents


def _participant_role(documents: list[dict]) -> str:
    """A participant role as an event account would have it: the learner policy as managed policies."""
    from tests.helpers_for_tests import sandbox_client, unique

    iam = sandbox_client("iam")
    name = unique("participant")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}
        ],
    }
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    for index, document in enumerate(documents):
        policy = iam.create_policy(PolicyName=f"{name}-{index}", PolicyDocument=json.dumps(document))["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=name, PolicyArn=policy)
    return arn


def test_the_learner_policy_allows_everything_the_simulator_is_asked():
    from tests.helpers_for_tests import sandbox_client

    scope = permissions.Scope(Names("ws", "123456789012", "us-east-1"), "aws")
    role = _participant_role(permissions.learner_policy_documents("ws", "us-east-1", "123456789012"))
    assert check._simulate(sandbox_client("iam"), role, scope) == []


def test_a_restricted_participant_role_is_told_what_it_lacks():
    from tests.helpers_for_tests import sandbox_client

    scope = permissions.Scope(Names("ws", "123456789012", "us-east-1"), "aws")
    removed = {"iam:PassRole", "ecs:CreateService", "codebuild:CreateProject"}
    role = _participant_role(_learner_documents("ws", removed))
    assert check._simulate(sandbox_client("iam"), role, scope) == sorted(removed)


def test_every_resource_is_asked_not_one_representative():
    """A policy that lets GetRole read the workshop's roles but not ECS's service-linked role fails in notebook
    01's first cell on AWS (review 2, row 1); the preflight must see it. Same for a stage-level action."""
    from tests.helpers_for_tests import sandbox_client

    scope = permissions.Scope(Names("ws", "123456789012", "us-east-1"), "aws")
    documents = permissions.learner_policy_documents("ws", "us-east-1", "123456789012")
    for document in documents:
        for statement in document["Statement"]:
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            kept = [r for r in resources if "aws-service-role" not in r and not r.endswith(":ws-qa/*")]
            statement["Resource"] = kept or resources
    role = _participant_role(documents)
    assert check._simulate(sandbox_client("iam"), role, scope) == [
        "codepipeline:RetryStageExecution",
        "codepipeline:RollbackStage",
        "iam:GetRole",
    ]


def _learner_user(prefix: str, removed: set[str]) -> str:
    """An IAM user with the learner policy for ``prefix`` (as managed policies) less the ``removed`` actions, and a
    sandbox profile named ``prefix`` that signs as them, as ``event start`` makes one; the user's ARN."""
    from helpers.core import clients
    from helpers.event.identities import save_profiles
    from tests.helpers_for_tests import sandbox_client

    iam = sandbox_client("iam")
    arn = iam.create_user(UserName=prefix)["User"]["Arn"]
    for index, document in enumerate(_learner_documents(prefix, removed)):
        policy = iam.create_policy(PolicyName=f"{prefix}-{index}", PolicyDocument=json.dumps(document))["Policy"]
        iam.attach_user_policy(UserName=prefix, PolicyArn=policy["Arn"])
    key = iam.create_access_key(UserName=prefix)["AccessKey"]
    profile = {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}
    save_profiles({prefix: {**profile, "region": "us-east-1"}}, remove=[])
    clients.reset()
    return str(arn)


def test_the_preflight_row_on_the_sandbox():
    """The row a learner sees in notebook 00, on the sandbox: the sandbox's default credentials are the account's
    root user (GetCallerIdentity says so, as AWS does for root credentials), whom the simulator cannot be asked
    about and IAM does not restrict; an IAM user with the learner policy is green; the same user without three of
    its actions is red, naming them and saying what to do."""
    from helpers import setup
    from tests.helpers_for_tests import unique

    root = unique("perm")
    setup.configure(prefix=root)
    check = permissions.permissions_check(setup.open_workshop(root).state)
    assert (check.check, check.status) == ("permissions", "ok")
    assert "root user may call every action" in check.detail

    allowed = unique("permok")
    _learner_user(allowed, removed=set())
    setup.configure(prefix=allowed, profile=allowed)
    check = permissions.permissions_check(setup.open_workshop(allowed).state)
    assert (check.status, check.detail) == (
        "ok",
        f"all {len(permissions.required_actions())} actions the kit calls are allowed",
    )

    restricted = unique("permno")
    removed = {"iam:PassRole", "ecs:CreateService", "codebuild:CreateProject"}
    _learner_user(restricted, removed)
    setup.configure(prefix=restricted, profile=restricted)
    check = permissions.permissions_check(setup.open_workshop(restricted).state)
    assert check.status == "fail"
    assert check.detail.startswith(f"3 of {len(permissions.required_actions())} actions are not allowed: ")
    assert set(check.detail.split(": ", 1)[1].split(", ")) == removed
    assert "learner policy" in check.next_step
