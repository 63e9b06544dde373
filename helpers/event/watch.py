"""The instructor notebook's live view: the event's status table, refreshed in place while the
instructor keeps working (a background thread updates an Output widget, as ipywidgets' own examples do)."""

from __future__ import annotations

import threading
import time

import ipywidgets as widgets
from IPython.display import display

from .status import show_event


def live_status(event: str, every: float = 15.0, rounds: int | None = None) -> widgets.Output:
    """Show the status now, then refresh it every ``every`` seconds (``rounds`` times, or until the kernel
    stops). Returns the widget; the first table is drawn before this returns, so papermill records it."""
    output = widgets.Output()
    stamp = widgets.HTML()
    box = widgets.VBox([stamp, output])

    def draw() -> None:
        table = show_event(event)
        output.clear_output(wait=True)
        with output:
            display(table)
        stamp.value = f"<small>updated {time.strftime('%H:%M:%S')}, every {every:g} s</small>"

    draw()

    def refresh() -> None:
        count = 0
        while rounds is None or count < rounds:
            time.sleep(every)
            draw()
            count += 1

    if rounds != 0:
        threading.Thread(target=refresh, name=f"event-status-{event}", daemon=True).start()
    display(box)
    return output
