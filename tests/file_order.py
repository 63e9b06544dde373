"""How ``make test`` hands its tests to the workers: whole files, longest first, so that the workers finish together.

``make test`` hands whole files to its workers (``--dist loadgroup``, every file a group of its own unless its tests
name a group: the files that share a workshop, tests/shared_workshops.py, go to one worker together), in the order
pytest collected them. A file of two minutes handed out last keeps one worker busy while the others have nothing
left: the suite's wall time is then that file's, not a third of the total. Handing the longest files out first (the
classic longest-processing-time rule) removes that tail. The order comes from ``tests/file_durations.json``, the
seconds each file took in a recorded run (``pytest --record-file-durations PATH``; the committed file adds up both
sessions of ``make test``, recorded on an idle machine, which matters for the order only); a file it does not know
yet goes first, as it may be long. Only the order changes: every test still runs, with the same fixtures, in its
file's own order. xdist keeps it only with ``--no-loadscope-reorder`` (in pyproject.toml's addopts): by default it
hands out the groups with the most tests first.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

DURATIONS = Path(__file__).resolve().parent / "file_durations.json"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--record-file-durations",
        metavar="PATH",
        default=None,
        help="write the seconds each test file took (set-up, call and tear-down of its tests) to PATH as JSON",
    )


def _file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def known_durations(path: Path | None = None) -> dict[str, float]:
    """The recorded seconds per test file (relative to the repository), or nothing when none were recorded."""
    path = path or DURATIONS
    if not path.exists():
        return {}
    return {str(name): float(seconds) for name, seconds in json.loads(path.read_text())["files"].items()}


def _group_of(nodeid: str) -> str:
    """The xdist group of a test id, as xdist's --dist loadgroup reads it (the suffix ``@group`` its hook adds), or
    else the test's file."""
    if nodeid.rfind("@") > nodeid.rfind("]"):
        return nodeid.rsplit("@", 1)[1]
    return _file_of(nodeid)


def longest_first(nodeids: list[str], durations: dict[str, float]) -> list[int]:
    """The positions of ``nodeids`` in the order to run them: groups of files (a file is a group of its own unless
    its tests name one) by the recorded durations of their files added up, longest first (a group with a file never
    recorded before all, as it may be long), each group's tests in their own order, ties in collection order."""
    first_seen: dict[str, int] = {}
    files: dict[str, set[str]] = {}
    for position, nodeid in enumerate(nodeids):
        group = _group_of(nodeid)
        first_seen.setdefault(group, position)
        files.setdefault(group, set()).add(_file_of(nodeid))
    seconds = {group: sum(durations.get(name, float("inf")) for name in names) for group, names in files.items()}

    def key(position: int) -> tuple[float, int, int]:
        group = _group_of(nodeids[position])
        return (-seconds[group], first_seen[group], position)

    return sorted(range(len(nodeids)), key=key)


class _EveryFileAGroup:
    """Every file is an xdist group of its own unless its tests name one (``pytest.mark.xdist_group``): under
    ``--dist loadgroup`` its tests stay on one worker, with their module's fixtures, as with ``--dist loadfile``."""

    @pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the groups
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            if item.get_closest_marker("xdist_group") is None:
                item.add_marker(pytest.mark.xdist_group(_file_of(item.nodeid)))


@pytest.hookimpl(trylast=True)  # after xdist's hook: the test ids carry their group
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    durations = known_durations()
    if durations:
        order = longest_first([item.nodeid for item in items], durations)
        items[:] = [items[position] for position in order]


class _Recorder:
    """Adds up each file's test phases as reports arrive (on the xdist controller, from every worker)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seconds: dict[str, float] = defaultdict(float)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.seconds[_file_of(report.nodeid)] += report.duration

    def pytest_sessionfinish(self) -> None:
        files = {name: round(seconds, 1) for name, seconds in sorted(self.seconds.items(), key=lambda kv: -kv[1])}
        self.path.write_text(json.dumps({"unit": "seconds", "files": files}, indent=1) + "\n")


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(_EveryFileAGroup(), "every-file-a-group")
    path = config.getoption("--record-file-durations")
    if path and not hasattr(config, "workerinput"):  # the controller sees every worker's reports
        config.pluginmanager.register(_Recorder(Path(path)), "file-durations-recorder")
