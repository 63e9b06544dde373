"""The two-command promise: README, Makefile and CI agree (the lock and its install paths: test_lock.py)."""

from __future__ import annotations

from helpers.core.paths import REPO_ROOT


def test_ci_runs_the_readme_test_command():
    readme = (REPO_ROOT / "README.md").read_text()
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert "make lab" in readme and "make test" in readme
    commands = [line for line in ci.splitlines() if line.strip() and not line.startswith("#")]
    assert commands[-1].strip() == "make test"
