"""Notebook conventions, and papermill running them against the sandbox."""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import jupytext.config
import nbformat
import papermill
import pytest

from helpers.paths import REPO_ROOT
from helpers.state import load_state
from tests.helpers_for_tests import unique
from tests.workshop_runs import outputs_text, run_notebook

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def test_there_is_a_setup_notebook():
    assert NOTEBOOKS[0].name == "00-setup.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebook_conventions(path: Path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "commit notebooks without outputs"
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0].cell_type == "code"
    for cell in code:
        source = cell.source
        assert not re.search(r"^\s*(%%sh|%%bash|!aws|!)", source, re.M), f"shell cell in {path.name}: {source}"
        assert "input(" not in source and "getpass" not in source
        assert "def " not in source and "class " not in source, "logic belongs in helpers/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_notebook_and_its_py_percent_pair_say_the_same(path: Path):
    """Instructors edit either file (jupytext.toml pairs them); a pair out of step fails here, with the fix."""
    config = jupytext.config.load_jupytext_configuration_file(str(REPO_ROOT / "jupytext.toml"))
    paired = path.with_suffix(".py")
    assert paired.exists(), f"{paired.name} is missing: run `jupytext --sync notebooks/{path.name}`"
    expected = jupytext.writes(nbformat.read(path, as_version=4), fmt="py:percent", config=config)
    assert paired.read_text() == expected, f"{path.name} and {paired.name} differ: run `jupytext --sync {path}`"


def test_setup_notebook_on_the_sandbox(tmp_path):
    prefix = unique("nb")
    notebook = run_notebook(
        "00-setup.ipynb",
        tmp_path,
        prefix=prefix,
        region="eu-west-1",
        launch_type="EC2",
        approval_email="ops@example.com",
    )
    state = load_state(prefix)
    assert (state.settings.region, state.settings.launch_type) == ("eu-west-1", "EC2")
    assert state.settings.approval_email == "ops@example.com"
    text = outputs_text(notebook)
    assert "All required checks pass" in text
    assert "❌" not in text
    assert "account 123456789012" in text
    widgets = [
        o
        for c in notebook.cells
        for o in c.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    assert widgets, "the settings widgets are displayed"


def test_setup_notebook_with_a_bad_prefix_fails_clearly(tmp_path):
    with pytest.raises(papermill.PapermillExecutionError) as excinfo:
        run_notebook("00-setup.ipynb", tmp_path, prefix="Bad_Prefix")
    assert excinfo.value.ename == "InvalidSettingError"
    assert "e.g. 'ecs-cd" in excinfo.value.evalue
