"""The README's Layout section matches the tree: every module and package at the top of `helpers/` and `localaws/`
(and every service package the sandbox extends) is named there, and every file or folder it names exists. A move or
a new module that the README does not follow fails here, naming what to add or remove."""

from __future__ import annotations

import re
import subprocess

from helpers.core.paths import REPO_ROOT

SKIPPED = {"__init__.py", "__main__.py", "__pycache__", "py.typed"}


def _layout_block() -> str:
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```", 2)[1]


def _named(block: str) -> set[str]:
    """Every file or folder name the block mentions: `x.py`, `dir/`, `a/b.py` (templates like <service> aside)."""
    tokens = re.findall(r"[A-Za-z0-9_./<>-]+", block)
    names = set()
    for token in tokens:
        token = token.strip(".,;:()")
        if (
            "<" in token
            or token.startswith("/")
            or not (token.endswith((".py", "/", ".json", ".lock", ".md", ".toml", ".yml")))
        ):
            continue
        names.add(token)
    return names


def _package_part(block: str, package: str) -> str:
    """The lines of the block from ``package/`` to the next line that starts at the left margin."""
    lines = block.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{package}/"))
    end = next((i for i in range(start + 1, len(lines)) if lines[i][:1] not in (" ", "")), len(lines))
    return "\n".join(lines[start:end])


def _expected_entries(package: str) -> list[str]:
    entries = []
    for child in sorted((REPO_ROOT / package).iterdir()):
        if child.name in SKIPPED or child.name.startswith("."):
            continue
        if child.is_dir() and (child / "__init__.py").exists():
            entries.append(f"{child.name}/")
        elif child.suffix == ".py":
            entries.append(child.name)
    if package == "localaws":
        services = REPO_ROOT / "localaws" / "services"
        entries += [f"{p.name}/" for p in sorted(services.iterdir()) if (p / "__init__.py").exists()]
    return entries


def _mentioned(part: str) -> set[str]:
    """Names a part mentions: files and folders (``x.py``, ``dir/``, ``a/b.py`` names a/ too) and bare module
    names listed in prose after a package (``event/ ... names, plan (quotas, prices), ...``)."""
    found = set()
    for name in _named(part):
        pieces = name.rstrip("/").split("/")
        found.update(piece.removesuffix(".py") for piece in pieces)
    found.update(re.findall(r"\b([a-z0-9_]+)\b", part))  # bare names in prose: "the packages: autoscaling, ..."
    return found


def test_every_top_level_module_and_package_is_in_the_layout():
    block = _layout_block()
    missing = []
    for package in ("helpers", "localaws"):
        mentioned = _mentioned(_package_part(block, package))
        missing += [
            f"{package}/{e}" for e in _expected_entries(package) if e.rstrip("/").removesuffix(".py") not in mentioned
        ]
    assert not missing, f"README Layout does not name: {missing}"


def test_everything_the_layout_names_exists():
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    paths = [p.split("/") for p in tracked.stdout.splitlines()]
    files = {p[-1] for p in paths}
    dirs = {part for p in paths for part in p[:-1]}
    gone = []
    for name in _named(_layout_block()):
        last = name.rstrip("/").split("/")[-1]
        if (name.endswith("/") and last not in dirs) or (not name.endswith("/") and last not in files):
            gone.append(name)
    assert not gone, f"README Layout names what the tree does not have: {sorted(gone)}"
