"""Kernels the kit starts headless talk over Unix sockets in a folder of their own, so kernels started at the
same moment by separate processes cannot take each other's TCP ports (CI once lost a participant of the event
rehearsal to "Address already in use")."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

from helpers.kernels import kernel_manager_in


def test_a_kernel_answers_over_sockets_in_its_own_folder(tmp_path: Path) -> None:
    async def run() -> tuple[str, str, list[str]]:
        manager = kernel_manager_in(str(tmp_path))(kernel_name="python3")
        await manager.start_kernel()
        try:
            client = manager.client()
            client.start_channels()
            await client.wait_for_ready(timeout=60)
            reply = await client.execute_interactive("print(6 * 7)", output_hook=lambda m: outputs.append(m))
            sockets = sorted(p.name for p in tmp_path.iterdir() if stat.S_ISSOCK(os.stat(p).st_mode))
            client.stop_channels()
            return manager.transport, reply["content"]["status"], sockets
        finally:
            await manager.shutdown_kernel(now=True)

    outputs: list[dict] = []
    transport, status, sockets = asyncio.run(run())
    assert transport == "ipc"
    assert status == "ok"
    assert any(m["content"].get("text") == "42\n" for m in outputs)
    assert len(sockets) == 5 and all(name.startswith("kernel-") for name in sockets)  # shell, iopub, stdin, control, hb
    assert not any(tmp_path.iterdir())  # shutting the kernel down removes its sockets
