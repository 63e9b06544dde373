"""``event start``: one prefix and one state file per participant, as if each had run notebook 00,
after checking that the event fits; plus each participant's IAM policy and the Workshop Studio files."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pandas as pd

from .. import setup
from ..core import clients
from ..core.errors import InvalidSettingError, WorkshopError
from ..core.paths import workshop_home
from ..core.regions import partition_of
from ..core.settings import WorkshopSettings
from ..core.state import set_current_prefix, state_path
from ..views.table import StatusTable
from .identities import Identity, create_identities
from .names import EventRecord, check_event, event_folder, load_record, participant_prefixes
from .plan import DEFAULT_HOURS, Plan, plan_event
from .policy import write_participant_policies, write_workshop_studio
from .studio_roles import StudioRole, create_studio_roles


class EventDoesNotFitError(WorkshopError):
    """The account (or the sandbox) cannot hold the event: a quota must be raised first."""


@dataclass
class StartedEvent:
    record: EventRecord
    plan: Plan
    policies: dict[str, Path] = field(default_factory=dict)
    workshop_studio: Path | None = None
    #: On the sandbox: each participant's IAM user (``python -m helpers event credentials`` prints its keys).
    identities: dict[str, Identity] = field(default_factory=dict)
    #: On the sandbox with ``--workshop-studio``: each participant's role (``event credentials`` gives a session).
    studio_roles: dict[str, StudioRole] = field(default_factory=dict)

    def identity_arn(self, prefix: str) -> str | None:
        """The participant's IAM user or (Workshop Studio) role on the sandbox; None elsewhere."""
        if prefix in self.identities:
            return self.identities[prefix].user_arn
        return self.studio_roles[prefix].role_arn if prefix in self.studio_roles else None

    def made(self) -> str:
        """What ``event start`` made in IAM, one line per identity, and where their profiles are (no secrets)."""
        made: dict[str, Identity | StudioRole] = {**self.identities, **self.studio_roles}
        if not made:
            return ""
        kind = "IAM roles" if self.studio_roles else "IAM users"
        lines = [
            f"Made {len(made)} {kind} under /workshop/{self.record.event}/ (profiles in {self._identities_file()}):"
        ]
        for prefix, found in sorted(made.items()):
            arn = found.role_arn if isinstance(found, StudioRole) else found.user_arn
            lines.append(f"  {arn}  profile {prefix}, policies {', '.join(found.policies)}")
        return "\n".join(lines)

    def frame(self) -> pd.DataFrame:
        rows = [
            {
                "prefix": prefix,
                "state file": str(state_path(prefix)),
                "IAM policy": str(self.policies.get(prefix, "")),
                "IAM identity": self.identity_arn(prefix) or "",
            }
            for prefix in self.record.prefixes
        ]
        return pd.DataFrame(rows).set_index("prefix")

    def show(self) -> StatusTable:
        caption = (
            f"Event {self.record.event!r}: {self.record.participants} participants ready "
            f"({self.record.settings['backend']}, {self.record.settings['region']}, "
            f"{self.record.settings['launch_type']}); files in {event_folder(self.record.event)}."
        )
        return StatusTable(self.frame(), caption)

    def to_dict(self) -> dict[str, Any]:
        return {
            "event": self.record.event,
            "participants": [
                {
                    "prefix": p,
                    "state_file": str(state_path(p)),
                    "policy": str(self.policies.get(p, "")),
                    "user_arn": self.identities[p].user_arn if p in self.identities else None,
                    "role_arn": self.studio_roles[p].role_arn if p in self.studio_roles else None,
                    "profile": p if p in self.identities or p in self.studio_roles else None,
                }
                for p in self.record.prefixes
            ],
            "settings": self.record.settings,
            "variant": self.record.variant,
            "workshop_studio": str(self.workshop_studio) if self.workshop_studio else None,
            "identities": self.record.identities,
            "identities_file": self._identities_file(),
            "plan": self.plan.to_dict(),
        }

    def _identities_file(self) -> str | None:
        made: list[Identity | StudioRole] = [*self.identities.values(), *self.studio_roles.values()]
        return made[0].config_file if made else None


def start_event(
    event: str,
    participants: int,
    backend: str = "sandbox",
    region: str | None = None,
    launch_type: str | None = None,
    instance_type: str | None = None,
    hours: float = DEFAULT_HOURS,
    session: boto3.Session | None = None,
    workshop_studio: bool = False,
    identities_on_aws: bool = False,
) -> StartedEvent:
    """Validate, plan (refusing an event that does not fit), then write every participant's settings. On the
    sandbox each participant gets an IAM user (shared account), or with ``workshop_studio`` a role of their own
    carrying the Workshop Studio policy (``studio_roles.py``). On AWS the same identities are made only with
    ``identities_on_aws`` (``event start --identities``); their profiles go to the event's own file and the
    participants' state files keep the instructor's settings."""
    check_event(event, participants)
    prefixes = participant_prefixes(event, participants)
    choices = {
        "backend": backend,
        "region": region,
        "launch_type": launch_type,
        "instance_type": instance_type,
    }
    choices = {k: v for k, v in choices.items() if v is not None}
    settings = WorkshopSettings.build(prefix=prefixes[0], **choices)
    plan = plan_event(participants, settings, hours, session)
    if not plan.fits:
        raise EventDoesNotFitError(f"Event {event!r} does not fit:\n{plan.refusal()}")
    values = settings.to_dict()
    values.pop("prefix")
    identity = clients.client("sts", settings, session).get_caller_identity()
    account = str(identity["Account"])
    partition = partition_of(settings.region)
    on_sandbox = settings.backend == "sandbox"
    identities, roles = _make_identities(
        event, prefixes, settings, account, on_sandbox or identities_on_aws, workshop_studio
    )
    pointer = workshop_home() / "current-prefix"
    previous = pointer.read_text().strip() if pointer.exists() else None
    try:
        for prefix in prefixes:
            profile = prefix if on_sandbox and (prefix in identities or prefix in roles) else values.get("profile")
            setup.configure(prefix=prefix, **{**values, "profile": profile})
    finally:  # starting an event must not change which workshop the instructor's own notebooks open
        if previous:
            set_current_prefix(previous)
        elif pointer.exists():
            pointer.unlink()
    variant = "workshop-studio" if workshop_studio else "shared-account"
    created = datetime.now(UTC).isoformat(timespec="seconds")
    record = EventRecord(event, participants, values, prefixes, created, variant, bool(identities or roles))
    record.accounts = {p: r.account for p, r in roles.items() if r.account != account}
    record.save()
    policies = write_participant_policies(event, prefixes, settings.region, account, partition)
    studio = write_workshop_studio(event, settings.region, settings.launch_type, partition)
    return StartedEvent(record, plan, policies, studio, identities, roles)


def _make_identities(
    event: str, prefixes: list[str], settings: WorkshopSettings, account: str, wanted: bool, workshop_studio: bool
) -> tuple[dict[str, Identity], dict[str, StudioRole]]:
    """The participants' IAM users (issue 21, item 2), or with ``workshop_studio`` their roles, each in an account of
    their own on the sandbox (``studio_roles.py``); none unless ``wanted`` (on AWS, ``--identities``)."""
    partition = partition_of(settings.region)
    if wanted and workshop_studio:
        own_accounts = settings.backend == "sandbox"
        return {}, create_studio_roles(event, prefixes, settings, account, partition, own_accounts=own_accounts)
    return (create_identities(event, prefixes, settings, account, partition) if wanted else {}), {}


#: The environment variable ``make hub`` sets to the event it runs; the instructor's notebook follows it.
EVENT_VARIABLE = "WORKSHOP_EVENT"


def resolve_event(event: str | None, new: bool = False) -> str:
    """The event the instructor notebook is about: the one named; else the one ``make hub`` runs
    (``WORKSHOP_EVENT``); else the newest event started on this machine. With ``new``, the named event must not
    exist yet: a Run All with the defaults never starts a second event next to the running one."""
    if new:
        if not event:
            raise InvalidSettingError("Starting a new event needs its name: set event = 'NAME' in the parameters.")
        if load_record(event) is not None:
            raise InvalidSettingError(
                f"Event {event!r} has already been started; set start_new_event = False to watch it, "
                "or choose another name for a new event."
            )
        return event
    chosen = event or os.environ.get(EVENT_VARIABLE) or _newest_event()
    if not chosen or load_record(chosen) is None:
        raise InvalidSettingError(
            f"No event {chosen!r} on this machine. Start one: set event = 'NAME' and start_new_event = True "
            "(or run `python -m helpers event start --event NAME --participants N`)."
            if chosen
            else "No event has been started on this machine. Start one: set event = 'NAME' and "
            "start_new_event = True (or run `make hub EVENT=NAME PARTICIPANTS=N PASSWORD=...`)."
        )
    return chosen


def _newest_event() -> str | None:
    records = sorted((workshop_home() / "events").glob("*/event.json"), key=lambda p: p.stat().st_mtime)
    return records[-1].parent.name if records else None


def describe_event(event: str) -> StatusTable:
    """An event that is already running: its participants and their state files (nothing is started)."""
    record = load_record(event)
    if record is None:
        raise InvalidSettingError(f"No event {event!r}: start it first.")
    frame = pd.DataFrame(
        [{"prefix": p, "state file": str(state_path(p)), "exists": state_path(p).exists()} for p in record.prefixes]
    ).set_index("prefix")
    settings = record.settings
    caption = (
        f"Event {event!r} is running: {record.participants} participants ({settings['backend']}, "
        f"{settings['region']}, {settings['launch_type']}), started {record.created_at}. Nothing was started now."
    )
    return StatusTable(frame, caption)
