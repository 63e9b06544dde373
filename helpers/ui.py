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
    settings = state.settings
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
    message = widgets.HTML()
    current = {"prefix": settings.prefix}

    def save(field: str, control: widgets.ValueWidget, old: Any) -> None:
        try:
            if field == "prefix":
                saved = setup.configure(
                    prefix=control.value, region=region.value, launch_type=launch_type.value, approval_email=email.value
                )
                current["prefix"] = saved.settings.prefix
            else:
                saved = setup.configure(prefix=current["prefix"], **{field: control.value})
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

    for control, field in (
        (region, "region"),
        (launch_type, "launch_type"),
        (prefix, "prefix"),
        (email, "approval_email"),
    ):
        _observe(control, field)
    panel = widgets.VBox([region, launch_type, prefix, email, message])
    panel.controls = {"region": region, "launch_type": launch_type, "prefix": prefix, "approval_email": email}
    return keep_responsive(panel)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
