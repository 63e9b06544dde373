"""Kernels that cannot collide: jupyter_client picks TCP ports by binding and releasing them, so kernels started
at the same moment by separate processes (participants rehearsing at once, pytest workers) can pick the same
port, and one dies with "Address already in use". Unix sockets in a folder of the run's own have no such race."""

from __future__ import annotations

from typing import Any

from jupyter_client.manager import AsyncKernelManager


def kernel_manager_in(folder: str) -> type[AsyncKernelManager]:
    """A kernel manager class whose kernels talk over Unix sockets (``transport="ipc"``) inside ``folder``;
    the caller owns the folder (a ``TemporaryDirectory`` around the run)."""

    class PrivateSocketKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(transport="ipc", ip=f"{folder}/kernel", **kwargs)

    return PrivateSocketKernelManager
