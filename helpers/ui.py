"""The settings panel of notebook 00 (what keeps it answering while a later cell waits is
``helpers.views.widgets.keep_responsive``).

Every settings change goes through ``setup.configure``, so a widget can never save a setting that the
parameters cell could not."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from . import setup
from .core.errors import WorkshopError
from .core.regions import supported_regions
from .core.settings import WorkshopSettings
from .core.state import WorkshopState
from .views.widgets import keep_responsive


def settings_panel(state: WorkshopState) -> widgets.VBox:
    """Widgets for the region, launch type, prefix and approval email of this workshop.

    Each change is checked by ``setup.configure`` and saved to the state file at once; a refused value
    is put back and the message under the widgets says why.

    Parameters
    ----------
    state
        The workshop saved by the parameters cell (what ``setup.configure`` returned).

    Returns
    -------
    ipywidgets.VBox
        The panel; ``panel.controls`` maps each setting to its widget (the tests use it).
    """
    controls = _controls(state.settings)
    message = widgets.HTML()
    current = {"prefix": state.settings.prefix}

    def save(field: str, control: widgets.ValueWidget, old: Any) -> None:
        try:
            saved = _configure(field, controls, current)
        except WorkshopError as error:
            message.value = f"<span style='color:#b3261e'>Not saved: {_escape(str(error))}</span>"
            control.unobserve_all()
            control.value = old
            _observe(control, field)
            return
        chosen = saved.settings
        message.value = (
            f"<span style='color:#1e7e34'>Saved to {_escape(str(saved.path))}: prefix "
            f"<b>{chosen.prefix}</b>, region <b>{chosen.region}</b>, launch type "
            f"<b>{chosen.launch_type}</b>.</span>"
        )

    def _observe(control: widgets.ValueWidget, field: str) -> None:
        control.observe(lambda change: save(field, control, change["old"]), names="value")

    for field, control in controls.items():
        _observe(control, field)
    panel = widgets.VBox([*controls.values(), message])
    panel.controls = controls
    return keep_responsive(panel)


def _controls(settings: WorkshopSettings) -> dict[str, widgets.ValueWidget]:
    """The panel's widgets, by the setting each changes, in the order they are shown."""
    style = {"description_width": "130px"}
    region = widgets.Dropdown(
        options=list(supported_regions()), value=settings.region, description="Region", style=style
    )
    launch_type = widgets.ToggleButtons(
        options=[("Fargate", "FARGATE"), ("EC2", "EC2")],
        value=settings.launch_type,
        description="Launch type",
        style=style,
    )
    prefix = widgets.Text(value=settings.prefix, description="Workshop prefix", continuous_update=False, style=style)
    email = widgets.Text(
        value=settings.approval_email or "",
        placeholder="you@example.com (optional)",
        description="Approval email",
        continuous_update=False,
        style=style,
    )
    return {"region": region, "launch_type": launch_type, "prefix": prefix, "approval_email": email}


def _configure(field: str, controls: dict[str, widgets.ValueWidget], current: dict[str, str]) -> WorkshopState:
    """Save the change to ``field`` through ``setup.configure``: a new prefix with the other widgets' values (a new
    workshop), any other setting for the current prefix. ``current`` follows the prefix saved last."""
    if field == "prefix":
        saved = setup.configure(
            prefix=controls["prefix"].value,
            region=controls["region"].value,
            launch_type=controls["launch_type"].value,
            approval_email=controls["approval_email"].value,
        )
        current["prefix"] = saved.settings.prefix
    else:
        saved = setup.configure(prefix=current["prefix"], **{field: controls[field].value})
    return saved


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
