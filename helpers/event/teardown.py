"""``event cleanup``: every participant's resources deleted in parallel, then verified.

Each participant is cleaned by the kit's own cleanup (what notebook 05 runs), so only resources with that
participant's names and tag ``workshop:prefix=<prefix>`` are touched; other events and other prefixes
are never candidates. Success means: no participant has anything of theirs left.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd
from botocore.exceptions import BotoCoreError, ClientError
from tqdm.auto import tqdm

from ..cleanup import DELETED, NOT_OURS, cleanup, leftovers
from ..core.context import Workshop
from ..core.settings import WorkshopSettings
from ..views.table import StatusTable
from .names import known_prefixes, load_record
from .status import participant_workshop

#: Participants cleaned at once: their deletes are independent, and the APIs' rate limits stay far away.
PARALLEL_CLEANUPS = 4


def _cleanup_participant(workshop: Workshop) -> tuple[bool, list[dict[str, Any]]]:
    """Run the kit's cleanup for one participant: (report ok, its rows as dicts). ``ok`` holds only when
    nothing failed, nothing of theirs is left and every service answered (``CleanupReport.ok``)."""
    report = cleanup(workshop, progress=False)
    return report.ok, [asdict(row) for row in report.rows + report.leftovers]


@dataclass
class ParticipantCleanup:
    prefix: str
    ok: bool
    rows: list[dict[str, Any]] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def deleted(self) -> int:
        """How many of the participant's resources this cleanup deleted (rows whose outcome says so)."""
        return sum(1 for r in self.rows if r.get("outcome") == DELETED)

    @property
    def spared(self) -> int:
        """Resources with the participant's names that are not theirs, left alone."""
        return sum(1 for r in self.rows if r.get("outcome") == NOT_OURS)


@dataclass
class EventCleanup:
    event: str
    participants: list[ParticipantCleanup]

    @property
    def ok(self) -> bool:
        return all(p.ok and not p.left and not p.error for p in self.participants)

    def frame(self) -> pd.DataFrame:
        rows = []
        for p in self.participants:
            status = "✅ nothing left" if p.ok and not p.left and not p.error else "❌ " + (p.error or "left: ")
            rows.append(
                {
                    "prefix": p.prefix,
                    "status": status + ", ".join(p.left) if p.left else status,
                    "deleted": p.deleted,
                    "left alone (not this participant's)": p.spared,
                }
            )
        return pd.DataFrame(rows, columns=["prefix", "status", "deleted", "left alone (not this participant's)"])

    def show(self) -> StatusTable:
        left = sum(len(p.left) for p in self.participants)
        caption = (
            f"Nothing of event {self.event!r} is left ({len(self.participants)} participants checked)."
            if self.ok
            else f"Event {self.event!r}: {left} resources left or failed; run cleanup again, or see the rows."
        )
        return StatusTable(self.frame().set_index("prefix"), caption)


def _identity_settings(event: str, workshops: dict[str, Workshop]) -> WorkshopSettings | None:
    """The settings to delete the participants' identities with: on the sandbox always (``event start`` made them),
    on AWS when its record says ``--identities`` made them; None when there are none to delete."""
    sandbox_settings = next((w.settings for w in workshops.values() if w.on_sandbox), None)
    if sandbox_settings is not None:
        return sandbox_settings
    record = load_record(event)
    return record.participant_settings(record.prefixes[0]) if record and record.identities and record.prefixes else None


def cleanup_event(event: str, progress: bool = True) -> EventCleanup:
    """Delete every participant's resources (several participants at once), then ask each service again."""
    prefixes = known_prefixes(event)
    workshops = {p: w for p in prefixes if (w := participant_workshop(event, p)) is not None}
    if any(w.on_sandbox for w in workshops.values()):
        from ..core import sandbox

        sandbox.start()
    results: dict[str, ParticipantCleanup] = {}
    with (
        ThreadPoolExecutor(max_workers=PARALLEL_CLEANUPS) as pool,
        tqdm(total=len(workshops), desc=f"cleaning up {event}", unit="participant", disable=not progress) as bar,
    ):
        futures = {pool.submit(_cleanup_participant, w): p for p, w in workshops.items()}
        for future in as_completed(futures):
            prefix = futures[future]
            try:
                ok, rows = future.result()
                results[prefix] = ParticipantCleanup(prefix, ok, rows)
            except (ClientError, BotoCoreError) as error:
                results[prefix] = ParticipantCleanup(prefix, False, error=f"{type(error).__name__}: {error}")
            bar.update(1)
    identity_settings = _identity_settings(event, workshops)
    if identity_settings is not None:  # the participants' IAM users or roles, keys and policies (/workshop/<event>/)
        from .identities import delete_identities
        from .studio_roles import delete_studio_roles

        record = load_record(event)
        delete_studio_roles(event, identity_settings, record.accounts if record else None)
        delete_identities(event, identity_settings)
    for prefix, workshop in workshops.items():  # verify: ask every service again, participant by participant
        try:
            results[prefix].left = [f"{r.kind} {r.name}: {r.outcome}" for r in leftovers(workshop) if r.is_problem]
        except (ClientError, BotoCoreError) as error:
            results[prefix].error = results[prefix].error or f"could not verify: {error}"
    return EventCleanup(event, [results[p] for p in sorted(results)])
