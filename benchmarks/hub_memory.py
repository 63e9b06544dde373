"""Benchmark: what `make hub` adds per participant, besides the sandbox: their Jupyter server and a kernel per
notebook they open (JupyterLab keeps each open notebook's kernel; nothing shuts them down during a class).

A real JupyterHub (hub/jupyterhub_config.py, its proxy from npm) on free ports, N participants who log in and
run notebooks 00-03 through their own server's kernel API, each notebook in a kernel of its own that stays open,
as a participant's browser tabs keep them. Memory is the proportional set size (PSS: shared pages counted once,
split between the processes that share them) of each participant's server and its kernels, after each notebook.
The plan's figure (``helpers/event/quotas.py`` HUB_MB_PER_PARTICIPANT) comes from here; the JSON result is
written to benchmarks/results/hub_memory.json with the machine's load.

    .venv/bin/python benchmarks/hub_memory.py [--participants 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
NOTEBOOKS = ["00-setup.ipynb", "01-prerequisites.ipynb", "02-build-projects.ipynb", "03-pipelines.ipynb"]


def participant_mb(user: str) -> dict[str, float]:
    """PSS (MB) of the user's single-user server and every kernel below it."""
    for process in psutil.process_iter(["cmdline", "environ"]):
        try:
            command = " ".join(process.info["cmdline"] or [])
            if "jupyterhub-singleuser" in command and (process.info["environ"] or {}).get("JUPYTERHUB_USER") == user:
                server = process.memory_full_info().pss / 2**20
                kernels = [c.memory_full_info().pss / 2**20 for c in process.children(recursive=True)]
                return {"server": server, "kernels": sum(kernels), "kernel_count": len(kernels)}
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return {"server": 0.0, "kernels": 0.0, "kernel_count": 0}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=3)
    args = parser.parse_args()
    os.environ["WORKSHOP_HOME"] = tempfile.mkdtemp(prefix="workshop-bench-hub-")
    from tests.helpers_for_tests import free_port

    os.environ["WORKSHOP_SANDBOX_PORT"] = str(free_port())
    os.environ["LOCALAWS_CODEBUILD_CONCURRENCY"] = str(2 * args.participants)
    from helpers.__main__ import main as helpers_main
    from helpers.core import sandbox
    from helpers.event import hub
    from tests.test_event_hub import PASSWORD, log_in, run_cells, start_server

    sandbox.start()
    event = "hm"
    assert helpers_main(["event", "start", "--event", event, "--participants", str(args.participants)]) == 0
    port = free_port()
    environment = {
        **os.environ,
        "WORKSHOP_EVENT": event,
        "WORKSHOP_EVENT_PASSWORD": PASSWORD,
        "HUB_IP": "127.0.0.1",
        "HUB_PORT": str(port),
    }
    log = Path(os.environ["WORKSHOP_HOME"]) / "hub.log"
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(ROOT / "hub" / "jupyterhub_config.py")],
        cwd=os.environ["WORKSHOP_HOME"],
        env=environment,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    users = [f"{event}-{n:02d}" for n in range(1, args.participants + 1)]
    after: dict[str, dict[str, dict[str, float]]] = {}
    started = time.monotonic()
    try:
        import requests

        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{url}/hub/login", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(1)
        sessions = {}
        for user in users:
            sessions[user] = log_in(url, user, PASSWORD)
            start_server(sessions[user], url, user)
        for name in NOTEBOOKS:
            for user in users:
                notebook = nbformat.read(hub.home_folder(user) / "notebooks" / name, as_version=4)
                code = [c.source for c in notebook.cells if c.cell_type == "code"]
                run_cells(sessions[user], url, user, code, path=f"notebooks/{name}", keep_kernel=True)
            after[name] = {user: participant_mb(user) for user in users}
            print(
                f"after {name}: "
                + ", ".join(f"{u} {sum((m['server'], m['kernels'])):.0f} MB" for u, m in after[name].items()),
                flush=True,
            )
    finally:
        process.terminate()
        process.wait(30)
        assert helpers_main(["event", "cleanup", "--event", event]) == 0
        sandbox.stop()
    last = after[NOTEBOOKS[-1]]
    per_participant = sum(m["server"] + m["kernels"] for m in last.values()) / len(last)
    kernels = sum(m["kernels"] / max(m["kernel_count"], 1) for m in last.values()) / len(last)
    servers = sum(m["server"] for m in last.values()) / len(last)
    from benchmarks.record import record

    print(f"per participant after 00-03: {per_participant:.0f} MB (server {servers:.0f} MB, a kernel {kernels:.0f} MB)")
    figures = {
        "participants": args.participants,
        "notebooks": NOTEBOOKS,
        "wall_seconds": round(time.monotonic() - started),
        "per_participant_mb_after_03": round(per_participant),
        "server_mb": round(servers),
        "kernel_mb": round(kernels),
        "after": after,
    }
    record("hub_memory", figures, headline="per_participant_mb_after_03")


if __name__ == "__main__":
    main()
