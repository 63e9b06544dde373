"""ECR lifecycle policies expire images (issue 23): the kit's policy (keep the newest N) on N+2 pushes leaves the
newest N; tagged/untagged/any selection and tag prefixes and patterns; ``sinceImagePushed`` with the sandbox's clock
moved on; an expired image leaves the image store; the AWS CLI sees the same. The sandbox evaluates right after a
push, a PutLifecyclePolicy and a move of its clock (AWS within 24 hours).

Docker mode's registry side is ``test_docker_ecr_lifecycle.py``."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import Any

import pytest

from helpers.resources.image_repositories import lifecycle_policy
from localaws import api
from tests.helpers_for_tests import assert_matches_output_shape, cli_json, sandbox_client, unique

MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"


def _manifest(config_digest: str | None = None) -> str:
    config = config_digest or "sha256:" + hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    layer = "sha256:" + hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": MANIFEST_TYPE,
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 2, "digest": config},
            "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 3, "digest": layer}],
        }
    )


def _push(ecr: Any, repository: str, tag: str | None = None, manifest: str | None = None) -> str:
    arguments: dict[str, Any] = {"repositoryName": repository, "imageManifest": manifest or _manifest()}
    if tag is not None:
        arguments["imageTag"] = tag
    return str(ecr.put_image(**arguments)["image"]["imageId"]["imageDigest"])


def _policy(*rules: dict[str, Any]) -> str:
    return json.dumps(
        {
            "rules": [
                {"rulePriority": n, "selection": rule, "action": {"type": "expire"}}
                for n, rule in enumerate(rules, start=1)
            ]
        }
    )


def _digests(ecr: Any, repository: str) -> set[str]:
    return {i["imageDigest"] for i in ecr.list_images(repositoryName=repository)["imageIds"]}


def _repository(ecr: Any) -> str:
    name = unique("lifecycle")
    ecr.create_repository(repositoryName=name)
    return name


def test_the_kits_policy_keeps_the_newest_images_and_expires_the_oldest_two():
    ecr = sandbox_client("ecr")
    name = _repository(ecr)
    ecr.put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=lifecycle_policy("dev"))  # keeps 5
    pushed = [_push(ecr, name, f"v{n}") for n in range(7)]

    kept = ecr.describe_images(repositoryName=name)["imageDetails"]
    assert sorted(i["imageTags"][0] for i in kept) == [f"v{n}" for n in range(2, 7)]
    assert _digests(ecr, name) == set(pushed[2:])
    gone = ecr.batch_get_image(repositoryName=name, imageIds=[{"imageTag": "v0"}, {"imageDigest": pushed[1]}])
    assert gone["images"] == []
    assert {f["failureCode"] for f in gone["failures"]} == {"ImageNotFound"}


def test_a_policy_put_on_a_full_repository_expires_at_once_and_the_cli_sees_it():
    ecr = sandbox_client("ecr")
    name = _repository(ecr)
    pushed = [_push(ecr, name, f"v{n}") for n in range(4)]
    policy = _policy({"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 2})
    cli_json("ecr", "put-lifecycle-policy", "--repository-name", name, "--lifecycle-policy-text", policy)

    listed = cli_json("ecr", "list-images", "--repository-name", name)["imageIds"]
    assert {i["imageDigest"] for i in listed} == set(pushed[2:])


def test_untagged_rule_expires_only_untagged_images():
    ecr = sandbox_client("ecr")
    name = _repository(ecr)
    ecr.put_lifecycle_policy(
        repositoryName=name,
        lifecyclePolicyText=_policy({"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 1}),
    )
    tagged = [_push(ecr, name, f"t{n}") for n in range(3)]
    untagged = [_push(ecr, name) for _ in range(3)]

    assert _digests(ecr, name) == set(tagged) | {untagged[-1]}
    assert ecr.list_images(repositoryName=name, filter={"tagStatus": "UNTAGGED"})["imageIds"] == [
        {"imageDigest": untagged[-1]}
    ]


def test_a_pushed_tag_leaves_the_previous_image_untagged_for_an_untagged_rule_to_expire():
    ecr = sandbox_client("ecr")
    name = _repository(ecr)
    first = _push(ecr, name, "latest")
    second = _push(ecr, name, "latest")  # ECR moves the tag; the first image stays, untagged
    assert ecr.list_images(repositoryName=name, filter={"tagStatus": "UNTAGGED"})["imageIds"] == [
        {"imageDigest": first}
    ]
    assert (
        "imageTags"
        not in ecr.describe_images(repositoryName=name, imageIds=[{"imageDigest": first}])["imageDetails"][0]
    )

    ecr.put_lifecycle_policy(
        repositoryName=name,
        lifecyclePolicyText=_policy({"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 1}),
    )
    third = _push(ecr, name, "latest")
    assert _digests(ecr, name) == {second, third}  # the newest untagged image is kept, the older expired
    [tagged] = ecr.describe_images(repositoryName=name, imageIds=[{"imageTag": "latest"}])["imageDetails"]
    assert tagged["imageDigest"] == third


def test_tagged_rules_select_by_prefix_and_pattern_and_an_image_is_expired_by_one_rule_at_most():
    ecr = sandbox_client("ecr")
    name = _repository(ecr)
    prod = [_push(ecr, name, f"prod-{n}") for n in range(3)]
    release = [_push(ecr, name, f"release-{n}-final") for n in range(3)]
    other = [_push(ecr, name, f"dev-{n}") for n in range(2)]
    ecr.put_lifecycle_policy(
        repositoryName=name,
        lifecyclePolicyText=_policy(
            {"tagStatus": "tagged", "tagPrefixList": ["prod"], "countType": "imageCountMoreThan", "countNumber": 2},
            {
                "tagStatus": "tagged",
                "tagPatternList": ["release-*-final"],
                "countType": "imageCountMoreThan",
                "countNumber": 1,
            },
            # Every image counts here, but the prod and release images were selected by the rules above: only the
            # dev images can be expired by this rule, and the newest image overall (dev-1) is kept.
            {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 1},
        ),
    )
    assert _digests(ecr, name) == set(prod[1:]) | {release[-1]} | {other[-1]}


def test_since_image_pushed_expires_images_once_their_days_have_passed_on_the_sandboxs_clock():
    ecr = sandbox_client("ecr")
    name = _repository(ecr)
    old = _push(ecr, name, "old")
    ecr.put_lifecycle_policy(
        repositoryName=name,
        lifecyclePolicyText=_policy(
            {"tagStatus": "any", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 3}
        ),
    )
    assert _digests(ecr, name) == {old}  # pushed now: not 3 days old

    api.advance_clock(2 * 86400)
    new = _push(ecr, name, "new")
    assert _digests(ecr, name) == {old, new}  # 2 days old

    api.advance_clock(1 * 86400 + 60)  # the clock moving on is a day passing: ECR's evaluation runs
    assert _digests(ecr, name) == {new}


def test_an_expired_image_leaves_the_image_store_unless_another_image_uses_its_folder():
    ecr = sandbox_client("ecr")
    name, twin = _repository(ecr), _repository(ecr)
    store = Path(os.environ["LOCALAWS_HOME"]) / "data" / "images"
    configs = ["sha256:" + hashlib.sha256(uuid.uuid4().bytes).hexdigest() for _ in range(2)]
    for config in configs:
        (store / config.removeprefix("sha256:")).mkdir(parents=True)
        (store / config.removeprefix("sha256:") / "config.json").write_text("{}")
    _push(ecr, twin, "shared", _manifest(configs[1]))  # another repository's image uses the second folder

    ecr.put_lifecycle_policy(
        repositoryName=name,
        lifecyclePolicyText=_policy({"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 1}),
    )
    _push(ecr, name, "a", _manifest(configs[0]))
    _push(ecr, name, "b", _manifest(configs[1]))
    _push(ecr, name, "c")

    assert not (store / configs[0].removeprefix("sha256:")).exists()
    assert (store / configs[1].removeprefix("sha256:")).exists()


def test_a_preview_says_what_a_policy_would_expire_and_expires_nothing():
    ecr = sandbox_client("ecr")
    name = _repository(ecr)
    with pytest.raises(ecr.exceptions.LifecyclePolicyPreviewNotFoundException):
        ecr.get_lifecycle_policy_preview(repositoryName=name)
    with pytest.raises(ecr.exceptions.LifecyclePolicyNotFoundException):
        ecr.start_lifecycle_policy_preview(repositoryName=name)  # no policy given, none on the repository
    pushed = [_push(ecr, name, f"v{n}") for n in range(3)] + [_push(ecr, name), _push(ecr, name)]
    policy = _policy(
        {"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 1},
        {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 2},
    )

    started = ecr.start_lifecycle_policy_preview(repositoryName=name, lifecyclePolicyText=policy)
    assert (started["status"], started["lifecyclePolicyText"]) == ("IN_PROGRESS", policy)
    assert_matches_output_shape(ecr, "StartLifecyclePolicyPreview", started)
    preview = ecr.get_lifecycle_policy_preview(repositoryName=name)
    assert_matches_output_shape(ecr, "GetLifecyclePolicyPreview", preview)
    assert preview["status"] == "COMPLETE"
    # The two untagged images are the newest two that the second rule keeps; the first rule expires the older.
    assert preview["summary"] == {"expiringImageTotalCount": 4}
    assert [(r["imageDigest"], r.get("imageTags"), r["appliedRulePriority"]) for r in preview["previewResults"]] == [
        (pushed[0], ["v0"], 2),
        (pushed[1], ["v1"], 2),
        (pushed[2], ["v2"], 2),
        (pushed[3], None, 1),
    ]
    assert {r["action"]["type"] for r in preview["previewResults"]} == {"EXPIRE"}
    untagged = ecr.get_lifecycle_policy_preview(repositoryName=name, filter={"tagStatus": "UNTAGGED"})
    assert [r["imageDigest"] for r in untagged["previewResults"]] == [pushed[3]]
    assert _digests(ecr, name) == set(pushed)  # a preview expires nothing
