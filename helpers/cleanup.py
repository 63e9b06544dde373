"""Delete everything the workshop created, in dependency order, then prove nothing is left.

Each kind of resource (``helpers.resources.registry``) knows how to find the workshop's candidates and
how to delete one; cleanup walks the registry backwards. A candidate is deleted only when it carries
the tag ``workshop:prefix=<prefix>`` (or the state file recorded it); anything else with a kit name
is left alone and reported. Not-found is success, so cleanup can run any number of times. Any other
answer — a denial, a throttle, a waiter that gave up, an expired session — is a failed row, and
cleanup carries on with the rest, so one stuck resource never leaves the billable load balancer or
instances behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import pandas as pd
from botocore.exceptions import BotoCoreError, ClientError
from tqdm.auto import tqdm

from .changes import git_cli
from .core.aws_errors import error_code, error_message, is_not_found
from .core.context import Workshop
from .core.errors import WorkshopError
from .core.timing import without_in_use_waits
from .resources import registry
from .resources.base import Found, Kind
from .views.table import StatusTable

#: The order cleanup deletes in: the registry's, backwards (what uses a resource goes before it).
KINDS: tuple[Kind, ...] = registry.cleanup_order()

DELETED, ALREADY_GONE, NOT_OURS = "deleted", "already gone", "not ours: left alone"
FAILED, LEFT, COULD_NOT_CHECK = "failed", "left", "could not check"
_ICONS = {DELETED: "✅", ALREADY_GONE: "✅", NOT_OURS: "⚠️", FAILED: "❌", LEFT: "❌", COULD_NOT_CHECK: "❌"}
_ERRORS = (ClientError, BotoCoreError, WorkshopError)


@dataclass
class CleanupRow:
    kind: str
    name: str
    outcome: str  # "deleted" | "already gone" | "not ours: left alone" | "failed" | "left" | "could not check"
    detail: str = ""

    @property
    def is_problem(self) -> bool:
        return self.outcome in (FAILED, LEFT, COULD_NOT_CHECK)


@dataclass
class CleanupReport:
    rows: list[CleanupRow] = field(default_factory=list)  # what happened to each candidate
    leftovers: list[CleanupRow] = field(default_factory=list)  # what the final check still found

    @property
    def ok(self) -> bool:
        """True only when nothing failed, nothing of the workshop is left, and every service answered."""
        return not any(r.is_problem for r in self.rows) and not any(r.is_problem for r in self.leftovers)

    def table(self) -> StatusTable:
        shown = self.rows + [r for r in self.leftovers if r.is_problem]
        return _table(shown, _caption(self), empty="nothing to delete")

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "rows": [asdict(r) for r in self.rows], "leftovers": [asdict(r) for r in self.leftovers]}

    def _repr_html_(self) -> str:
        return self.table()._repr_html_()

    def __repr__(self) -> str:
        return repr(self.table())


def cleanup(workshop: Workshop, progress: bool = True) -> CleanupReport:
    """Delete everything this workshop created, kind by kind, then check every service for what is left.

    The kinds go in dependency order (``KINDS``: ``helpers.resources.registry`` backwards): first the
    CloudFormation stacks with the pipelines, rules and build projects, then the ECS services, the EC2
    capacity, the clusters and task definitions, the load balancer and network, and last the
    repositories, bucket, topic, roles and log groups, so nothing is deleted while something else still
    uses it. On AWS this ends the costs.

    Only resources tagged ``workshop:prefix=<prefix>`` (or recorded in the state file) are deleted;
    anything else with a kit name is left alone and reported. Something already gone is a success, so
    cleanup can run any number of times. A deletion that fails is a red row, and cleanup carries on
    with the rest. When the final check finds nothing of the workshop left and every service answered,
    the state file forgets the resources, so notebook 01 can start afresh.

    Parameters
    ----------
    workshop
        The workshop of notebook 00.
    progress
        Show a progress bar, one step per kind of resource.

    Returns
    -------
    CleanupReport
        One row per resource found (deleted, already gone, not ours: left alone, failed), plus what the
        final check still found; its caption says whether anything is left. JupyterLab shows it as a
        table; ``report.ok`` is True only when nothing failed and nothing is left.
    """
    report = CleanupReport()
    for kind in _kinds(progress):
        try:
            candidates = list(kind.find(workshop))
        except _ERRORS as error:
            report.rows.append(CleanupRow(kind.label, "-", COULD_NOT_CHECK, _describe(error)))
            # what an unseen resource holds stays in use: waiting for it would only delay the report
            workshop = replace(workshop, timing_override=without_in_use_waits(workshop.timing))
            continue
        started = [(found, _delete(workshop, kind, found)) for found in candidates]
        report.rows += [_settle(workshop, kind, found, row) for found, row in started]
    report.leftovers = leftovers(workshop)
    if not any(r.is_problem for r in report.leftovers):
        _forget_resources(workshop)
        report.rows += _forget_working_copy(workshop)
    return report


def _forget_resources(workshop: Workshop) -> None:
    """The state file forgets every entry, and each kind what else it kept there (the network's ids,
    the capacity providers' name suffix), so notebook 01 starts afresh."""
    workshop.state.resources.clear()
    for kind in registry.KINDS:
        if kind.forget is not None:
            kind.forget(workshop)
    workshop.state.save()


def leftovers(workshop: Workshop) -> list[CleanupRow]:
    """Ask every service, one by one, for anything with the workshop's names (the tagging API misses
    several resource types, so it is not enough). A service that cannot be asked is a row too."""
    rows = []
    for kind in KINDS:
        try:
            rows += [CleanupRow(f.kind, f.name, LEFT if f.ours else NOT_OURS) for f in kind.find(workshop)]
        except _ERRORS as error:
            rows.append(CleanupRow(kind.label, "-", COULD_NOT_CHECK, _describe(error)))
    return rows


def leftovers_table(workshop: Workshop) -> StatusTable:
    """Ask every service again, one by one, for anything left with this workshop's names.

    This is the proof that cleanup worked. Each kind of resource is looked up by name, not through the
    Resource Groups Tagging API, which misses several resource types. It deletes nothing.

    Returns
    -------
    StatusTable
        One row per resource still found: red "left" when it is the workshop's, amber "not ours: left
        alone" when it only has a similar name, red "could not check" when a service could not be
        asked; a single green "nothing left" row when all is clean. The caption lists what was checked.
    """
    rows = leftovers(workshop)
    checked = "Checked: " + ", ".join(k.label for k in KINDS) + "."
    problems = [r for r in rows if r.is_problem]
    caption = checked if not problems else f"{len(problems)} problem(s) left. {checked}"
    return _table(rows, caption, empty="nothing left")


def _delete(workshop: Workshop, kind: Kind, found: Found) -> CleanupRow:
    if not found.ours:
        return CleanupRow(found.kind, found.name, NOT_OURS, "no tag workshop:prefix=" + workshop.prefix)
    try:
        kind.delete(workshop, found)
    except _ERRORS as error:
        if is_not_found(error):
            return CleanupRow(found.kind, found.name, ALREADY_GONE)
        return CleanupRow(found.kind, found.name, FAILED, _describe(error))
    return CleanupRow(found.kind, found.name, DELETED)


def _forget_working_copy(workshop: Workshop) -> list[CleanupRow]:
    """Notebook 04's clone of the repository just deleted: a row when it was there (red if it stays)."""
    folder = git_cli.default_working_copy(workshop)
    try:
        forgotten = git_cli.forget_working_copy(workshop)
    except OSError as error:
        return [CleanupRow("git working copy", str(folder), FAILED, f"{type(error).__name__}: {error}")]
    return [CleanupRow("git working copy", str(forgotten), DELETED, "on this machine")] if forgotten else []


def _settle(workshop: Workshop, kind: Kind, found: Found, row: CleanupRow) -> CleanupRow:
    """Wait until a started deletion is done; a wait that fails (or gives up) turns the row red."""
    if kind.settle is None or row.outcome != DELETED:
        return row
    try:
        kind.settle(workshop, found)
    except _ERRORS as error:
        if is_not_found(error):
            return row
        return CleanupRow(found.kind, found.name, FAILED, "deletion started, but: " + _describe(error))
    return row


def _kinds(progress: bool) -> Iterator[Kind]:
    if not progress:
        yield from KINDS
        return
    with tqdm(KINDS, desc="Cleanup", unit="kind", leave=False) as bar:
        for kind in bar:
            bar.set_postfix_str(kind.label)
            yield kind


def _describe(error: BaseException) -> str:
    if isinstance(error, ClientError):
        return f"{error_code(error)}: {error_message(error)}"
    return f"{type(error).__name__}: {error}"


def _caption(report: CleanupReport) -> str:
    if report.ok:
        return "Nothing of this workshop is left."
    problems = [r for r in report.rows + report.leftovers if r.is_problem]
    listed = ", ".join(f"{r.kind} {r.name} ({r.outcome})" for r in problems[:8])
    return f"{len(problems)} problem(s): {listed}. Fix the cause and run cleanup again."


def _table(rows: list[CleanupRow], caption: str, empty: str) -> StatusTable:
    records = [
        {"type": r.kind, "name": r.name, "status": f"{_ICONS[r.outcome]} {r.outcome}", "detail": r.detail} for r in rows
    ]
    frame = pd.DataFrame(records or [{"type": "-", "name": "-", "status": f"✅ {empty}", "detail": ""}])
    return StatusTable(frame, caption)
