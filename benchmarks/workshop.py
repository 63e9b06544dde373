"""Benchmark: the whole workshop (00 -> 05, one launch type) headless on the sandbox, against the
unavoidable work: one kernel start per notebook plus the real `npm test` runs the pipelines make.

    .venv/bin/python benchmarks/workshop.py [--launch-type FARGATE] [--containers auto|docker|process]

``--containers docker`` (Docker mode: real image builds, a real registry, tasks as containers) records
``results/workshop_<launch type>_docker.json``; process mode records ``results/workshop_<launch type>.json``.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def kernel_start_seconds() -> float:
    from jupyter_client.manager import start_new_kernel

    started = time.monotonic()
    manager, client = start_new_kernel(kernel_name="python3")
    client.execute_interactive("pass", timeout=60)
    elapsed = time.monotonic() - started
    client.stop_channels()
    manager.shutdown_kernel(now=True)
    return elapsed


def npm_test_seconds() -> float:
    started = time.monotonic()
    subprocess.run(["npm", "test", "--silent"], cwd=ROOT / "data" / "sample-app", check=True, capture_output=True)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--launch-type", default="FARGATE", choices=["FARGATE", "EC2"])
    parser.add_argument(
        "--containers",
        default="auto",
        choices=["auto", "docker", "process"],
        help="the sandbox's runtime (LOCALAWS_CONTAINERS); Docker mode's figures go to a file of their own",
    )
    args = parser.parse_args()
    os.environ["LOCALAWS_CONTAINERS"] = args.containers
    os.environ["WORKSHOP_HOME"] = tempfile.mkdtemp(prefix="workshop-bench-")
    os.environ["WORKSHOP_SANDBOX_PORT"] = str(_free_port())

    from helpers.core import sandbox as process
    from helpers.runner import notebooks, run_workshop

    try:
        mode = process.start().containers
        started = time.monotonic()
        per_notebook = run_workshop(
            Path(os.environ["WORKSHOP_HOME"]) / "build",
            {"prefix": "bench", "launch_type": args.launch_type, "auto_approve": True},
        )
        total = time.monotonic() - started
        from helpers import setup

        builds = len(setup.open_workshop("bench").client("codebuild").list_builds()["ids"])
    finally:
        process.stop()
    kernel = kernel_start_seconds()
    npm = npm_test_seconds()
    nodejs_builds = builds // 2 + builds % 2
    unavoidable = kernel * len(notebooks()) + npm * nodejs_builds
    print(f"workshop ({args.launch_type}, {mode} mode): {total:.1f} s")
    print(
        f"unavoidable: {len(notebooks())} kernel starts x {kernel:.2f} s + {nodejs_builds} npm test runs x "
        f"{npm:.2f} s = {unavoidable:.1f} s; ratio {total / unavoidable:.2f}"
    )
    from benchmarks.record import record

    figures = {
        "launch_type": args.launch_type,
        "containers": mode,
        "workshop_seconds": round(total, 1),
        "per_notebook_seconds": {name: round(seconds, 1) for name, seconds in per_notebook.items()},
        "kernel_start_seconds": round(kernel, 2),
        "npm_test_seconds": round(npm, 2),
        "nodejs_builds": nodejs_builds,
        "unavoidable_seconds": round(unavoidable, 1),
        "ratio": round(total / unavoidable, 2),
    }
    suffix = "_docker" if mode == "docker" else ""
    record(f"workshop_{args.launch_type.lower()}{suffix}", figures, headline="ratio")


if __name__ == "__main__":
    main()
