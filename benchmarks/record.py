"""Where the benchmarks keep their figures: ``benchmarks/results/<name>.json``, with the machine's load and the
commit, and the previous run's figures beside them, so a change shows as a ratio instead of a feeling. The
README's figures come from these files; the test suite asserts no time or memory."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=RESULTS.parent)
    return done.stdout.strip() or "unknown"


def record(name: str, figures: dict[str, Any], headline: str) -> dict[str, Any]:
    """Write ``figures`` (numbers keyed by what they measure) for benchmark ``name``; print how the ``headline``
    figure moved since the previous run. Returns the document written."""
    path = RESULTS / f"{name}.json"
    previous = json.loads(path.read_text()) if path.exists() else None
    document = {
        "benchmark": name,
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "commit": _commit(),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "headline": headline,
        **figures,
    }
    RESULTS.mkdir(exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"recorded in {path.relative_to(RESULTS.parents[1])}")
    before = (previous or {}).get(headline)
    if isinstance(before, int | float) and before and isinstance(figures.get(headline), int | float):
        print(
            f"{headline}: {figures[headline]} now, {before} at {previous['commit']} ({previous['when']}): "
            f"ratio {figures[headline] / before:.2f}"
        )
    return document
