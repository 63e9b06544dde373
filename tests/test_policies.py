"""The IAM policies the kit writes are least-privilege: no wildcard actions, every resource one of this
workshop's exact names unless the action accepts only "*", no grant that reaches another participant's
resources, trust policies that require the source account, and parliament finds nothing that is not
explained in data/policies/parliament-findings.yaml."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from parliament import analyze_policy_string

from helpers.core.naming import Names
from helpers.core.paths import DATA_DIR
from helpers.permissions import MANAGED_POLICY_LIMIT, learner_policy
from helpers.permissions.studio import studio_policy_documents, variable_before_fifth_colon
from helpers.resources.artifact_bucket import tls_only_policy
from helpers.resources.roles import ROLES, SOURCE_ACCOUNT_SERVICES, render_policy, trust_policy

#: Actions AWS does not scope to resources: "*" is the only resource they accept.
UNSCOPED_ACTIONS = {"ecr:GetAuthorizationToken", "ecs:DescribeTaskDefinition", "ecs:DiscoverPollEndpoint"}
UNSCOPED_ACTIONS |= {  # ELB's Describe calls (the ECS infrastructure role's) take no resource either
    f"elasticloadbalancing:{verb}" for verb in ("DescribeListeners", "DescribeRules", "DescribeTargetGroups")
} | {"elasticloadbalancing:DescribeTargetHealth"}
TEMPLATES = sorted((DATA_DIR / "policies").glob("*.json"))
ACCOUNT, REGION, PREFIX = "111122223333", "eu-west-1", "ecs-cd-jd"


class _Workshop:
    """What render_policy reads from a workshop, without a backend."""

    partition, account, prefix = "aws", ACCOUNT, PREFIX

    class settings:  # mirrors Workshop.settings
        region = REGION

    names = Names(PREFIX, ACCOUNT, REGION)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def rendered_policies() -> dict[str, dict[str, Any]]:
    """Every policy document the kit writes, rendered for one participant."""
    documents: dict[str, dict[str, Any]] = {spec.key: render_policy(_Workshop, spec.key) for spec in ROLES}  # type: ignore[arg-type]
    documents.update({f"trust-{spec.key}": trust_policy(spec.trusted_service, ACCOUNT) for spec in ROLES})
    documents["artifact-bucket-policy"] = dict(tls_only_policy(_Workshop.names.artifact_bucket))
    documents["learner-policy"] = learner_policy(PREFIX, REGION, ACCOUNT)
    studio = studio_policy_documents(PREFIX, REGION)  # the Workshop Studio participant role's, as one document
    documents["studio-policy"] = {"Version": "2012-10-17", "Statement": [s for d in studio for s in d["Statement"]]}
    return documents


def test_every_role_has_a_template_and_every_template_a_role():
    assert {p.stem for p in TEMPLATES} == {r.key for r in ROLES}


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_least_privilege(path: Path):
    document = json.loads(path.read_text())
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        actions = _list(statement["Action"])
        assert not [a for a in actions if "*" in a], f"{path.name}: wildcard action"
        resources = _list(statement["Resource"])
        if resources == ["*"]:
            assert set(actions) <= UNSCOPED_ACTIONS, f"{path.name}: {actions} on every resource"
            continue
        for resource in resources:
            assert (
                "${Prefix}" in resource
                or "${ArtifactBucket}" in resource
                or "${Repository}" in resource
                or "Project}" in resource
                or "${TaskExecutionRole}" in resource
                or "${ApprovalTopic}" in resource
            ), f"{path.name}: {resource} is not scoped to the workshop"
            # Finding 12: "${Prefix}-*" also matches the participant whose prefix is "${Prefix}-jd".
            assert "${Prefix}-*" not in resource and "${Prefix}*" not in resource, f"{path.name}: {resource}"


@pytest.mark.parametrize("spec", ROLES, ids=lambda s: s.key)
def test_trust_policies_name_the_source_account(spec):
    statement = trust_policy(spec.trusted_service, ACCOUNT)["Statement"][0]
    assert statement["Principal"] == {"Service": spec.trusted_service}
    if spec.trusted_service in SOURCE_ACCOUNT_SERVICES:
        assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    else:  # ECS tasks and EC2 instances send no aws:SourceAccount when they assume a role
        assert "Condition" not in statement
    assert {"codebuild.amazonaws.com", "codepipeline.amazonaws.com", "events.amazonaws.com"} == set(
        SOURCE_ACCOUNT_SERVICES
    )


#: Actions newer than parliament's copy of the IAM action list. An unknown action makes parliament stop before its
#: other auditors, so each is checked alone (UNKNOWN_ACTION, explained in parliament-findings.yaml) and the policy
#: is audited without it.
NEWER_THAN_PARLIAMENT = {"ecs:ContinueServiceDeployment"}


def _without_newer_actions(document: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    statements, removed = [], set()
    for statement in document["Statement"]:
        actions = _list(statement["Action"])
        kept = [a for a in actions if a not in NEWER_THAN_PARLIAMENT]
        removed |= set(actions) - set(kept)
        if kept:
            statements.append({**statement, "Action": kept})
    return {**document, "Statement": statements}, removed


def _issues(document: dict[str, Any]) -> set[str]:
    audited, removed = _without_newer_actions(document)
    issues = {
        f.issue for f in analyze_policy_string(json.dumps(audited, indent=2), include_community_auditors=True).findings
    }
    for action in removed:
        alone = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]}
        issues |= {f.issue for f in analyze_policy_string(json.dumps(alone)).findings} & {"UNKNOWN_ACTION"}
    return issues


def test_parliament_finds_only_what_is_explained():
    explained: dict[str, dict[str, str]] = yaml.safe_load(
        (DATA_DIR / "policies" / "parliament-findings.yaml").read_text()
    )
    found: dict[str, set[str]] = {name: _issues(document) for name, document in rendered_policies().items()}
    unexplained = {n: sorted(i - set(explained.get(n, {}))) for n, i in found.items() if i - set(explained.get(n, {}))}
    stale = {n: sorted(set(e) - found.get(n, set())) for n, e in explained.items() if set(e) - found.get(n, set())}
    assert not unexplained, f"parliament findings without an explanation in parliament-findings.yaml: {unexplained}"
    assert not stale, f"parliament-findings.yaml explains findings parliament no longer reports: {stale}"
    assert all(len(why) > 40 for reasons in explained.values() for why in reasons.values())


def test_the_workshop_studio_policy_uses_the_account_variable_only_where_iam_allows_it():
    """IAM allows a policy variable in a Resource ARN only after its fifth colon (IAM User Guide, IAM policy elements:
    Variables and tags, "Where you can use policy variables"): every account field is "*", and
    ${aws:PrincipalAccount} names the participant's account only inside the artifact bucket's name."""
    assert variable_before_fifth_colon("arn:aws:iam::${aws:PrincipalAccount}:role/x")
    assert variable_before_fifth_colon("arn:aws:s3:${aws:RequestedRegion}::x")
    assert not variable_before_fifth_colon("arn:aws:s3:::x-${aws:PrincipalAccount}-eu-west-1")
    documents = studio_policy_documents(PREFIX, REGION)
    resources = [r for d in documents for s in d["Statement"] for r in _list(s["Resource"])]
    assert not [r for r in resources if variable_before_fifth_colon(r)]
    with_variable = sorted({r for r in resources if "${" in r})
    bucket = f"arn:aws:s3:::{PREFIX}-artifacts-${{aws:PrincipalAccount}}-{REGION}"
    assert with_variable == [bucket, bucket + "/*"]
    assert all(_size(d) <= MANAGED_POLICY_LIMIT for d in documents)
    # The same statements as the shared account's policy, account aside.
    shared = learner_policy(PREFIX, REGION, ACCOUNT)["Statement"]
    assert [s["Sid"] for d in documents for s in d["Statement"]] == [s["Sid"] for s in shared]


def _size(document: dict[str, Any]) -> int:
    return len("".join(json.dumps(document).split()))
