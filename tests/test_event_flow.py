"""An event on one sandbox: start three participants (ten are a benchmark, not a test), let them run notebooks
01 -> 03 at the same time, watch them all reach 03 with Dev answering, then clean up the event while look-alikes
survive."""

from __future__ import annotations

import json

import pytest

from helpers import prerequisites, setup
from helpers.__main__ import main
from helpers.event.rehearse import run_participants
from tests.helpers_for_tests import sandbox_client, unique


@pytest.fixture(autouse=True)
def _event_quota():
    """The sandbox plays a new account (one CodeBuild build at a time); an event raises its quota first,
    as an instructor would (the plan says how), and the account is put back afterwards."""
    from localaws import api

    api.configure_account({"codebuild_concurrency": 20})
    yield
    api.reset_account()


pytestmark = pytest.mark.slow


def look_alike(prefix: str) -> None:
    """A workshop whose names resemble the event's: its repository and registries must survive."""
    setup.configure(prefix=prefix)
    workshop = setup.open_workshop(prefix)
    prerequisites.ensure_source_repository(workshop)
    prerequisites.ensure_image_repositories(workshop)


def survivors(prefix: str) -> set[str]:
    codecommit, ecr = sandbox_client("codecommit"), sandbox_client("ecr")
    names = {r["repositoryName"] for r in codecommit.list_repositories()["repositories"]}
    names |= {r["repositoryName"] for r in ecr.describe_repositories()["repositories"]}
    return {n for n in names if n.startswith(f"{prefix}-")}


def test_three_participants_at_once_then_a_clean_event(tmp_path, capsys):
    event = unique("fl")
    assert main(["event", "start", "--event", event, "--participants", "3"]) == 0
    prefixes = [f"{event}-0{n}" for n in range(1, 4)]
    # another event whose name starts like this one, and a prefix that extends a participant's
    for other in (f"{event}x-01", f"{event}-011"):
        look_alike(other)
    before = {other: survivors(other) for other in (f"{event}x-01", f"{event}-011")}
    assert all(len(names) == 4 for names in before.values())

    run_participants(prefixes, ["01-prerequisites.ipynb", "02-build-projects.ipynb", "03-pipelines.ipynb"], tmp_path)

    capsys.readouterr()
    assert main(["event", "status", "--event", event, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [p["prefix"] for p in document["participants"]] == prefixes
    for participant in document["participants"]:
        assert participant["step"] == "03-pipelines", participant
        assert participant["environments"]["dev"]["status"] == 200
        assert participant["environments"]["dev"]["answer"] == "Hello world"
        assert participant["failures"] == []

    assert main(["event", "cleanup", "--event", event]) == 0
    out = capsys.readouterr().out
    assert f"Nothing of event '{event}' is left (3 participants checked)" in out
    # The report says what it deleted: each participant's rows counted, not "deleted 0" (walkthrough, finding 4).
    table = out.split("\n")
    for prefix in prefixes:
        row = next(line for line in table if line.startswith(prefix) and "nothing left" in line)
        assert int(row.split()[-2]) >= 30, row  # about 35-40 resources each
    for prefix in prefixes:
        assert survivors(prefix) == set()
    assert {other: survivors(other) for other in before} == before
    assert main(["event", "status", "--event", event, "--json"]) == 0
    after = json.loads(capsys.readouterr().out)
    assert all(p["leftovers"] == [] for p in after["participants"])
