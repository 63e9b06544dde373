"""The instructor notebook's live view: the event's status table, refreshed in place while the
instructor keeps working.

A background thread must not write into an ``Output`` widget with ``with output:``: ipywidgets captures
display calls per thread, so the table drawn from the thread never reached the page (the classroom
walkthrough saw the stamp advance over a table frozen at its first draw). The thread instead sets an
``HTML`` widget's ``value``, a trait change that ipywidgets syncs to the browser from any thread.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import ipywidgets as widgets

from ..views.table import StatusTable
from .status import show_event


class LiveStatus:
    """The live table: a widget in JupyterLab, the latest table as text in papermill's record."""

    def __init__(self, event: str, every: float) -> None:
        self.event, self.every = event, every
        self.stamp = widgets.HTML()
        self.table_view = widgets.HTML()
        self.box = widgets.VBox([self.stamp, self.table_view])
        self.table: StatusTable | None = None

    def draw(self) -> None:
        table = show_event(self.event)
        self.table = table
        self.table_view.value = table._repr_html_()
        self.stamp.value = f"<small>updated {time.strftime('%H:%M:%S')}, every {self.every:g} s</small>"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = dict(self.box._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = repr(self.table) if self.table is not None else ""
        return bundle


def live_status(event: str, every: float = 15.0, rounds: int | None = None) -> LiveStatus:
    """Show the status now, then refresh it every ``every`` seconds (``rounds`` times, or until the kernel
    stops). The cell shows the returned view once; the first table is drawn before this returns, so
    papermill records it as text."""
    view = LiveStatus(event, every)
    view.draw()

    def refresh() -> None:
        count = 0
        while rounds is None or count < rounds:
            time.sleep(every)
            view.draw()
            count += 1

    if rounds != 0:
        threading.Thread(target=refresh, name=f"event-status-{event}", daemon=True).start()
    return view
