"""Three ECR repositories, one per environment: images scanned on push, and lifecycle policies that
keep 5 (Dev), 5 (QA) and 100 (Prod) images, as the original templates do."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import partial

from ..core.context import Row, Workshop
from ..core.environments import ENVIRONMENTS
from ..core.errors import ResourceConflictError
from .base import Entry, Found, Kind, at_once

IMAGES_KEPT = {"dev": 5, "qa": 5, "prod": 100}
_DESCRIPTIONS = {"dev": "development", "qa": "quality assurance", "prod": "production"}


def lifecycle_policy(env: str) -> str:
    """The lifecycle policy, as ECR's JSON text, that expires all but the newest ``IMAGES_KEPT[env]`` images,
    tagged or not."""
    return json.dumps(
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": f"LifeCycle policy for a {_DESCRIPTIONS[env]} environment",
                    "selection": {
                        "tagStatus": "any",
                        "countType": "imageCountMoreThan",
                        "countNumber": IMAGES_KEPT[env],
                    },
                    "action": {"type": "expire"},
                }
            ]
        }
    )


def ensure(workshop: Workshop) -> list[Row]:
    """The three environments' repositories, created at once, each scanning on push and keeping its
    lifecycle policy."""
    return at_once(
        [
            (f"ECR repository {workshop.names.ecr_repository(env)}", partial(ensure_image_repository, workshop, env))
            for env in ENVIRONMENTS
        ]
    )


def ensure_image_repository(workshop: Workshop, env: str) -> Row:
    """Create ``env``'s repository, or check that the existing one is tagged as ours (ResourceConflictError if
    not); scan on push and the lifecycle policy are applied again either way."""
    ecr = workshop.client("ecr")
    name = workshop.names.ecr_repository(env)
    try:
        repository = ecr.describe_repositories(repositoryNames=[name])["repositories"][0]
        if not workshop.is_ours(ecr.list_tags_for_resource(resourceArn=repository["repositoryArn"])["tags"]):
            raise ResourceConflictError("ECR repository", name, workshop.prefix)
        action = "exists"
    except ecr.exceptions.RepositoryNotFoundException:
        repository = ecr.create_repository(
            repositoryName=name,
            tags=workshop.tag_list(env),
            imageTagMutability="MUTABLE",
            imageScanningConfiguration={"scanOnPush": True},
            encryptionConfiguration={"encryptionType": "AES256"},
        )["repository"]
        action = "created"
    ecr.put_image_scanning_configuration(repositoryName=name, imageScanningConfiguration={"scanOnPush": True})
    ecr.put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=lifecycle_policy(env))
    return IMAGE_REPOSITORIES.record(
        workshop,
        f"ecr-repository/{env}",
        name=name,
        arn=repository["repositoryArn"],
        action=action,
        environment=env,
        uri=repository["repositoryUri"],
    )


def find_image_repositories(workshop: Workshop) -> Iterable[Found]:
    """The environments' repositories that exist, with their tags read to tell ours from a stranger's."""
    ecr = workshop.client("ecr")
    for env in ENVIRONMENTS:
        try:
            found = ecr.describe_repositories(repositoryNames=[workshop.names.ecr_repository(env)])
        except ecr.exceptions.RepositoryNotFoundException:
            continue
        repository = found["repositories"][0]
        tags = ecr.list_tags_for_resource(resourceArn=repository["repositoryArn"])["tags"]
        name = repository["repositoryName"]
        yield Found("ECR repository", name, name, workshop.is_ours(tags))


def delete_image_repository(workshop: Workshop, found: Found) -> None:
    """Delete the repository with its images (``force``): ECR refuses to delete one that holds images."""
    workshop.client("ecr").delete_repository(repositoryName=found.ident, force=True)


def image_repository_exists(workshop: Workshop, entry: Entry) -> bool:
    """By the recorded name; only RepositoryNotFound means gone."""
    ecr = workshop.client("ecr")
    try:
        ecr.describe_repositories(repositoryNames=[entry["name"]])
    except ecr.exceptions.RepositoryNotFoundException:
        return False
    return True


IMAGE_REPOSITORIES = Kind(
    "ECR repositories",
    find_image_repositories,
    delete_image_repository,
    cfn_type="AWS::ECR::Repository",
    noun="ECR repository",
    ensure=ensure,
    exists=image_repository_exists,
)
