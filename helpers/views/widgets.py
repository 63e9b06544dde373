"""What every widget of the kit needs: ``keep_responsive``, so clicks are answered while a later cell waits."""

from __future__ import annotations

import ipywidgets as widgets

from ..seams import ipykernel as ipykernel_seam


def keep_responsive(widget: widgets.Widget) -> widgets.Widget:
    """Let clicks on ``widget`` (and the widgets inside it) be handled while a later cell is running.

    JupyterLab (4.4 and later, setting ``commsOverSubshells``) sends widget messages to a kernel
    *subshell*, a thread of its own, so a click is handled at once even while the main shell runs a
    cell, as it does under "Run All Cells" when the cell after the Approve button waits for Prod.
    ipykernel 7.4 undoes that for widgets made by a cell: a comm remembers the subshell it last
    published from (the main shell, for a widget a cell created) and sends every incoming message
    there, where it queues behind the running cell. Forgetting that pin (``helpers/seams/ipykernel.py``,
    ipykernel's internals) lets each click go to the subshell JupyterLab chose. A kernel without
    subshells has no pin, and nothing changes.

    Parameters
    ----------
    widget
        A widget the kit is about to show; containers are walked through their ``children``.

    Returns
    -------
    ipywidgets.Widget
        The same widget, ready to be shown.
    """
    for each in _with_children(widget):
        comm = getattr(each, "comm", None)
        if comm is not None:
            ipykernel_seam.forget_reply_subshell(comm)
    return widget


def _with_children(widget: widgets.Widget) -> list[widgets.Widget]:
    found = [widget]
    for child in getattr(widget, "children", ()) or ():
        found.extend(_with_children(child))
    return found
