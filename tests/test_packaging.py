"""The two-command promise: README, Makefile, CI and the conda environment agree."""

from __future__ import annotations

import re
import tomllib

import yaml

from helpers.paths import REPO_ROOT


def _normalise(requirement: str) -> str:
    return re.sub(r"\s+", "", requirement).lower()


def test_environment_yml_names_the_same_dependencies_as_pyproject():
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    environment = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    wanted = pyproject["project"]["dependencies"] + pyproject["project"]["optional-dependencies"]["sandbox"]
    assert sorted(map(_normalise, pip_section)) == sorted(map(_normalise, wanted))
    conda = [d for d in environment["dependencies"] if isinstance(d, str)]
    assert any(d.startswith("nodejs") for d in conda) and "git" in conda


def test_moto_is_pinned_to_a_tested_range():
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    moto = next(d for d in pyproject["project"]["optional-dependencies"]["sandbox"] if d.startswith("moto"))
    assert "<5.3" in moto and ">=5.2.5" in moto


def test_ci_runs_the_readme_test_command():
    readme = (REPO_ROOT / "README.md").read_text()
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert "make lab" in readme and "make test" in readme
    commands = [line for line in ci.splitlines() if line.strip() and not line.startswith("#")]
    assert commands[-1].strip() == "make test"
