"""What every resource module shares: a found candidate, a kind (how to find and delete it), the row
an ``ensure_*`` step reports, and bounded waits and retries that say when they give up."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from ..aws_errors import error_code
from ..context import Workshop
from ..errors import WorkshopError

Row = dict[str, str]
_T = TypeVar("_T")


@dataclass
class Found:
    """One candidate for deletion: a resource with a kit name (or the kit's tag)."""

    kind: str
    name: str
    ident: str  # what the delete call needs (ARN, id or name)
    ours: bool  # tagged workshop:prefix=<prefix> (or recorded in the state file)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Kind:
    """How cleanup finds one kind of resource and deletes one of them.

    ``delete`` starts the deletion; ``settle``, when a kind has one, waits until that deletion is done.
    Cleanup starts every deletion of a kind before it waits for the first, so three services drain (or
    three stacks delete) at the same time: the wait is the longest one, not the sum.
    """

    label: str
    find: Callable[[Workshop], Iterable[Found]]
    delete: Callable[[Workshop, Found], None]
    settle: Callable[[Workshop, Found], None] | None = None


class WaitTimeout(WorkshopError):
    """Something the kit waited for did not happen in time."""


def row(kind: str, name: str, arn: str, action: str, environment: str | None = None) -> Row:
    """The line an ``ensure_*`` step reports for one resource."""
    result = {"type": kind, "name": name, "arn": arn, "action": action}
    if environment:
        result["environment"] = environment
    return result


def recorded_names(workshop: Workshop, resource_type: str) -> set[str]:
    """Names the state file recorded for ``resource_type`` (e.g. ``AWS::Events::Rule``)."""
    return {str(v["name"]) for v in workshop.state.resources.values() if v.get("type") == resource_type}


def wait_until(condition: Callable[[], bool], timeout: float, delay: float, what: str) -> None:
    """Poll ``condition`` until it holds; raise WaitTimeout (never carry on silently) when it does not."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise WaitTimeout(f"{what}: still not done after {timeout:.0f} s. Run this step again later.")
        time.sleep(delay)


def retry_on_codes(call: Callable[[], Any], codes: set[str], timeout: float, delay: float) -> Any:
    """``call()``, retried while AWS answers with one of ``codes`` (a resource still in use)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return call()
        except ClientError as error:
            if error_code(error) not in codes or time.monotonic() > deadline:
                raise
            time.sleep(delay)


def retry_while_iam_propagates(
    workshop: Workshop, what: str, call: Callable[[], _T], refused: Callable[[Exception], bool]
) -> _T:
    """``call()``, retried while ``refused(error)`` says a new role or instance profile is not yet
    usable by the service (IAM changes take seconds to reach other services), with a line of
    progress per attempt; after ``iam_propagation_timeout`` the refusal is raised as it is."""
    timing = workshop.timing
    deadline = time.monotonic() + timing.iam_propagation_timeout
    attempt = 1
    while True:
        try:
            return call()
        except Exception as error:
            if not refused(error) or time.monotonic() > deadline:
                raise
            print(
                f"{what}: AWS does not accept the new IAM role yet (IAM takes a few seconds to propagate); "
                f"retrying in {timing.retry_delay:.0f} s (attempt {attempt})",
                flush=True,
            )
            attempt += 1
            time.sleep(timing.retry_delay)
