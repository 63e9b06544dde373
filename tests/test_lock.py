"""requirements.lock is the one list of what gets installed: it agrees with pyproject.toml's ranges, pins every
package with hashes, and every install path (make install, its pip fallback, conda/Binder) installs it."""

from __future__ import annotations

import re
import tomllib

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.version import Version

from helpers.core.paths import REPO_ROOT
from tools.lock_changes import changes, pins

LOCK = REPO_ROOT / "requirements.lock"
PROJECT = "ecs-cd-workshop"


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject_requirements() -> list[Requirement]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    listed = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        listed.extend(extra)
    return [Requirement(r) for r in listed]


def _lock_entries() -> dict[str, list[tuple[str, str]]]:
    """name -> [(version, the `# via` block that follows the pin)]."""
    entries: dict[str, list[tuple[str, str]]] = {}
    blocks = re.split(r"\n(?=[A-Za-z0-9])", LOCK.read_text())
    for block in blocks:
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", block)
        if match:
            entries.setdefault(_name(match.group(1)), []).append((match.group(2), block))
    return entries


def test_the_lock_satisfies_every_range_of_pyproject():
    """A range changed in pyproject.toml and not re-locked fails here, naming the package: run `make lock`."""
    entries = _lock_entries()
    environment = {**default_environment(), "python_version": "3.11", "python_full_version": "3.11.7"}
    out_of_step = []
    for requirement in _pyproject_requirements():
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue
        locked = [version for version, _ in entries.get(_name(requirement.name), [])]
        if not any(requirement.specifier.contains(Version(v), prereleases=True) for v in locked):
            out_of_step.append(f"{requirement} (locked: {', '.join(locked) or 'absent'})")
    assert not out_of_step, "requirements.lock is out of step with pyproject.toml; run `make lock`: " + "; ".join(
        out_of_step
    )


def test_the_lock_holds_no_direct_dependency_pyproject_no_longer_names():
    wanted = {_name(r.name) for r in _pyproject_requirements()}
    direct = {name for name, pinned in _lock_entries().items() if any(PROJECT in via for _, via in pinned)}
    assert direct == wanted, (
        f"requirements.lock is out of step with pyproject.toml; run `make lock` "
        f"(only in the lock: {sorted(direct - wanted)}, only in pyproject.toml: {sorted(wanted - direct)})"
    )


def test_every_pin_is_exact_and_hashed():
    blocks = [b for b in re.split(r"\n(?=[A-Za-z0-9])", LOCK.read_text()) if not b.startswith("#")]
    assert len(blocks) > 100  # the whole tree, not only the direct dependencies
    for block in blocks:
        assert re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*==\S+", block), block.splitlines()[0]
        assert "--hash=sha256:" in block, f"no hash for {block.splitlines()[0]}"


def test_make_install_installs_exactly_the_lock_with_the_uv_it_pins():
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert "LOCK := requirements.lock" in makefile
    assert "uv pip sync" in makefile and "$(LOCK)" in makefile
    assert "--require-hashes -r $(LOCK)" in makefile  # the pip fallback installs the same pins
    assert "--no-deps -e ." in makefile  # the kit itself brings nothing the lock did not
    assert re.search(r"^uv==\d", LOCK.read_text(), re.MULTILINE), "the lock pins the uv that `make install` uses"


def test_conda_and_binder_install_the_lock():
    environment = (REPO_ROOT / "environment.yml").read_text()
    assert "- -r requirements.lock" in environment
    assert not re.search(r"^\s+- [a-z].*[<>=]", environment.split("pip:")[1], re.MULTILINE), "pins belong in the lock"
    post_build = (REPO_ROOT / "postBuild").read_text()
    assert "pip install --no-deps -e ." in post_build


def test_lock_changes_reports_what_moved(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    old.write_text("moto==5.2.5 \\\n    --hash=sha256:aa\nboto3==1.40.0 \\\n    --hash=sha256:bb\nsix==1.0\n")
    new.write_text("moto==5.2.6 \\\n    --hash=sha256:cc\nboto3==1.40.0 \\\n    --hash=sha256:bb\nPyYAML==6.0\n")
    assert changes(pins(old), pins(new)) == [("moto", "5.2.5", "5.2.6"), ("pyyaml", "-", "6.0"), ("six", "1.0", "-")]
