"""Notebook conventions, and papermill running them against the sandbox."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import jupytext
import jupytext.config
import nbformat
import papermill
import pytest

from helpers.core.paths import REPO_ROOT
from helpers.core.state import load_state
from tests.helpers_for_tests import unique
from tests.workshop_runs import outputs_text, run_notebook

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
#: Optional modules outside the numbered sequence (run after 04 and before 05).
ADVANCED = sorted((REPO_ROOT / "notebooks" / "advanced").glob("*.ipynb"))
#: The learners' sequence and every other notebook the kit ships (the instructor's, modules in sub-folders).
EVERY_NOTEBOOK = sorted(p for p in (REPO_ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def _name(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT / "notebooks"))


def test_the_readme_lists_the_notebooks_in_their_order():
    """The README's notebook table is the sequence a learner follows: it names every numbered notebook, in order,
    and nothing else (a renamed, added or removed notebook fails here until the README follows)."""
    readme = (REPO_ROOT / "README.md").read_text().split("\n## The notebooks\n", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `(\d\d-[a-z-]+)` \|", readme, re.MULTILINE)
    assert listed == [p.stem for p in NOTEBOOKS]


@pytest.mark.parametrize("path", EVERY_NOTEBOOK, ids=_name)
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


@pytest.mark.parametrize("path", EVERY_NOTEBOOK, ids=_name)
def test_each_notebook_and_its_py_percent_pair_say_the_same(path: Path):
    """Instructors edit either file (jupytext.toml pairs them); a pair out of step fails here, with the fix."""
    config = jupytext.config.load_jupytext_configuration_file(str(REPO_ROOT / "jupytext.toml"))
    paired = path.with_suffix(".py")
    assert paired.exists(), f"{paired.name} is missing: run `jupytext --sync notebooks/{_name(path)}`"
    expected = jupytext.writes(nbformat.read(path, as_version=4), fmt="py:percent", config=config)
    assert paired.read_text() == expected, f"{path.name} and {paired.name} differ: run `jupytext --sync {path}`"


def _helpers_calls() -> dict[tuple[str, str], list[str]]:
    """Every ``module.function(...)`` call on a ``helpers`` module in the notebooks' code cells, with the
    notebooks that make it."""
    calls: dict[tuple[str, str], list[str]] = {}
    for path in NOTEBOOKS + ADVANCED:
        code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        tree = ast.parse(code)
        modules = {
            alias.asname or alias.name: f"helpers.{alias.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "helpers"
            for alias in node.names
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in modules
            ):
                calls.setdefault((modules[node.func.value.id], node.func.attr), []).append(path.name)
    return calls


def _docstring_problem(function: object) -> str | None:
    """What keeps Shift-Tab from helping: no docstring, no summary, or (numpy style) no Returns section."""
    doc = inspect.getdoc(function)
    if not doc or not doc.splitlines()[0].strip():
        return "no docstring"
    returns = inspect.signature(function).return_annotation  # type: ignore[arg-type]
    if returns not in ("None", None, inspect.Signature.empty) and not re.search(r"^Returns\n-+$", doc, re.M):
        return "no numpy-style 'Returns' section"
    return None


#: What notebook cells call on the objects helpers return (``run = release.change_message(...)``).
HANDLE_METHODS = [("helpers.release", "Release.watch")]


def test_every_helpers_function_a_notebook_calls_has_a_docstring():
    """Shift-Tab in JupyterLab shows the docstring: each function a cell calls says what it does for the
    learner and what it returns."""
    calls = _helpers_calls()
    assert ("helpers.release", "run_of") in calls and ("helpers.pictures", "pipeline") in calls
    problems = {}
    for module_name, attribute in [*calls, *HANDLE_METHODS]:
        target: object = importlib.import_module(module_name)
        for part in attribute.split("."):
            target = getattr(target, part)
        problem = _docstring_problem(target)
        if problem:
            problems[f"{module_name.removeprefix('helpers.')}.{attribute}"] = problem
    assert problems == {}, f"functions notebook cells call need numpy-style docstrings: {problems}"


def test_cleanup_notebook_describes_the_order_the_code_deletes_in():
    from helpers.cleanup import KINDS

    intro = nbformat.read(REPO_ROOT / "notebooks" / "05-cleanup.ipynb", as_version=4).cells[0].source
    prose = " ".join(intro.split()).lower()
    position = 0
    for kind in KINDS:
        found = prose.find(kind.label.lower(), position)
        assert found >= 0, f"05-cleanup's introduction does not name {kind.label!r} after what comes before it"
        position = found + len(kind.label)


@pytest.mark.slow  # papermill runs notebook 00 in a new kernel
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


@pytest.mark.slow  # papermill runs notebook 00 in a new kernel
def test_setup_notebook_with_a_bad_prefix_fails_clearly(tmp_path):
    with pytest.raises(papermill.PapermillExecutionError) as excinfo:
        run_notebook("00-setup.ipynb", tmp_path, prefix="Bad_Prefix")
    assert excinfo.value.ename == "InvalidSettingError"
    assert "e.g. 'ecs-cd" in excinfo.value.evalue


@pytest.mark.slow  # papermill runs notebook 00
def test_running_notebook_00_again_keeps_what_the_widgets_chose(tmp_path):
    """The prose promises it (walkthrough finding 8: a re-run went back to prefix ecs-cd and us-east-1). The first
    run is its configure cell, in process; the run again is the whole notebook, as Run All runs it."""
    from helpers import setup, ui
    from helpers.core.state import current_prefix
    from tests.helpers_for_tests import unique

    first = unique("rr")
    setup.configure(prefix=first)
    chosen = unique("rw")
    panel = ui.settings_panel(setup.load(first))  # what the widgets do: prefix, then region
    panel.controls["prefix"].value = chosen
    panel.controls["region"].value = "eu-west-1"
    assert (current_prefix(), setup.load(chosen).settings.region) == (chosen, "eu-west-1")
    run_notebook("00-setup.ipynb", tmp_path)  # Run All again, no parameters
    assert (current_prefix(), setup.load(chosen).settings.region) == (chosen, "eu-west-1")
