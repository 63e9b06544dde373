"""Running the workshop's notebooks on the sandbox, as a learner (or CI) would."""

from __future__ import annotations

from pathlib import Path

import nbformat

from helpers.runner import NOTEBOOK_DIR
from helpers.runner import run_notebook as _run


def run_notebook(name: str, output_dir: Path, **parameters: object) -> nbformat.NotebookNode:
    _run(NOTEBOOK_DIR / name, output_dir, dict(parameters))
    return nbformat.read(output_dir / name, as_version=4)


def outputs_text(notebook: nbformat.NotebookNode) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.append(output.get("data", {}).get("text/plain", ""))
            parts.append(output.get("data", {}).get("text/html", ""))
    return "\n".join(parts)


def has_image(notebook: nbformat.NotebookNode) -> bool:
    return any("image/png" in o.get("data", {}) for c in notebook.cells for o in c.get("outputs", []))


def plain_text(notebook: nbformat.NotebookNode) -> str:
    """Only the plain-text outputs (no HTML), so each line is counted once."""
    return "\n".join(
        output.get("text", "") + output.get("data", {}).get("text/plain", "")
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )
