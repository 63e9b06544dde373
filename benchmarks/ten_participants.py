"""Benchmark: ten participants run notebooks 01 -> 04 at the same time against one sandbox.

Reports the wall time, whether every participant succeeded, and the sandbox's total resident memory
(the server and every process it started: task processes, builds), sampled every second; the peak and
the level once all ten workshops are serving are both printed. The goal is a peak of 2.5 GB or less.

    .venv/bin/python benchmarks/ten_participants.py [--participants 10]
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
NOTEBOOKS = ["01-prerequisites.ipynb", "02-build-projects.ipynb", "03-pipelines.ipynb", "04-test-the-pipeline.ipynb"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def sandbox_rss(pid: int) -> tuple[float, dict[str, float]]:
    """The sandbox server's resident memory plus that of every process below it (MB), and by program."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0, {}
    by_program: dict[str, float] = {}
    for process in processes:
        try:
            command = process.cmdline()
            name = "sandbox server" if process.pid == pid else _program(command)
            by_program[name] = by_program.get(name, 0.0) + process.memory_info().rss / 2**20
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return sum(by_program.values()), by_program


def _program(command: list[str]) -> str:
    """``node`` (task processes, npm), ``aws`` (the CLI in buildspecs), ``bash`` ... by what runs."""
    words = [Path(word).name for word in command[:3]]
    for word in words:
        if word in ("aws", "npm", "git", "docker.py") or word.startswith("node"):
            return word
    return words[0] if words else "?"


def sandbox_rss_mb(pid: int) -> float:
    return sandbox_rss(pid)[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=10)
    args = parser.parse_args()
    os.environ["WORKSHOP_HOME"] = tempfile.mkdtemp(prefix="workshop-bench-event-")
    os.environ["WORKSHOP_SANDBOX_PORT"] = str(_free_port())
    # The sandbox plays a new account (one CodeBuild build at a time); a classroom needs two builds per
    # participant, as `make hub` sets them.
    os.environ.setdefault("LOCALAWS_CODEBUILD_CONCURRENCY", str(2 * args.participants))

    from helpers.core import sandbox
    from helpers.event import cleanup_event, event_status, start_event
    from helpers.event.rehearse import run_participants

    samples: list[float] = []
    peak: dict[str, float] = {}
    stop = threading.Event()
    try:
        status = sandbox.start()
        started_event = start_event("bench", args.participants)
        prefixes = started_event.record.prefixes

        def sample() -> None:
            while not stop.is_set():
                total, by_program = sandbox_rss(status.pid)
                if not samples or total > max(samples):
                    peak.clear()
                    peak.update(by_program)
                samples.append(total)
                time.sleep(1)

        threading.Thread(target=sample, daemon=True).start()
        started = time.monotonic()
        errors = {}
        try:
            run_participants(prefixes, NOTEBOOKS, Path(os.environ["WORKSHOP_HOME"]) / "build")
        except RuntimeError as error:
            errors["run"] = str(error)
        wall = time.monotonic() - started
        serving = sandbox_rss_mb(status.pid)
        stop.set()
        document = event_status("bench")
        steps = [p["step"] for p in document["participants"]]
        prod = [p["environments"].get("prod", {}).get("answer") for p in document["participants"]]
        cleaned = cleanup_event("bench", progress=False)
    finally:
        stop.set()
        sandbox.stop()
    done = sum(1 for s in steps if s == "04-test-the-pipeline")
    print(f"participants: {args.participants}, notebooks 01-04 each, all at once")
    print(f"wall time: {wall:.0f} s")
    print(f"participants at 04 with a release served by Prod: {done} of {args.participants}")
    print(f"Prod answers: {sorted(set(map(str, prod)))}")
    print(
        f"sandbox resident memory (server + task processes + builds): peak {max(samples):.0f} MB, "
        f"{serving:.0f} MB with all {args.participants} workshops serving; "
        f"{serving / args.participants:.0f} MB per participant"
    )
    top = ", ".join(f"{name} {mb:.0f}" for name, mb in sorted(peak.items(), key=lambda kv: -kv[1])[:6])
    print(f"at the peak, MB by program: {top}")
    print(f"cleanup: {'nothing left' if cleaned.ok else 'LEFTOVERS'}")
    if errors:
        print("errors:", errors["run"][-2000:])
    from benchmarks.record import record

    figures = {
        "participants": args.participants,
        "wall_seconds": round(wall),
        "participants_at_04": done,
        "peak_mb": round(max(samples)),
        "serving_mb": round(serving),
        "peak_mb_by_program": {name: round(mb) for name, mb in peak.items()},
        "cleanup_ok": cleaned.ok,
        "errors": bool(errors),
    }
    record("ten_participants", figures, headline="peak_mb")


if __name__ == "__main__":
    main()
