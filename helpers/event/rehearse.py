"""Participants working at the same time, for the tests and the ten-participant benchmark: each runs the
learners' notebooks in order with papermill, in a process of its own, as a participant's kernel would."""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..runner import NOTEBOOK_DIR

#: helpers.runner.run_notebook with more patience for a kernel to start: ten participants starting kernels at
#: once on a small machine take longer than nbclient's default minute.
_RUN_ONE = (
    "import sys; from pathlib import Path; from helpers.runner import run_notebook; "
    "notebook, output, prefix = sys.argv[1:4]; "
    "answers = {'prefix': prefix, 'auto_approve': True, 'auto_continue': True}; "
    "run_notebook(Path(notebook), Path(output).parent, answers, start_timeout=600)"
)


def run_participant(prefix: str, notebooks: list[str], output_dir: Path) -> dict[str, float]:
    """Seconds per notebook for one participant; raises with the notebook's error when one fails."""
    timings = {}
    folder = output_dir / prefix
    folder.mkdir(parents=True, exist_ok=True)
    for name in notebooks:
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-c", _RUN_ONE, str(NOTEBOOK_DIR / name), str(folder / name), prefix],
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
