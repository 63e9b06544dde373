"""The contract of ``helpers/seams/ipykernel.py``: the comm internals ``keep_responsive`` relies on, one test each.

A failure names the internal, the ipykernel version the seam was read from (7.4.0) and the seam to fix.
"""

from __future__ import annotations

import inspect
from importlib.metadata import version
from types import SimpleNamespace

import pytest

from helpers.seams import ipykernel as ipykernel_seam

READ_FROM = "7.4.0"
SEAM = "helpers/seams/ipykernel.py"


def _broken(internal: str, what: str) -> str:
    return (
        f"ipykernel {version('ipykernel')} changed {internal} (the seam was read from ipykernel {READ_FROM}): "
        f"{what}. Fix forget_reply_subshell in {SEAM} (helpers.views.widgets.keep_responsive uses it)."
    )


@pytest.fixture
def published_comm(monkeypatch):
    """A comm that has published once from the main shell, as a widget a cell created has."""
    from ipykernel.comm.comm import BaseComm
    from ipykernel.kernelbase import Kernel

    comm = BaseComm(target_name="seam-probe", primary=False)
    comm.kernel = SimpleNamespace(  # type: ignore[assignment]
        session=SimpleNamespace(send=lambda *args, **kwargs: None),
        iopub_socket=None,
        get_parent=lambda: {"header": {"subshell_id": None}},  # the main shell
    )
    monkeypatch.setattr(Kernel, "initialized", classmethod(lambda cls: True))
    comm.publish_msg("comm_msg", data={"method": "update"})
    return comm


def test_ipykernel_comm_has_reply_subshell_lock():
    from ipykernel.comm.comm import BaseComm

    lock = vars(BaseComm(target_name="seam-probe", primary=False)).get("_reply_subshell_lock")
    assert lock is not None and hasattr(lock, "__enter__") and hasattr(lock, "acquire"), _broken(
        "BaseComm._reply_subshell_lock", f"a new comm's is {lock!r}, not a lock"
    )


def test_ipykernel_comm_has_reply_subshell_id(published_comm):
    assert "_reply_subshell_id" in vars(published_comm), _broken(
        "BaseComm._reply_subshell_id", "publish_msg no longer pins the comm to the subshell it published from"
    )
    route = getattr(published_comm, "_reply_subshell_for", None)
    assert route is not None, _broken("BaseComm._reply_subshell_for", "it is gone")
    assert route(None, "chosen-by-lab") is None, _broken(
        "BaseComm._reply_subshell_id", "the pin no longer decides where an incoming message goes"
    )
    ipykernel_seam.forget_reply_subshell(published_comm)
    assert route(None, "chosen-by-lab") == "chosen-by-lab", _broken(
        "BaseComm._reply_subshell_id", "a comm whose pin is forgotten still sends messages elsewhere"
    )


def test_ipykernel_kernel_routes_comm_messages_by_reply_subshell_for():
    from ipykernel import kernelbase

    assert '"_reply_subshell_for"' in inspect.getsource(kernelbase), _broken(
        "Kernel's shell-channel routing", "it no longer asks the comm (BaseComm._reply_subshell_for) where to go"
    )


def test_ipykernel_seam_leaves_a_comm_without_a_pin_as_it_is():
    comm = SimpleNamespace(comm_id="no-subshells")
    ipykernel_seam.forget_reply_subshell(comm)
    assert vars(comm) == {"comm_id": "no-subshells"}
