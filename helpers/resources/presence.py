"""Does the sandbox (or the account) still have what the state file lists?

The state file remembers every resource the kit created; the services may not have them any more: the
sandbox was started with ``--fresh``, another ``WORKSHOP_HOME`` (another sandbox) is in use, or someone
deleted them by hand. ``resource_presence`` asks, for each recorded entry, the ``exists`` of the kind that
recorded it (one cheap describe call each), so ``python -m helpers status`` reports what exists now, not
only what was recorded; ``raise_if_resources_gone`` stops a notebook that needs the workshop's
environments with the next step instead of a raw AWS exception.
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from ..core.context import Workshop
from ..core.errors import ResourcesGoneError, WorkshopError
from .base import NOT_YET, UNKNOWN, Entry, Presence
from .clusters import CLUSTERS, cluster_exists
from .registry import kind_of

__all__ = [
    "NOT_YET",
    "UNKNOWN",
    "Presence",
    "gone_message",
    "presence",
    "raise_if_resources_gone",
    "resource_presence",
]


def presence(workshop: Workshop, entry: Entry) -> Presence:
    """True if the service has the entry's resource, False if not, ``NOT_YET`` for one a service creates
    later by itself, and ``UNKNOWN`` when no kind answers for its type or the service could not be asked
    (the call failed, or was denied): "could not tell" is never shown as gone."""
    kind = kind_of(str(entry.get("type")))
    if kind is None or kind.exists is None:
        return UNKNOWN
    try:
        return kind.exists(workshop, entry)
    except (ClientError, BotoCoreError, WorkshopError):
        return UNKNOWN


def resource_presence(workshop: Workshop) -> dict[str, Presence]:
    """``presence`` of every recorded resource, by state key."""
    return {key: presence(workshop, entry) for key, entry in workshop.state.resources.items()}


def gone_message(workshop: Workshop, missing: list[str]) -> str:
    """What to do when recorded resources are gone: the sentence ``status`` and ``open_workshop`` show."""
    where = (
        "The sandbox no longer has this workshop's resources (it was reset or another WORKSHOP_HOME is in use)"
        if workshop.on_sandbox
        else "The account no longer has this workshop's resources (they were deleted outside the kit)"
    )
    return (
        f"{where}; missing: {', '.join(missing)}. Re-run notebooks 01-03 to create them again, or run "
        f"05-cleanup (python -m helpers cleanup --prefix {workshop.prefix}) to start again."
    )


def raise_if_resources_gone(workshop: Workshop) -> None:
    """ResourcesGoneError when the ECS clusters the state file lists are gone.

    The clusters stand for the whole workshop: they are what notebooks 02-04 build on, and a reset
    sandbox has none of them. A service that cannot be asked raises its own error, as any call would."""
    missing = [str(entry["name"]) for entry in CLUSTERS.recorded(workshop) if not cluster_exists(workshop, entry)]
    if missing:
        raise ResourcesGoneError(gone_message(workshop, [f"ECS cluster {name}" for name in sorted(missing)]))
