"""ipykernel's internals that ``helpers.views.widgets.keep_responsive`` relies on (read from ipykernel 7.4.0).

JupyterLab (4.4 and later, setting ``commsOverSubshells``) sends widget messages to a kernel *subshell*, so a
click is handled at once even while the main shell runs a cell. ipykernel 7.4 undoes that for widgets made by
a cell: a comm remembers the subshell it last published from (``BaseComm._reply_subshell_id``, set by
``publish_msg``: the main shell, for a widget a cell created) and the kernel routes every incoming message of
that comm there (``BaseComm._reply_subshell_for``), where it queues behind the running cell. ipykernel has no
public way to unpin a comm; ``tests/seams/test_ipykernel_seam.py`` checks this one on every upgrade.
"""

from __future__ import annotations

from typing import Any


def forget_reply_subshell(comm: Any) -> None:
    """Let each message to ``comm`` go to the subshell JupyterLab chose, not the one it last published from.

    A comm without the pin (a kernel without subshells, another kernel) is left as it is."""
    if "_reply_subshell_id" not in vars(comm):  # ipykernel 7.4.0: set by BaseComm.publish_msg, read by the router
        return
    lock = getattr(comm, "_reply_subshell_lock", None)  # ipykernel 7.4.0: BaseComm.__init__, guards the pin
    if lock is not None:
        with lock:
            vars(comm).pop("_reply_subshell_id", None)  # ipykernel 7.4.0
    else:
        vars(comm).pop("_reply_subshell_id", None)  # ipykernel 7.4.0
