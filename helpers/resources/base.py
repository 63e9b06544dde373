"""What every resource module shares: a found candidate, a :class:`Kind` (one kind of resource with its
whole lifecycle, listed in ``registry``), the row an ``ensure_*`` step reports, and bounded waits and
retries that say when they give up."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from ..core.aws_errors import error_code
from ..core.context import Row, Workshop
from ..core.errors import WorkshopError

_T = TypeVar("_T")
#: One resource as the state file records it: ``type`` (CloudFormation's name), ``name``, ``arn``, ...
Entry = Mapping[str, Any]
#: What ``Kind.exists`` answers for one entry: True, False, ``NOT_YET`` (a resource a service creates later
#: by itself, e.g. a build project's log group at its first build: absent until then, and not missing), or
#: ``UNKNOWN`` (None), which ``presence`` gives when the service could not be asked (denied, failed).
NOT_YET = "not yet"
UNKNOWN = None
Presence = bool | str | None


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
    """One kind of resource the workshop creates, with its whole lifecycle; ``registry.KINDS`` lists them.

    - ``ensure`` creates or updates every resource of the kind (idempotent; ownership-checked), records
      each through :meth:`record` and returns the rows notebook 01 shows. None for a kind another kind's
      ensure makes (launch templates come with the clusters), one a service makes by itself (instances),
      or one a CloudFormation stack makes (the build projects and pipelines: see ``stacks``).
    - ``find`` lists the workshop's candidates by name, ``delete`` starts deleting one and ``settle``,
      when a kind has one, waits until that deletion is done. Cleanup starts every deletion of a kind
      before it waits for the first, so three services drain (or three stacks delete) at the same time:
      the wait is the longest one, not the sum.
    - ``exists`` answers whether one recorded entry still exists (True, False, or ``NOT_YET``); it raises
      when the service cannot be asked, which ``presence`` shows as "could not tell".
    - ``cfn_type`` is the ``type`` its entries carry in the state file; ``part_types`` those of the parts
      its ensure records and its delete removes with it (a VPC's subnets, a load balancer's listeners).
    - ``forget`` drops what the kind keeps in the state file beyond its entries, after a clean cleanup.
    """

    label: str
    find: Callable[[Workshop], Iterable[Found]]
    delete: Callable[[Workshop, Found], None]
    settle: Callable[[Workshop, Found], None] | None = None
    _: KW_ONLY
    cfn_type: str = ""
    part_types: tuple[str, ...] = ()
    noun: str = ""  # what a row calls one of them, e.g. "ECS cluster"
    ensure: Callable[[Workshop], list[Row]] | None = None
    exists: Callable[[Workshop, Entry], Presence] | None = None
    forget: Callable[[Workshop], None] | None = None

    @property
    def types(self) -> tuple[str, ...]:
        """Every ``type`` this kind records and answers ``exists`` for."""
        return (self.cfn_type, *self.part_types) if self.cfn_type else self.part_types

    def record(
        self,
        workshop: Workshop,
        key: str,
        *,
        name: str,
        arn: str | None,
        action: str = "",
        environment: str | None = None,
        type: str = "",
        shown_as: str = "",
        **details: Any,
    ) -> Row:
        """Record one resource of this kind under ``key`` (the kind's own type, or one of its
        ``part_types``) and return its row. Every entry goes through a kind, so every ``type`` in a
        state file has a kind whose ``exists`` answers it."""
        recorded_type = type or self.cfn_type
        if recorded_type not in self.types:
            raise ValueError(f"The kind {self.label!r} does not record {recorded_type!r}")
        shown = shown_as or self.noun or recorded_type
        return workshop.record(
            key,
            type=recorded_type,
            name=name,
            arn=arn,
            environment=environment,
            shown_as=shown,
            action=action,
            **details,
        )

    def recorded(self, workshop: Workshop) -> list[Entry]:
        """The state file's entries of this kind's own type."""
        return [v for v in workshop.state.resources.values() if v.get("type") == self.cfn_type]


def entry_id(entry: Entry) -> str:
    """What a describe call takes for a recorded entry: its ARN (or id), else its name."""
    return str(entry.get("arn") or entry["name"])


class WaitTimeout(WorkshopError):
    """Something the kit waited for did not happen in time."""


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
    usable by the service (IAM changes take seconds to reach other services). One line says so at the
    first refusal (resources made at once would otherwise repeat it every second), one when it is
    accepted; after ``iam_propagation_timeout`` the refusal is raised as it is."""
    timing = workshop.timing
    started = time.monotonic()
    waited = False
    while True:
        try:
            answer = call()
        except Exception as error:
            if not refused(error) or time.monotonic() > started + timing.iam_propagation_timeout:
                raise
            if not waited:
                print(
                    f"{what}: AWS does not accept the new IAM role yet (IAM takes a few seconds to propagate); "
                    f"retrying every {timing.retry_delay:.0f} s",
                    flush=True,
                )
            waited = True
            time.sleep(timing.retry_delay)
            continue
        if waited:
            print(f"{what}: accepted after {time.monotonic() - started:.0f} s", flush=True)
        return answer


#: At most this many resources are created at once (a step has three to six).
PARALLEL_CREATES = 6


def at_once(jobs: Sequence[tuple[str, Callable[[], _T]]]) -> list[_T]:
    """Run each ``(what, job)`` at the same time and return their results in the jobs' order.

    AWS lets independent resources be created in parallel (three repositories, three clusters, five
    roles), so a step takes as long as its slowest resource, not the sum; IAM's propagation delay is
    then waited out once, not once per resource. A line per resource says when it is ready. When one
    fails, the others still finish (every ensure is idempotent, so running the step again completes it),
    and the first failure is raised, not hidden."""
    if len(jobs) <= 1:
        return [job() for _, job in jobs]
    started = time.monotonic()
    with ThreadPoolExecutor(min(len(jobs), PARALLEL_CREATES), thread_name_prefix="ensure") as pool:
        futures = {pool.submit(job): what for what, job in jobs}
        for future in as_completed(futures):
            mark = "failed" if future.exception() else "ready"
            print(f"  {futures[future]}: {mark} after {time.monotonic() - started:.1f} s", flush=True)
    for future in futures:
        error = future.exception()
        if error is not None:
            raise error
    return [future.result() for future in futures]
