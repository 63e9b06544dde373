"""Notebook 00: choose the settings, start the sandbox, and check that everything is ready."""

from __future__ import annotations

from typing import Any

import boto3

from .core import sandbox
from .core.context import Workshop
from .core.errors import InvalidSettingError, StateFileError
from .core.settings import WorkshopSettings
from .core.state import WorkshopState, current_prefix, load_state, save_settings, state_path
from .resources.presence import raise_if_resources_gone

#: Changing these after resources exist would strand them; cleanup must run first.
_LOCKED_ONCE_CREATED = ("backend", "region", "launch_type", "profile")


def configure(prefix: str | None = None, **choices: Any) -> WorkshopState:
    """Check and save the workshop's settings, and start the sandbox when the workshop uses it.

    Each value given wins, then what was saved before, then the default. ``None`` means "keep what is
    saved", so re-running notebook 00 never undoes a choice made with the widgets. The settings go to
    the workshop's state file (one per prefix), which every later notebook reads, and the prefix
    becomes the one later notebooks open by default. A value that is not valid is refused with a
    message that says why. Once resources exist, the backend, region, launch type and profile can no
    longer change: run notebook 05 first, or choose a new prefix.

    Parameters
    ----------
    prefix
        Starts the name of every resource (2-20 lowercase letters, digits and hyphens); give every
        participant in a shared account their own. ``None``: the prefix chosen last.
    **choices
        The other settings by name: ``backend`` (``"sandbox"`` or ``"aws"``), ``region``,
        ``launch_type`` (``"FARGATE"`` or ``"EC2"``), ``instance_type``, ``approval_email`` (``""``
        removes it), ``profile`` and ``container_name``.

    Returns
    -------
    WorkshopState
        The saved workshop: ``.settings`` shows the settings in force, ``.resources`` what was created.
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
    """Read the workshop that notebook 00 saved, and start the sandbox when the workshop uses it.

    Parameters
    ----------
    prefix
        The workshop's prefix; ``None``: the one notebook 00 chose last.

    Returns
    -------
    WorkshopState
        The saved settings and the resources created so far. A missing or damaged state file raises
        ``StateFileError``, which says how to get one (run notebook 00).
    """
    state = load_state(prefix)
    if state.settings.backend == "sandbox":
        sandbox.start()
    return state


def open_workshop(
    prefix: str | None = None, session: boto3.Session | None = None, *, expect_resources: bool = True
) -> Workshop:
    """Open the workshop that notebook 00 saved, ready to make AWS calls: what notebooks 01-05 start with.

    The settings and resources come from the state file, so each notebook runs on its own after the
    earlier ones, even in a new kernel. The sandbox is started when the workshop uses it. Unless
    ``expect_resources`` is False (notebooks that create or delete them: 01, 05), a workshop whose
    recorded resources the sandbox or account no longer has stops here with the next step.

    Parameters
    ----------
    prefix
        The workshop's prefix; ``None``: the one notebook 00 chose last (or ``WORKSHOP_PREFIX`` on a
        shared JupyterHub).
    session
        A boto3 session to use on the ``aws`` backend instead of the saved profile (ignored on the
        sandbox).
    expect_resources
        Check that the recorded resources still exist (ResourcesGoneError with the next step if not).

    Returns
    -------
    Workshop
        The workshop: ``.settings``, ``.names`` (every resource's name), ``.client("ecs")`` and the
        like for the backend and region chosen in notebook 00.
    """
    workshop = Workshop(load(prefix), session)
    if expect_resources:
        raise_if_resources_gone(workshop)
    return workshop


__all__ = ["StateFileError", "configure", "load", "open_workshop"]
