"""Running the workshop's notebooks headless with papermill: ``make workshop``, the tests and the
benchmark all use this, so they run the notebooks exactly as a learner's kernel would."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from .core.paths import REPO_ROOT
from .kernels import kernel_manager_in

NOTEBOOK_DIR = REPO_ROOT / "notebooks"


def notebooks() -> list[Path]:
    """The learners' notebooks (``00-`` to ``05-``) in the order a workshop runs them; the instructor's and the
    advanced notebooks are not among them."""
    return sorted(NOTEBOOK_DIR.glob("[0-9][0-9]-*.ipynb"))


def run_notebook(
    path: Path, output_dir: Path, parameters: dict[str, Any], log_output: bool = False, start_timeout: int = 60
) -> float:
    """Execute one notebook with the parameters it declares (others are dropped); seconds taken.
    A red preflight in notebook 00 stops the run by itself (``PreflightFailed``): nothing to pass for that.
    The kernel talks over Unix sockets, so runs started at the same moment cannot take each other's ports."""
    import papermill

    declared = set(papermill.inspect_notebook(str(path)))
    started = time.monotonic()
    output_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kernel-") as sockets:
        papermill.execute_notebook(
            str(path),
            str(output_dir / path.name),
            kernel_name="python3",
            cwd=str(NOTEBOOK_DIR),
            parameters={k: v for k, v in parameters.items() if k in declared},
            progress_bar=False,
            log_output=log_output,
            start_timeout=start_timeout,
            kernel_manager_class=kernel_manager_in(sockets),
        )
    return time.monotonic() - started


def run_workshop(output_dir: Path, parameters: dict[str, Any], names: list[str] | None = None) -> dict[str, float]:
    """Every notebook in order (or those named); seconds per notebook."""
    timings = {}
    for path in notebooks():
        if names is None or path.name in names:
            timings[path.name] = run_notebook(path, output_dir, parameters)
            print(f"{path.name}: {timings[path.name]:.1f} s", flush=True)
    return timings
