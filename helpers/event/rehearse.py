"""Participants working at the same time, for the tests and the ten-participant benchmark: each runs the
learners' notebooks in order with papermill, in a process of its own, as a participant's kernel would."""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..runner import NOTEBOOK_DIR

_RUN_ONE = (
    "import sys, pathlib; from helpers.runner import run_notebook; "
    "run_notebook(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), "
    "{'prefix': sys.argv[3], 'auto_approve': True})"
)


def run_participant(prefix: str, notebooks: list[str], output_dir: Path) -> dict[str, float]:
    """Seconds per notebook for one participant; raises with the notebook's error when one fails."""
    timings = {}
    for name in notebooks:
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-c", _RUN_ONE, str(NOTEBOOK_DIR / name), str(output_dir / prefix), prefix],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{prefix}: {name} failed:\n{done.stderr[-3000:]}")
        timings[name] = time.monotonic() - started
    return timings


def run_participants(prefixes: list[str], notebooks: list[str], output_dir: Path) -> dict[str, dict[str, float]]:
    """Every participant at once; each one's notebooks in order."""
    with ThreadPoolExecutor(max_workers=len(prefixes)) as pool:
        futures = {p: pool.submit(run_participant, p, notebooks, output_dir) for p in prefixes}
        return {p: f.result() for p, f in futures.items()}
