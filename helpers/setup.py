"""Notebook 00: choose the settings, start the sandbox, and check that everything is ready."""

from __future__ import annotations

from typing import Any

import boto3

from . import divergence, sandbox
from .context import Workshop
from .errors import InvalidSettingError, StateFileError
from .settings import WorkshopSettings
from .state import WorkshopState, current_prefix, load_state, save_settings, state_path

#: Changing these after resources exist would strand them; cleanup must run first.
_LOCKED_ONCE_CREATED = ("backend", "region", "launch_type", "profile")


def configure(prefix: str | None = None, **choices: Any) -> WorkshopState:
    """Save the workshop's settings: explicit values win, then the saved ones, then the defaults.

    ``None`` means "keep what is saved", so re-running notebook 00 never undoes a widget choice.
    """
    prefix = prefix or current_prefix()
    saved: dict[str, Any] = {}
    existing: WorkshopState | None = None
    if state_path(prefix).exists():
        existing = load_state(prefix)
        saved = existing.settings.to_dict()
    merged = {**saved, **{k: v for k, v in choices.items() if v is not None}, "prefix": prefix}
    if "approval_email" in choices and choices["approval_email"] == "":
        merged["approval_email"] = None
    settings = WorkshopSettings.build(**merged)
    if existing and existing.resources:
        changed = [k for k in _LOCKED_ONCE_CREATED if getattr(existing.settings, k) != getattr(settings, k)]
        if changed:
            raise InvalidSettingError(
                f"Workshop {prefix!r} already has {len(existing.resources)} resources created with "
                + ", ".join(f"{k}={getattr(existing.settings, k)!r}" for k in changed)
                + ". Run notebooks/05-cleanup.ipynb first, or choose a new prefix for the new settings."
            )
    state = save_settings(settings)
    if settings.backend == "sandbox":
        status = sandbox.start()
        if not state.resources:  # remember which sandbox holds this workshop's resources
            state.extra["sandbox_id"] = status.sandbox_id
            state.save()
    return state


def load(prefix: str | None = None) -> WorkshopState:
    """The workshop saved by notebook 00; starts the sandbox when the workshop uses it."""
    state = load_state(prefix)
    if state.settings.backend == "sandbox":
        sandbox.start()
    return state


def open_workshop(
    prefix: str | None = None, session: boto3.Session | None = None, *, expect_resources: bool = True
) -> Workshop:
    """What notebooks 01-05 start with: the saved workshop, ready to make calls. Unless
    ``expect_resources`` is False (notebooks that create or delete them: 01, 05), a workshop whose recorded
    resources the sandbox or account no longer has stops here with the next step (ResourcesGoneError)."""
    workshop = Workshop(load(prefix), session)
    if expect_resources:
        divergence.raise_if_resources_gone(workshop)
    return workshop


__all__ = ["StateFileError", "configure", "load", "open_workshop"]
