"""Benchmark: commit -> the new message served by the Dev URL, on the sandbox (median of N runs),
and the resident memory of the sandbox with its three services running.

    .venv/bin/python benchmarks/commit_to_dev.py [--runs 5] [--containers auto|docker|process]

``--containers docker`` (Docker mode) records ``results/commit_to_dev_docker.json``, process mode
``results/commit_to_dev.json``.

It uses its own WORKSHOP_HOME and port, so it never touches a learner's workshop.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _rss_mb(pid: int) -> float:
    total = 0.0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024
        except (OSError, StopIteration):
            continue
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as stat:
                        if int(stat.read().rsplit(")", 1)[1].split()[1]) == current:
                            pids.append(int(entry))
                except OSError:
                    pass
    return total


def _containers_mb(data_dir: str) -> tuple[int, float]:
    """Docker mode: how many task containers the sandbox runs, and their memory as their cgroups are charged
    (``docker stats``); they are the engine's children, not the sandbox's, so ``_rss_mb`` does not count them."""
    from localaws.buildtools import engine_tasks

    ids = [row["Id"] for row in engine_tasks.labelled(engine_tasks.LABEL_DATA_DIR, str(Path(data_dir).resolve()))]
    if not ids:
        return 0, 0.0
    shown = subprocess.run(
        ["docker", "stats", "--no-stream", "--format", "{{.MemUsage}}", *ids], capture_output=True, text=True
    ).stdout.split("\n")
    units = {"KiB": 1 / 1024, "kB": 1 / 1024, "MiB": 1.0, "MB": 1.0, "GiB": 1024.0}
    total = 0.0
    for line in filter(None, shown):
        used = line.split("/")[0].strip()
        unit = next(u for u in units if used.endswith(u))
        total += float(used[: -len(unit)]) * units[unit]
    return len(ids), total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
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

    from helpers import build_projects, pipelines, prerequisites, release, setup
    from helpers.core import sandbox as process
    from helpers.inventory import environment_urls

    try:
        setup.configure(prefix="bench")
        workshop = setup.open_workshop("bench")
        prerequisites.ensure_all(workshop)
        build_projects.deploy_nodejs_project(workshop)
        build_projects.deploy_container_image_project(workshop)
        pipelines.deploy_pipelines(workshop)
        pipelines.watch(workshop, pipelines.first_runs_settled)
        status = process.status()
        resident = _rss_mb(status.pid)
        print(f"sandbox with three services: {resident:.0f} MB resident (all processes)")
        data_dir = Path(str(status.log_file)).parent / "data"
        containers = _containers_mb(str(data_dir)) if status.containers == "docker" else (0, 0.0)
        if containers[0]:
            print(f"and {containers[0]} task containers: {containers[1]:.0f} MB (their cgroups)")
        url = environment_urls(workshop)["dev"]
        timings = []
        for run in range(args.runs):
            message = f"Benchmark run {run} at {time.time():.0f}"
            started = time.monotonic()
            run_started = release.change_message(workshop, message)
            while True:
                try:
                    with urllib.request.urlopen(url, timeout=5) as answer:
                        if answer.read().decode() == message:
                            break
                except OSError:
                    pass
                if time.monotonic() - started > 60:
                    raise SystemExit(f"run {run}: Dev did not serve the new message within 60 s")
                time.sleep(0.02)
            timings.append(time.monotonic() - started)
            print(f"run {run}: commit -> served by Dev in {timings[-1]:.2f} s")
            # Not timed: the run ends once the old task has drained (deregistration delay); a commit made before
            # that waits for Dev's Deploy stage, which the run still holds, as on AWS.
            run_started.watch()
        print(
            f"median of {len(timings)}: {statistics.median(timings):.2f} s (min {min(timings):.2f}, "
            f"max {max(timings):.2f})"
        )
    finally:
        process.stop()
    from benchmarks.record import record

    figures = {
        "runs": [round(t, 2) for t in timings],
        "median_seconds": round(statistics.median(timings), 2),
        "sandbox_resident_mb": round(resident),
        "mode": status.containers,
        "containers": containers[0],
        "containers_mb": round(containers[1]),
    }
    suffix = "_docker" if status.containers == "docker" else ""
    record(f"commit_to_dev{suffix}", figures, headline="median_seconds")


if __name__ == "__main__":
    main()
