"""Which packages moved between two versions of requirements.lock (``make upgrade`` prints it).

Usage: ``python tools/lock_changes.py OLD_LOCK NEW_LOCK``. Prints one row per package that was added, removed or
moved to another version, and a line saying how many; nothing moved is said too.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def pins(path: Path) -> dict[str, str]:
    """Every ``name==version`` line of a lock, by normalised name (a name pinned twice under two
    markers keeps both versions, joined by " / ")."""
    found: dict[str, str] = {}
    for line in path.read_text().splitlines():
        match = PIN.match(line)
        if match:
            name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
            found[name] = f"{found[name]} / {match.group(2)}" if name in found else match.group(2)
    return found


def changes(old: dict[str, str], new: dict[str, str]) -> list[tuple[str, str, str]]:
    """(package, before, after) for each package whose pin differs; "-" where it is absent."""
    return [
        (name, old.get(name, "-"), new.get(name, "-"))
        for name in sorted(old.keys() | new.keys())
        if old.get(name) != new.get(name)
    ]


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    moved = changes(pins(Path(argv[0])), pins(Path(argv[1])))
    if not moved:
        print("requirements.lock: no package moved")
        return 0
    width = max(len(name) for name, _, _ in moved)
    print(f"requirements.lock: {len(moved)} package(s) moved")
    print(f"  {'package':<{width}}  {'before':>14}  ->  after")
    for name, before, after in moved:
        print(f"  {name:<{width}}  {before:>14}  ->  {after}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
