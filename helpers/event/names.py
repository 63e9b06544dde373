"""An event's name, its participants' prefixes and where the event keeps its files.

Every participant prefix is ``NAME-01`` … ``NAME-NN``: the event name plus a number padded to the same
width for everyone, so no participant's prefix is the start of another's (``ws-01`` never covers
``ws-010``), which keeps name-based policies and cleanup from reaching a neighbour.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import InvalidSettingError
from ..core.naming import PREFIX_MAX_LENGTH
from ..core.paths import workshop_home
from ..core.settings import WorkshopSettings, prefix_problems
from ..core.state import _write_atomically

MAX_PARTICIPANTS = 999


def number_width(participants: int) -> int:
    """Two digits up to 99 participants, three beyond."""
    return max(2, len(str(participants)))


def participant_prefixes(event: str, participants: int) -> list[str]:
    """``NAME-01`` … ``NAME-NN``, numbers padded to one width so no prefix is the start of another. Checks
    nothing: ``check_event`` is what refuses an impossible name or count."""
    width = number_width(participants)
    return [f"{event}-{number:0{width}d}" for number in range(1, participants + 1)]


def event_problems(event: str, participants: int) -> list[str]:
    """Why ``event`` cannot name ``participants`` participants; empty when it can."""
    if not isinstance(participants, int) or not 1 <= participants <= MAX_PARTICIPANTS:
        return [f"participants must be a whole number from 1 to {MAX_PARTICIPANTS} (got {participants!r})."]
    width = number_width(participants)
    longest = PREFIX_MAX_LENGTH - width - 1
    if not isinstance(event, str) or not event:
        return [f"the event name is empty: choose a short name such as 'ws' ({longest} characters at most)."]
    if len(event) > longest:
        return [
            f"event name {event!r} is {len(event)} characters; with {participants} participants each prefix "
            f"adds '-{'9' * width}', so the name may have at most {longest} (prefixes have at most "
            f"{PREFIX_MAX_LENGTH}). Choose a shorter name."
        ]
    # The first and the last participant cover every character class that can appear in the rest.
    problems: list[str] = []
    for prefix in {participant_prefixes(event, participants)[0], participant_prefixes(event, participants)[-1]}:
        problems += [
            p.replace("prefix", f"event name {event!r} gives participant prefix", 1) for p in prefix_problems(prefix)
        ]
    return sorted(set(problems))


def check_event(event: str, participants: int) -> None:
    """Raise InvalidSettingError listing every problem ``event_problems`` finds, before anything is created."""
    problems = event_problems(event, participants)
    if problems:
        raise InvalidSettingError("Invalid event:\n  - " + "\n  - ".join(problems))


def event_folder(event: str) -> Path:
    """``$WORKSHOP_HOME/events/NAME``: the event record, the policies and the Workshop Studio files."""
    return workshop_home() / "events" / event


def record_path(event: str) -> Path:
    """The event record's file (``event.json`` in the event's folder); it exists once ``event start`` has run."""
    return event_folder(event) / "event.json"


@dataclass
class EventRecord:
    """What ``event start`` decided: how many participants, with which settings."""

    event: str
    participants: int
    settings: dict[str, Any]
    prefixes: list[str] = field(default_factory=list)
    created_at: str = ""
    #: "shared-account" (participants are IAM users) or "workshop-studio" (each a role of their own).
    variant: str = "shared-account"
    #: Whether ``event start`` made the participants' IAM users or roles (always on the sandbox; on AWS with
    #: ``--identities``): ``event cleanup`` then deletes them.
    identities: bool = False
    #: On the sandbox with ``--workshop-studio``: each participant's own account, by prefix (``studio_roles.py``).
    accounts: dict[str, str] = field(default_factory=dict)

    def save(self) -> None:
        _write_atomically(record_path(self.event), json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")

    def participant_settings(self, prefix: str) -> WorkshopSettings:
        return WorkshopSettings.build(**{**self.settings, "prefix": prefix})


def load_record(event: str) -> EventRecord | None:
    """What ``event start`` saved for ``event``; None when the event has no record here (never started, or its
    folder removed). A damaged record raises rather than answering None."""
    path = record_path(event)
    if not path.exists():
        return None
    document = json.loads(path.read_text())
    return EventRecord(**document)


def known_prefixes(event: str) -> list[str]:
    """The event's participants: those its record names, plus any state file that looks like one
    (``NAME-`` and digits only), so a lost record still leaves every participant findable."""
    record = load_record(event)
    prefixes = set(record.prefixes if record else [])
    digits = str(number_width(record.participants)) if record else "2,3"
    pattern = re.compile(rf"^{re.escape(event)}-\d{{{digits}}}$")
    for path in workshop_home().glob(f"{event}-*.json"):
        if pattern.match(path.stem):
            prefixes.add(path.stem)
    return sorted(prefixes)
