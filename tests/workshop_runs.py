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


def helpers_cli_json(*arguments: str, own_process: bool = True) -> tuple[int, dict]:
    """``python -m helpers ARGUMENTS --json``: exit status and JSON. In a process of its own, as the README shows it;
    with ``own_process=False``, the same ``main`` called in this process (a flow asks ``status`` after every
    notebook: a process each cost about a second of CPU to import the kit, on a machine the flows keep busy)."""
    import contextlib
    import io
    import json
    import subprocess
    import sys

    if own_process:
        result = subprocess.run(
            [sys.executable, "-m", "helpers", *arguments, "--json"], capture_output=True, text=True, timeout=300
        )
        code, output, errors = result.returncode, result.stdout, result.stderr
    else:
        from helpers.__main__ import main

        captured, captured_errors = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured_errors):
            code = main([*arguments, "--json"])
        output, errors = captured.getvalue(), captured_errors.getvalue()
    assert output.strip().startswith("{"), f"`helpers {' '.join(arguments)} --json`: {errors[-2000:]}"
    return code, json.loads(output)


def status_after(prefix: str, *kinds_expected: str, own_process: bool = False) -> dict:
    """`status --json` after a notebook: it answers, every recorded resource exists, and the kinds the notebook
    made are among them (a type is the kit's resource type, e.g. ``codebuild-project``). The command's own code
    in this process unless ``own_process`` (a flow runs it as a process once, as the README shows it)."""
    code, document = helpers_cli_json("status", "--prefix", prefix, own_process=own_process)
    assert code == 0 and document["prefix"] == prefix
    assert document["missing_resources"] == 0, document["next_step"]
    assert all(r["exists"] in ("yes", "not yet") for r in document["resources"]), document["resources"]
    recorded = {r["type"] for r in document["resources"]}
    assert set(kinds_expected) <= recorded, f"{set(kinds_expected) - recorded} not recorded: {sorted(recorded)}"
    return document
