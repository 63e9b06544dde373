"""Least privilege measured: after a whole-workshop run, compare what each service role was granted
with what the sandbox recorded it using (``localaws.api.iam_usage``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
import yaml
from botocore.exceptions import ClientError

from helpers import setup
from helpers.__main__ import main
from helpers.core.paths import DATA_DIR
from helpers.resources.roles import INLINE_POLICY_NAME, required_roles, role_name
from localaws import api
from tests.helpers_for_tests import REGION, sandbox_client

NOT_EXERCISED: dict[str, dict[str, str]] = yaml.safe_load((DATA_DIR / "policies" / "not-exercised.yaml").read_text())


@dataclass
class RoleUsage:
    key: str
    granted: set[str]
    used: set[str]
    pairs: int  # distinct (action, resource) pairs used
    calls: int
    denied: list[dict[str, str]]

    @property
    def explained(self) -> set[str]:
        return set(NOT_EXERCISED.get(self.key, {}))


def _actions(document: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for statement in document["Statement"]:
        if statement["Effect"] == "Allow":
            actions = statement["Action"]
            found.update(actions if isinstance(actions, list) else [actions])
    return found


def role_usage(prefix: str) -> list[RoleUsage]:
    workshop = setup.open_workshop(prefix)
    iam = sandbox_client("iam", account=workshop.account)  # the roles are in the participant's account
    report = api.iam_usage()
    rows = []
    for spec in required_roles(workshop):
        name = role_name(workshop, spec)
        arn = iam.get_role(RoleName=name)["Role"]["Arn"]
        document = iam.get_role_policy(RoleName=name, PolicyName=INLINE_POLICY_NAME)["PolicyDocument"]
        document = json.loads(document) if isinstance(document, str) else document
        uses = report["roles"].get(arn, [])
        rows.append(
            RoleUsage(
                spec.key,
                _actions(document),
                {u["action"] for u in uses},
                len(uses),
                sum(int(u["count"]) for u in uses),
                [d for d in report["denied"] if d["role"] == arn],
            )
        )
    return rows


def assert_least_privilege(prefix: str, launch_type: str) -> str:
    """Every granted action was used by some step or is explained in not-exercised.yaml; nothing
    explained there was used after all; no role was refused anything. Returns the report table."""
    rows = role_usage(prefix)
    problems = []
    for row in rows:
        unused = row.granted - row.used - row.explained
        if unused:
            problems.append(f"{row.key}: granted, never used, not explained: {sorted(unused)}")
        used_anyway = row.explained & row.used
        if used_anyway:
            problems.append(f"{row.key}: not-exercised.yaml lists actions the workshop used: {sorted(used_anyway)}")
        if row.used - row.granted:
            problems.append(f"{row.key}: used without a grant: {sorted(row.used - row.granted)}")
        if row.denied:
            problems.append(f"{row.key}: refused {[(d['action'], d['resource']) for d in row.denied]}")
    table = report_table(rows, launch_type)
    assert not problems, "\n".join(problems) + "\n" + table
    return table


def report_table(rows: list[RoleUsage], launch_type: str) -> str:
    lines = [
        f"| role ({launch_type}) | granted | used | not exercised (explained) | action-resource pairs | checks |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        not_exercised = len(row.granted & row.explained - row.used)
        lines.append(
            f"| {row.key} | {len(row.granted)} | {len(row.used & row.granted)} | {not_exercised} | "
            f"{row.pairs} | {row.calls} |"
        )
    return "\n".join(lines)


@dataclass
class IdentityUsage:
    """What one participant identity (an IAM user or an assumed role's session) used of its policy, from the
    sandbox's usage report: the actions, each statement's requests (``alone``: no other statement allowed them,
    so the statement is proven needed), its refusals, and apart from it the requests the account's own (root)
    credentials signed, which IAM does not evaluate (the instructor's ``event start``, the test's own setup)."""

    arn: str
    sids: list[str]
    granted: set[str]
    used: set[str]
    statements: dict[str, dict[str, int]]
    denied: list[tuple[str, str]]
    root: dict[str, int]

    @property
    def proven(self) -> set[str]:
        return {sid for sid, counts in self.statements.items() if counts["alone"]}

    def table(self) -> str:
        lines = ["| statement | requests it allowed | of them, allowed by it alone | proven |", "|---|---:|---:|---|"]
        for sid in self.sids:
            counts = self.statements.get(sid, {"allowed": 0, "alone": 0})
            proven = "yes" if counts["alone"] else "no"
            lines.append(f"| {sid} | {counts['allowed']} | {counts['alone']} | {proven} |")
        lines.append(f"| (root: the account's own keys, not evaluated) | {sum(self.root.values())} | – | – |")
        return "\n".join(lines)


def identity_usage(arn: str, documents: list[dict[str, Any]]) -> IdentityUsage:
    """``arn``'s usage (an IAM user's ARN, or an assumed role's session ARN) against its policy ``documents``."""
    report = api.iam_usage()
    sids = [s["Sid"] for document in documents for s in document["Statement"]]
    granted: set[str] = set()
    for document in documents:
        granted |= _actions(document)
    return IdentityUsage(
        arn,
        sids,
        granted,
        {u["action"] for u in report["identities"].get(arn, [])},
        report["statements"].get(arn, {}),
        [(d["action"], d["resource"]) for d in report["denied"] if d["role"] == arn],
        dict(report.get("root", {})),
    )


def attached_documents(kind: str, name: str, account: str | None = None) -> list[tuple[str, str, dict[str, Any]]]:
    """The customer managed policies attached to a user or role (``kind``) in ``account`` (the default one unless
    named): ARN, default version and document."""
    from urllib.parse import unquote

    iam = sandbox_client("iam", account=account)
    attached = (
        iam.list_attached_user_policies(UserName=name)
        if kind == "user"
        else iam.list_attached_role_policies(RoleName=name)
    )["AttachedPolicies"]
    found = []
    for policy in attached:
        arn = policy["PolicyArn"]
        version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        raw = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
        found.append((arn, version, raw if isinstance(raw, dict) else json.loads(unquote(raw))))
    return found


def remove_each_proven_statement(
    kind: str, name: str, principal_arn: str, statements: dict[str, dict[str, Any]], account: str
) -> list[str]:
    """For every statement with an example (a request it alone allowed, as the sandbox recorded it), its policy gets a
    version without it and the example is asked again of IAM's policy simulator for the user or role: it must be
    implicitly denied; then the version with it is put back and the example is allowed again. Returns a line per
    statement removed."""
    iam = sandbox_client("iam", account=account)
    documents = attached_documents(kind, name, account)
    removed = []
    for sid, counts in sorted(statements.items()):
        example = counts.get("example")
        if example is None:
            continue
        arn, version, document = next(
            (a, v, d) for a, v, d in documents if any(s["Sid"] == sid for s in d["Statement"])
        )
        without = {**document, "Statement": [s for s in document["Statement"] if s["Sid"] != sid]}
        new = iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(without), SetAsDefault=True)
        try:
            decision = _simulate(iam, principal_arn, example, account)
        finally:
            iam.set_default_policy_version(PolicyArn=arn, VersionId=version)
            iam.delete_policy_version(PolicyArn=arn, VersionId=new["PolicyVersion"]["VersionId"])
        assert decision == "implicitDeny", (sid, example, decision)
        assert _simulate(iam, principal_arn, example, account) == "allowed", (sid, example)
        removed.append(f"{sid}: {example['action']} on {example['resource']}")
    return removed


def _simulate(iam: Any, principal_arn: str, example: dict[str, Any], account: str) -> str:
    context = {**example["context"], "aws:PrincipalAccount": account}
    entries = [
        {
            "ContextKeyName": key,
            "ContextKeyValues": value if isinstance(value, list) else [value],
            "ContextKeyType": "stringList" if isinstance(value, list) else "string",
        }
        for key, value in context.items()
    ]
    answer = iam.simulate_principal_policy(
        PolicySourceArn=principal_arn,
        ActionNames=[example["action"]],
        ResourceArns=[example["resource"]],
        ContextEntries=entries,
    )
    return str(answer["EvaluationResults"][0]["EvalDecision"])


#: What only the advanced module calls: the statements that grant nothing else are proven where the module runs as a
#: participant (tests/test_participant_identities.py, and as a Workshop Studio role in test_modern_deployments.py).
ADVANCED_MODULE_ACTIONS = frozenset({"ecs:ContinueServiceDeployment", "ecs:DescribeServiceDeployments"})
ADVANCED_MODULE_STATEMENTS = frozenset({"PassTheInfrastructureRoleToEcs"})
#: A stage's own ARN: the advanced module's RollbackStage, and notebook 04's retry of a build CodeBuild's quota
#: refused (a run that meets no such refusal never asks).
STAGE_ACTIONS = frozenset({"codepipeline:RetryStageExecution", "codepipeline:RollbackStage"})


def advanced_module_statements(documents: list[dict[str, Any]], also: frozenset[str] = frozenset()) -> set[str]:
    """The Sids of the statements that grant only what the advanced module (and ``also``) calls: numbered Sids such as
    Ecs2 move as statements are added, so they are found by their actions."""
    found = set(ADVANCED_MODULE_STATEMENTS)
    for document in documents:
        for statement in document["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if set(actions) <= ADVANCED_MODULE_ACTIONS | also:
                found.add(statement["Sid"])
    return found


# -- a participant's own calls ------------------------------------------------------------------------------------
def participant_credentials(capsys: Any, event: str, prefix: str) -> dict[str, Any]:
    """What ``event credentials --json`` prints for one participant (a user's keys, or a role session's)."""
    capsys.readouterr()
    assert main(["event", "credentials", "--event", event, "--prefix", prefix, "--json"]) == 0
    return dict(json.loads(capsys.readouterr().out))


def signed_as(credentials: dict[str, Any], service: str) -> Any:
    """A client of the sandbox that signs as the participant (with the session token of a role's session)."""
    return boto3.client(
        service,
        endpoint_url=api.endpoint(),
        region_name=REGION,
        aws_access_key_id=credentials["access_key_id"],
        aws_secret_access_key=credentials["secret_access_key"],
        aws_session_token=credentials.get("session_token"),
    )


def refusal(call: Any) -> tuple[str, str]:
    """The error code and message of a call that must be refused."""
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]
