"""The same CodeCommit operations through the AWS CLI (a client the kit did not write)."""

from __future__ import annotations

import pytest

from tests.helpers_for_tests import aws_cli, cli_json, unique


@pytest.fixture
def repo(tmp_path):
    name = unique("cli")
    created = cli_json("codecommit", "create-repository", "--repository-name", name, "--tags", "workshop=cli")
    assert created["repositoryMetadata"]["repositoryName"] == name
    yield name, created["repositoryMetadata"]["Arn"]
    cli_json("codecommit", "delete-repository", "--repository-name", name)


def test_cli_round_trip(repo, tmp_path):
    name, arn = repo
    app = tmp_path / "app.js"
    app.write_text("console.log('v1')\n")
    first = cli_json(
        "codecommit",
        "put-file",
        "--repository-name",
        name,
        "--branch-name",
        "master",
        "--file-path",
        "app.js",
        "--file-content",
        f"fileb://{app}",
        "--commit-message",
        "v1",
    )
    commit = first["commitId"]
    assert (
        cli_json("codecommit", "get-branch", "--repository-name", name, "--branch-name", "master")["branch"]["commitId"]
        == commit
    )
    aws_cli("codecommit", "create-branch", "--repository-name", name, "--branch-name", "qa", "--commit-id", commit)
    assert sorted(cli_json("codecommit", "list-branches", "--repository-name", name)["branches"]) == ["master", "qa"]

    second = cli_json(
        "codecommit",
        "create-commit",
        "--repository-name",
        name,
        "--branch-name",
        "master",
        "--parent-commit-id",
        commit,
        "--put-files",
        "filePath=README.md,fileContent=readme",
        "--commit-message",
        "docs",
    )
    assert [f["absolutePath"] for f in second["filesAdded"]] == ["README.md"]
    got = cli_json("codecommit", "get-commit", "--repository-name", name, "--commit-id", second["commitId"])
    assert got["commit"]["parents"] == [commit]
    got_file = cli_json("codecommit", "get-file", "--repository-name", name, "--file-path", "app.js")
    assert got_file["fileSize"] == len("console.log('v1')\n")
    folder = cli_json("codecommit", "get-folder", "--repository-name", name, "--folder-path", "/")
    assert sorted(f["relativePath"] for f in folder["files"]) == ["README.md", "app.js"]
    diff = cli_json(
        "codecommit",
        "get-differences",
        "--repository-name",
        name,
        "--before-commit-specifier",
        "qa",
        "--after-commit-specifier",
        "master",
    )
    assert [(d["changeType"], d["afterBlob"]["path"]) for d in diff["differences"]] == [("A", "README.md")]
    merged = cli_json(
        "codecommit",
        "merge-branches-by-fast-forward",
        "--repository-name",
        name,
        "--source-commit-specifier",
        "master",
        "--destination-commit-specifier",
        "qa",
    )
    assert merged["commitId"] == second["commitId"]
    deleted = cli_json("codecommit", "delete-branch", "--repository-name", name, "--branch-name", "qa")
    assert deleted["deletedBranch"]["branchName"] == "qa"

    listed = cli_json("codecommit", "list-repositories")
    assert name in [r["repositoryName"] for r in listed["repositories"]]
    aws_cli("codecommit", "tag-resource", "--resource-arn", arn, "--tags", "team=blue")
    aws_cli("codecommit", "untag-resource", "--resource-arn", arn, "--tag-keys", "workshop")
    assert cli_json("codecommit", "list-tags-for-resource", "--resource-arn", arn)["tags"] == {"team": "blue"}


def test_cli_reports_aws_error_codes(repo, tmp_path):
    name, _ = repo
    result = aws_cli("codecommit", "get-branch", "--repository-name", name, "--branch-name", "ghost", check=False)
    assert result.returncode != 0
    assert "BranchDoesNotExistException" in result.stderr
    content = tmp_path / "x"
    content.write_text("x")
    aws_cli(
        "codecommit",
        "put-file",
        "--repository-name",
        name,
        "--branch-name",
        "master",
        "--file-path",
        "x",
        "--file-content",
        f"fileb://{content}",
    )
    result = aws_cli(
        "codecommit",
        "put-file",
        "--repository-name",
        name,
        "--branch-name",
        "master",
        "--file-path",
        "y",
        "--file-content",
        f"fileb://{content}",
        check=False,
    )
    assert "ParentCommitIdRequiredException" in result.stderr
