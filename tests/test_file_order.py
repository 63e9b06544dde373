"""The order ``make test`` hands files to its workers (tests/file_order.py): longest first, nothing lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.file_order import DURATIONS, known_durations, longest_first

NODEIDS = [
    "tests/test_a.py::test_one",
    "tests/test_a.py::test_two",
    "tests/test_b.py::test_one",
    "tests/test_c.py::test_one",
    "tests/test_c.py::test_two",
]


def test_longest_files_go_first_each_with_its_tests_in_their_own_order() -> None:
    order = longest_first(NODEIDS, {"tests/test_a.py": 1.0, "tests/test_b.py": 30.0, "tests/test_c.py": 5.0})
    assert [NODEIDS[i] for i in order] == [
        "tests/test_b.py::test_one",
        "tests/test_c.py::test_one",
        "tests/test_c.py::test_two",
        "tests/test_a.py::test_one",
        "tests/test_a.py::test_two",
    ]


def test_the_files_of_a_group_go_by_their_seconds_added_up_each_in_its_own_order() -> None:
    """Under --dist loadgroup xdist's hook has added each test's group to its id (``@group``)."""
    nodeids = [
        "tests/test_a.py::test_one@shared",
        "tests/test_b.py::test_one@tests/test_b.py",
        "tests/test_c.py::test_one@shared",
        "tests/test_c.py::test_two[x@y]@shared",
    ]
    order = longest_first(nodeids, {"tests/test_a.py": 10.0, "tests/test_b.py": 15.0, "tests/test_c.py": 10.0})
    assert [nodeids[i] for i in order] == [nodeids[0], nodeids[2], nodeids[3], nodeids[1]]


def test_a_file_never_recorded_goes_before_every_recorded_one() -> None:
    order = longest_first(NODEIDS, {"tests/test_a.py": 100.0, "tests/test_b.py": 30.0})
    assert [NODEIDS[i] for i in order][:2] == ["tests/test_c.py::test_one", "tests/test_c.py::test_two"]


def test_the_recorded_durations_name_test_files_that_exist() -> None:
    """A renamed or removed file in the record would silently fall back to 'unknown, first'."""
    root = DURATIONS.parent.parent
    durations = known_durations()
    assert durations, "tests/file_durations.json is missing: record it with --record-file-durations"
    missing = [name for name in durations if not (root / name).exists()]
    assert not missing, f"record again (pytest --record-file-durations {DURATIONS.relative_to(root)}): {missing}"


def test_recording_writes_each_files_seconds(tmp_path: Path) -> None:
    (tmp_path / "test_sample.py").write_text("import time\n\ndef test_waits():\n    time.sleep(0.2)\n")
    record = tmp_path / "durations.json"
    environ = {**os.environ, "PYTHONPATH": str(DURATIONS.parents[1])}
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.file_order", "--record-file-durations", str(record)],
        cwd=tmp_path,
        env=environ,
        check=True,
        capture_output=True,
    )
    files = json.loads(record.read_text())["files"]
    assert list(files) == ["test_sample.py"]
    assert files["test_sample.py"] >= 0.2


def test_xdist_hands_the_files_out_longest_first_not_by_their_number_of_tests(tmp_path: Path) -> None:
    """The order is only worth something if xdist keeps it: by default ``--dist loadgroup`` hands out the groups with
    the most tests first (a one-test workshop flow of two minutes then starts last). A worker writes down the files
    in the order it gets them; the long file with one test must come before the short one with three."""
    journal = tmp_path / "journal.txt"
    (tmp_path / "test_short_but_many.py").write_text(
        "".join(f"def test_{n}():\n    open({str(journal)!r}, 'a').write('many\\n')\n\n\n" for n in range(3))
    )
    (tmp_path / "test_long_alone.py").write_text(f"def test_it():\n    open({str(journal)!r}, 'a').write('long\\n')\n")
    durations = tmp_path / "durations.json"
    durations.write_text(json.dumps({"files": {"test_long_alone.py": 120.0, "test_short_but_many.py": 1.0}}))
    (tmp_path / "conftest.py").write_text(
        f"import pathlib\nimport tests.file_order\n\ntests.file_order.DURATIONS = pathlib.Path({str(durations)!r})\n"
        "pytest_plugins = ['tests.file_order']\n"
    )
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # not the kit's addopts: the option is passed below
    environ = {**os.environ, "PYTHONPATH": str(DURATIONS.parents[1])}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "1", "--dist", "loadgroup"]
    subprocess.run([*command, "--no-loadscope-reorder"], cwd=tmp_path, env=environ, check=True, capture_output=True)
    assert journal.read_text().split() == ["long", "many", "many", "many"]
    # The kit's addopts carry the option: without it, xdist's own order (the control that makes this test mean it).
    journal.unlink()
    subprocess.run(command, cwd=tmp_path, env=environ, check=True, capture_output=True)
    assert journal.read_text().split() == ["many", "many", "many", "long"]
    assert "--no-loadscope-reorder" in (DURATIONS.parents[1] / "pyproject.toml").read_text()


def test_the_files_of_a_named_group_run_on_one_worker_and_every_other_file_stays_whole(tmp_path: Path) -> None:
    """What tests/shared_workshops.py relies on: files that name one ``xdist_group`` run on one worker (its
    session-scoped workshop is built once); every other file is a group of its own, its tests on one worker."""
    journal = tmp_path / "journal.txt"
    record = f"open({str(journal)!r}, 'a').write(__name__ + ' ' + os.environ['PYTEST_XDIST_WORKER'] + '\\n')"
    shared = "import os\nimport pytest\n\npytestmark = pytest.mark.xdist_group('shared')\n\n\n"
    for name, head in (("test_one", shared), ("test_two", shared), ("test_three", "import os\n\n\n")):
        body = "".join(f"def test_{n}():\n    {record}\n\n\n" for n in range(4))
        (tmp_path / f"{name}.py").write_text(head + body)
    (tmp_path / "conftest.py").write_text("pytest_plugins = ['tests.file_order']\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    environ = {**os.environ, "PYTHONPATH": str(DURATIONS.parents[1])}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "3", "--dist", "loadgroup"]
    subprocess.run(command, cwd=tmp_path, env=environ, check=True, capture_output=True)
    workers: dict[str, set[str]] = {}
    for line in journal.read_text().split("\n"):
        if line:
            module, worker = line.split()
            workers.setdefault(module, set()).add(worker)
    assert sorted(workers) == ["test_one", "test_three", "test_two"]
    assert all(len(names) == 1 for names in workers.values()), workers
    assert workers["test_one"] == workers["test_two"]
