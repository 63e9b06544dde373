"""Running the workshop's notebooks on the sandbox, as a learner (or CI) would."""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill

from helpers.paths import REPO_ROOT

NOTEBOOK_DIR = REPO_ROOT / "notebooks"


def run_notebook(name: str, output_dir: Path, **parameters: object) -> nbformat.NotebookNode:
    output = output_dir / name
    papermill.execute_notebook(str(NOTEBOOK_DIR / name), str(output), parameters=parameters, kernel_name="python3",
                               progress_bar=False, cwd=str(NOTEBOOK_DIR))
    return nbformat.read(output, as_version=4)


def outputs_text(notebook: nbformat.NotebookNode) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.append(output.get("data", {}).get("text/plain", ""))
            parts.append(output.get("data", {}).get("text/html", ""))
    return "\n".join(parts)
