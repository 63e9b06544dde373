"""After a restart, a stack's resources come back as copies of the objects the other services hold (each
service's state is saved on its own): these find the live object of each type and physical id to put back."""

from __future__ import annotations

from typing import Any

from moto.core.base_backend import BaseBackend
from moto.core.common_models import CloudFormationModel


def physical_id(resource: Any) -> str | None:
    """A resource's physical id, the key that finds its live object after a restart; None when moto computes it from
    state that the restored copy no longer has."""
    try:
        return str(resource.physical_resource_id)
    except Exception:  # some models compute it from state they no longer have
        return None


def resources_by_physical_id(roots: list[Any], max_depth: int = 6) -> dict[tuple[type, str | None], Any]:
    """Every CloudFormation-creatable object reachable from ``roots`` through attributes and containers."""

    found: dict[tuple[type, str | None], Any] = {}
    seen: set[int] = set()
    pending: list[tuple[Any, int]] = [(root, 0) for root in roots]
    while pending:
        item, depth = pending.pop()
        if id(item) in seen or depth > max_depth:
            continue
        seen.add(id(item))
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple | set):
            children = item
        elif isinstance(item, CloudFormationModel | BaseBackend):
            if isinstance(item, CloudFormationModel):
                found.setdefault((type(item), physical_id(item)), item)
            children = vars(item).values()
        else:
            continue
        pending.extend(
            (child, depth + 1)
            for child in children
            if isinstance(child, dict | list | tuple | set | CloudFormationModel)
        )
    return found
