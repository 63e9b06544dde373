"""ECR's lifecycle policy previews (StartLifecyclePolicyPreview, GetLifecyclePolicyPreview; moto has neither): what a
policy, the repository's or one given, would expire now, without expiring it.

AWS runs a preview in the background (Start answers IN_PROGRESS, Get answers COMPLETE once done); the sandbox computes
it at once with the same evaluation as the policy itself (``lifecycle.py``), so Start answers IN_PROGRESS as AWS does
and the first Get already COMPLETE. A preview is kept per repository until the next Start, as AWS keeps the last one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.core.exceptions import ServiceException

from . import lifecycle


class LifecyclePolicyPreviewNotFoundException(ServiceException):
    """GetLifecyclePolicyPreview before any StartLifecyclePolicyPreview ("There is no dry run for this repository",
    ECR's API reference)."""

    code = "LifecyclePolicyPreviewNotFoundException"

    def __init__(self, repository_name: str, registry_id: str) -> None:
        super().__init__(
            f"Lifecycle policy preview does not exist for the repository with name '{repository_name}' "
            f"in the registry with id '{registry_id}'"
        )


@dataclass
class Preview:
    """One repository's last preview: the policy it evaluated and what that policy would expire."""

    policy_text: str
    results: list[dict[str, Any]] = field(default_factory=list)


def evaluate(policy_text: str, images: list[Any], now: float) -> Preview:
    """The preview of ``policy_text`` over ``images`` (in push order) at ``now`` (the sandbox's clock)."""
    results = [
        {
            "imageTags": list(verdict.image.image_tags),
            "imageDigest": verdict.image.image_digest,
            "imagePushedAt": datetime.fromtimestamp(verdict.image.pushed_at, UTC),
            "action": {"type": "EXPIRE"},
            "appliedRulePriority": verdict.rule_priority,
        }
        for verdict in lifecycle.expired(policy_text, images, now)
    ]
    return Preview(policy_text, results)


def selected(preview: Preview, image_ids: list[dict[str, str]] | None, tag_status: str | None) -> list[dict[str, Any]]:
    """The preview's results that GetLifecyclePolicyPreview's ``imageIds`` and ``filter.tagStatus`` ask for."""
    rows = preview.results
    if image_ids:
        rows = [
            row
            for row in rows
            if any(
                (i.get("imageDigest") in (None, row["imageDigest"]))
                and (i.get("imageTag") is None or i.get("imageTag") in row["imageTags"])
                for i in image_ids
            )
        ]
    if tag_status == "TAGGED":
        rows = [row for row in rows if row["imageTags"]]
    elif tag_status == "UNTAGGED":
        rows = [row for row in rows if not row["imageTags"]]
    return [{key: value for key, value in row.items() if value != []} for row in rows]  # no empty imageTags
