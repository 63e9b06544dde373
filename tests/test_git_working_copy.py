"""Notebook 04's git working copy: it follows the repository it was cloned from. A cleanup followed by
notebook 01 makes a new repository with the same name and a new history, which an old copy cannot pull;
the kit's own copy is cloned afresh, one you placed yourself is left alone, and cleanup deletes the kit's."""

from __future__ import annotations

import pytest

from helpers import cleanup, setup
from helpers.changes import git_cli
from helpers.changes.app_message import with_message
from helpers.core.errors import ReleaseError
from helpers.resources import source_repository
from tests.helpers_for_tests import sandbox_client, unique


def _workshop(prefix: str):
    setup.configure(prefix=prefix)
    workshop = setup.open_workshop(prefix, expect_resources=False)
    source_repository.ensure(workshop)
    return workshop


def _recreate_repository(workshop) -> None:
    """What `python -m helpers cleanup` run elsewhere, then notebook 01, leave behind."""
    sandbox_client("codecommit").delete_repository(repositoryName=workshop.names.repository)
    source_repository.ensure(workshop)


def test_a_copy_of_a_recreated_repository_is_cloned_afresh_and_pushes(capsys):
    workshop = _workshop(unique("wc"))
    first = git_cli.clone(workshop)
    assert first == git_cli.default_working_copy(workshop)
    _recreate_repository(workshop)

    again = git_cli.clone(workshop)  # git pull --ff-only would refuse the new history

    assert again == first
    assert "cloning the new one afresh" in capsys.readouterr().out
    app = again / "app.js"
    app.write_text(with_message(app.read_text(), "after a rebuild"))
    pushed = git_cli.commit_and_push(again, "Say 'after a rebuild'")
    head = sandbox_client("codecommit").get_branch(repositoryName=workshop.names.repository, branchName="master")
    assert head["branch"]["commitId"].startswith(pushed["commit"])
    assert git_cli.clone(workshop) == again  # the same repository: pulled, not cloned
    assert "afresh" not in capsys.readouterr().out
    assert cleanup.cleanup(workshop, progress=False).ok


def test_a_folder_you_chose_is_never_deleted(tmp_path):
    workshop = _workshop(unique("wcown"))
    mine = tmp_path / "my-copy"
    git_cli.clone(workshop, mine)
    (mine / "notes.txt").write_text("mine")
    _recreate_repository(workshop)
    with pytest.raises(ReleaseError, match="Choose another folder"):
        git_cli.clone(workshop, mine)
    assert (mine / "notes.txt").read_text() == "mine"
    assert cleanup.cleanup(workshop, progress=False).ok
    assert (mine / "notes.txt").exists()  # cleanup deletes only the kit's own copy


def test_cleanup_deletes_the_kits_working_copy_with_the_repository():
    workshop = _workshop(unique("wcgone"))
    copy = git_cli.clone(workshop)
    report = cleanup.cleanup(workshop, progress=False)
    assert report.ok
    assert ("git working copy", str(copy), "deleted") in {(r.kind, r.name, r.outcome) for r in report.rows}
    assert not copy.exists()


def test_a_failing_git_command_never_shows_the_credentials_it_was_given():
    header = "http.extraHeader=Authorization: Basic " + "c2VjcmV0OnNlY3JldA=="
    with pytest.raises(ReleaseError) as failed:
        git_cli.run_git("clone", "-c", header, "http://127.0.0.1:9/none.git", "/nonexistent/target")
    assert "c2VjcmV0OnNlY3JldA==" not in str(failed.value) and "Authorization: Basic …" in str(failed.value)
