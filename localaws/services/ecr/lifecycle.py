"""ECR's lifecycle policies, evaluated: which images of a repository a policy expires (moto stores policies and never
applies them).

The rules, as "Lifecycle policy evaluation rules" in ECR's user guide states them:

- rules are applied by ``rulePriority``, lowest first; an image is expired by at most one rule;
- a rule selects images by ``tagStatus``: ``untagged`` (no tag), ``tagged`` (at least one tag, and each entry of
  ``tagPrefixList`` the prefix of one of its tags, or each entry of ``tagPatternList``, with ``*`` wildcards, matching
  one of its tags), ``any`` (every image);
- ``imageCountMoreThan`` keeps the newest ``countNumber`` selected images (by push time) and expires the older ones;
  ``sinceImagePushed`` expires the selected images pushed more than ``countNumber`` days (``countUnit``) ago;
- an image that a higher-priority rule selected is never expired by a lower-priority rule, but still counts in that
  rule's selection ("rules can never mark images that are marked by higher priority rules, but can still identify
  them as if they haven't been expired").

AWS evaluates a repository's policy within 24 hours of a push. The sandbox evaluates it at once: after each push
(PutImage), after PutLifecyclePolicy, and when its clock (``localaws/clock.py``) is moved on, so that a
``sinceImagePushed`` rule's days pass in a test (``models.py`` calls ``expired``). This module is pure: images in,
verdicts out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

DAY_SECONDS = 86400


class LifecycleImage(Protocol):
    """What evaluation reads of an image: its tags and when it was pushed (seconds since the epoch, the sandbox's
    clock)."""

    image_tags: list[str]

    @property
    def pushed_at(self) -> float: ...


@dataclass(frozen=True)
class Verdict:
    """An image a policy expires, and the priority of the rule that expires it (GetLifecyclePolicyPreview's
    ``appliedRulePriority``)."""

    image: Any
    rule_priority: int


def _pattern(text: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(part) for part in text.split("*")) + "$")


def _selects(selection: dict[str, Any], tags: Sequence[str]) -> bool:
    status = selection.get("tagStatus", "any")
    if status == "untagged":
        return not tags
    if status == "any":
        return True
    if not tags:  # tagged
        return False
    prefixes = selection.get("tagPrefixList") or []
    patterns = [_pattern(p) for p in selection.get("tagPatternList") or []]
    return all(any(t.startswith(p) for t in tags) for p in prefixes) and all(
        any(p.match(t) for t in tags) for p in patterns
    )


def _rule_expires(selection: dict[str, Any], selected: list[Any], now: float) -> list[Any]:
    """The images of ``selected`` (newest first) that one rule's count or age condition expires."""
    count = int(selection.get("countNumber", 0))
    if selection.get("countType") == "imageCountMoreThan":
        return selected[count:]
    unit = selection.get("countUnit", "days")
    seconds = count * (DAY_SECONDS if unit == "days" else 0)
    return [image for image in selected if now - image.pushed_at > seconds]


def expired(policy_text: str, images: Sequence[LifecycleImage], now: float) -> list[Verdict]:
    """The images ``policy_text`` expires at ``now`` (the sandbox's clock, seconds since the epoch), oldest first.
    ``images`` are in push order (ECR's list is): equal push times keep it."""
    rules = sorted(json.loads(policy_text).get("rules", []), key=lambda rule: int(rule.get("rulePriority", 0)))
    order = {id(image): index for index, image in enumerate(images)}
    newest_first = sorted(images, key=lambda image: (image.pushed_at, order[id(image)]), reverse=True)
    claimed: set[int] = set()
    verdicts: dict[int, Verdict] = {}
    for rule in rules:
        if rule.get("action", {}).get("type", "expire") != "expire":
            continue
        selection = rule.get("selection", {})
        selected = [image for image in newest_first if _selects(selection, image.image_tags)]
        for image in _rule_expires(selection, selected, now):
            if id(image) not in claimed and id(image) not in verdicts:
                verdicts[id(image)] = Verdict(image, int(rule.get("rulePriority", 0)))
        claimed.update(id(image) for image in selected)
    return sorted(verdicts.values(), key=lambda verdict: (verdict.image.pushed_at, order[id(verdict.image)]))
