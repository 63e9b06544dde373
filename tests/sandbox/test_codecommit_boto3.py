"""Contract tests for the sandbox's CodeCommit, through boto3: shapes and error codes as on AWS."""

from __future__ import annotations

import subprocess

import pytest
from botocore.exceptions import ClientError

from tests.helpers_for_tests import assert_matches_output_shape, sandbox_client, unique


@pytest.fixture(scope="module")
def codecommit():
    return sandbox_client("codecommit")


@pytest.fixture
def repo(codecommit):
    name = unique("contract")
    codecommit.create_repository(
        repositoryName=name, repositoryDescription="contract test", tags={"workshop": "contract"}
    )
    yield name
    codecommit.delete_repository(repositoryName=name)


@pytest.fixture
def first_commit(codecommit, repo):
    return codecommit.put_file(
        repositoryName=repo,
        branchName="master",
        fileContent=b"hello\n",
        filePath="README.md",
        commitMessage="first",
        name="Ada",
        email="ada@example.com",
    )["commitId"]


def error_code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return excinfo.value.response["Error"]["Code"]


def test_create_repository_keeps_tags_and_matches_shape(codecommit):
    name = unique("created")
    response = codecommit.create_repository(repositoryName=name, tags={"workshop": "x"})
    try:
        assert_matches_output_shape(codecommit, "CreateRepository", response)
        arn = response["repositoryMetadata"]["Arn"]
        assert codecommit.list_tags_for_resource(resourceArn=arn)["tags"] == {"workshop": "x"}
    finally:
        codecommit.delete_repository(repositoryName=name)


def test_create_repository_twice_is_refused(codecommit, repo):
    with pytest.raises(ClientError) as excinfo:
        codecommit.create_repository(repositoryName=repo)
    assert error_code(excinfo) == "RepositoryNameExistsException"


def test_list_repositories_sorted(codecommit):
    names = [unique("zz-list"), unique("aa-list")]
    for name in names:
        codecommit.create_repository(repositoryName=name)
    try:
        response = codecommit.list_repositories(sortBy="repositoryName", order="ascending")
        assert_matches_output_shape(codecommit, "ListRepositories", response)
        listed = [r["repositoryName"] for r in response["repositories"]]
        assert listed == sorted(listed)
        assert set(names) <= set(listed)
    finally:
        for name in names:
            codecommit.delete_repository(repositoryName=name)


def test_put_file_first_commit_creates_default_branch(codecommit, repo, first_commit):
    branch = codecommit.get_branch(repositoryName=repo, branchName="master")
    assert_matches_output_shape(codecommit, "GetBranch", branch)
    assert branch["branch"] == {"branchName": "master", "commitId": first_commit}
    assert codecommit.get_repository(repositoryName=repo)["repositoryMetadata"]["defaultBranch"] == "master"


def test_put_file_response_shape_and_content(codecommit, repo):
    response = codecommit.put_file(
        repositoryName=repo, branchName="main", fileContent=b"x", filePath="dir/x.txt", fileMode="EXECUTABLE"
    )
    assert_matches_output_shape(codecommit, "PutFile", response)
    got = codecommit.get_file(repositoryName=repo, filePath="dir/x.txt")
    assert (got["fileContent"], got["fileMode"], got["blobId"]) == (b"x", "EXECUTABLE", response["blobId"])


def test_put_file_requires_parent_on_existing_branch(codecommit, repo, first_commit):
    with pytest.raises(ClientError) as excinfo:
        codecommit.put_file(repositoryName=repo, branchName="master", fileContent=b"2", filePath="README.md")
    assert error_code(excinfo) == "ParentCommitIdRequiredException"


def test_put_file_with_outdated_parent_is_refused(codecommit, repo, first_commit):
    codecommit.put_file(
        repositoryName=repo, branchName="master", fileContent=b"2", filePath="a.txt", parentCommitId=first_commit
    )
    with pytest.raises(ClientError) as excinfo:
        codecommit.put_file(
            repositoryName=repo, branchName="master", fileContent=b"3", filePath="b.txt", parentCommitId=first_commit
        )
    assert error_code(excinfo) == "ParentCommitIdOutdatedException"


def test_put_file_same_content_is_refused(codecommit, repo, first_commit):
    with pytest.raises(ClientError) as excinfo:
        codecommit.put_file(
            repositoryName=repo,
            branchName="master",
            fileContent=b"hello\n",
            filePath="README.md",
            parentCommitId=first_commit,
        )
    assert error_code(excinfo) == "SameFileContentException"


def test_put_file_to_missing_branch_of_non_empty_repository(codecommit, repo, first_commit):
    with pytest.raises(ClientError) as excinfo:
        codecommit.put_file(
            repositoryName=repo, branchName="nope", fileContent=b"x", filePath="x", parentCommitId=first_commit
        )
    assert error_code(excinfo) == "BranchDoesNotExistException"


def test_create_commit_adds_updates_and_deletes(codecommit, repo, first_commit):
    second = codecommit.create_commit(
        repositoryName=repo,
        branchName="master",
        parentCommitId=first_commit,
        authorName="Ada",
        email="ada@example.com",
        commitMessage="app",
        putFiles=[
            {"filePath": "app.js", "fileContent": b"console.log(1)\n"},
            {"filePath": "README.md", "fileContent": b"changed\n"},
        ],
    )
    assert_matches_output_shape(codecommit, "CreateCommit", second)
    assert [f["absolutePath"] for f in second["filesAdded"]] == ["app.js"]
    assert [f["absolutePath"] for f in second["filesUpdated"]] == ["README.md"]
    third = codecommit.create_commit(
        repositoryName=repo,
        branchName="master",
        parentCommitId=second["commitId"],
        deleteFiles=[{"filePath": "app.js"}],
    )
    assert [f["absolutePath"] for f in third["filesDeleted"]] == ["app.js"]
    with pytest.raises(ClientError) as excinfo:
        codecommit.get_file(repositoryName=repo, filePath="app.js")
    assert error_code(excinfo) == "FileDoesNotExistException"


def test_create_commit_without_changes_is_refused(codecommit, repo, first_commit):
    with pytest.raises(ClientError) as excinfo:
        codecommit.create_commit(
            repositoryName=repo,
            branchName="master",
            parentCommitId=first_commit,
            putFiles=[{"filePath": "README.md", "fileContent": b"hello\n"}],
        )
    assert error_code(excinfo) == "NoChangeException"
    with pytest.raises(ClientError) as excinfo:
        codecommit.create_commit(repositoryName=repo, branchName="master", parentCommitId=first_commit)
    assert error_code(excinfo) == "FileEntryRequiredException"


def test_create_commit_deleting_missing_file_is_refused(codecommit, repo, first_commit):
    with pytest.raises(ClientError) as excinfo:
        codecommit.create_commit(
            repositoryName=repo,
            branchName="master",
            parentCommitId=first_commit,
            deleteFiles=[{"filePath": "ghost.txt"}],
        )
    assert error_code(excinfo) == "FileDoesNotExistException"


def test_get_commit(codecommit, repo, first_commit):
    response = codecommit.get_commit(repositoryName=repo, commitId=first_commit)
    assert_matches_output_shape(codecommit, "GetCommit", response)
    commit = response["commit"]
    assert commit["message"] == "first"
    assert commit["parents"] == []
    assert commit["author"]["name"] == "Ada" and commit["author"]["email"] == "ada@example.com"
    with pytest.raises(ClientError) as excinfo:
        codecommit.get_commit(repositoryName=repo, commitId="0" * 40)
    assert error_code(excinfo) == "CommitIdDoesNotExistException"
    with pytest.raises(ClientError) as excinfo:
        codecommit.get_commit(repositoryName=repo, commitId="not-a-commit")
    assert error_code(excinfo) == "InvalidCommitIdException"


def test_get_file_by_branch_and_commit(codecommit, repo, first_commit):
    response = codecommit.get_file(repositoryName=repo, commitSpecifier="master", filePath="/README.md")
    assert_matches_output_shape(codecommit, "GetFile", response)
    assert response["fileContent"] == b"hello\n"
    assert response["commitId"] == first_commit
    assert response["fileSize"] == 6
    by_id = codecommit.get_file(repositoryName=repo, commitSpecifier=first_commit, filePath="README.md")
    assert by_id["blobId"] == response["blobId"]


def test_get_file_from_unknown_commit(codecommit, repo, first_commit):
    with pytest.raises(ClientError) as excinfo:
        codecommit.get_file(repositoryName=repo, commitSpecifier="no-such-branch", filePath="README.md")
    assert error_code(excinfo) == "CommitDoesNotExistException"


def test_get_folder(codecommit, repo, first_commit):
    codecommit.create_commit(
        repositoryName=repo,
        branchName="master",
        parentCommitId=first_commit,
        putFiles=[{"filePath": "test/app.test.js", "fileContent": b"//\n"}],
    )
    root = codecommit.get_folder(repositoryName=repo, folderPath="/")
    assert_matches_output_shape(codecommit, "GetFolder", root)
    assert [f["relativePath"] for f in root["files"]] == ["README.md"]
    assert [f["absolutePath"] for f in root["subFolders"]] == ["test"]
    sub = codecommit.get_folder(repositoryName=repo, folderPath="test")
    assert [f["absolutePath"] for f in sub["files"]] == ["test/app.test.js"]
    with pytest.raises(ClientError) as excinfo:
        codecommit.get_folder(repositoryName=repo, folderPath="missing")
    assert error_code(excinfo) == "FolderDoesNotExistException"


def test_branches_create_list_get_delete(codecommit, repo, first_commit):
    assert codecommit.create_branch(repositoryName=repo, branchName="qa", commitId=first_commit)
    listed = codecommit.list_branches(repositoryName=repo)
    assert_matches_output_shape(codecommit, "ListBranches", listed)
    assert sorted(listed["branches"]) == ["master", "qa"]
    deleted = codecommit.delete_branch(repositoryName=repo, branchName="qa")
    assert_matches_output_shape(codecommit, "DeleteBranch", deleted)
    assert deleted["deletedBranch"] == {"branchName": "qa", "commitId": first_commit}
    assert codecommit.list_branches(repositoryName=repo)["branches"] == ["master"]


def test_branch_errors(codecommit, repo, first_commit):
    cases = [
        ({"branchName": "master", "commitId": first_commit}, "BranchNameExistsException"),
        ({"branchName": "qa", "commitId": "0" * 40}, "CommitDoesNotExistException"),
        ({"branchName": "bad..name", "commitId": first_commit}, "InvalidBranchNameException"),
    ]
    for arguments, code in cases:
        with pytest.raises(ClientError) as excinfo:
            codecommit.create_branch(repositoryName=repo, **arguments)
        assert error_code(excinfo) == code
    with pytest.raises(ClientError) as excinfo:
        codecommit.get_branch(repositoryName=repo, branchName="ghost")
    assert error_code(excinfo) == "BranchDoesNotExistException"
    with pytest.raises(ClientError) as excinfo:
        codecommit.delete_branch(repositoryName=repo, branchName="master")
    assert error_code(excinfo) == "DefaultBranchCannotBeDeletedException"


def test_unknown_repository(codecommit):
    with pytest.raises(ClientError) as excinfo:
        codecommit.get_branch(repositoryName="no-such-repo", branchName="master")
    assert error_code(excinfo) == "RepositoryDoesNotExistException"


def test_get_differences(codecommit, repo, first_commit):
    second = codecommit.create_commit(
        repositoryName=repo,
        branchName="master",
        parentCommitId=first_commit,
        putFiles=[{"filePath": "README.md", "fileContent": b"v2\n"}, {"filePath": "src/new.js", "fileContent": b"1"}],
    )
    response = codecommit.get_differences(
        repositoryName=repo, beforeCommitSpecifier=first_commit, afterCommitSpecifier=second["commitId"]
    )
    assert_matches_output_shape(codecommit, "GetDifferences", response)
    changes = {(d["changeType"], (d.get("afterBlob") or d["beforeBlob"])["path"]) for d in response["differences"]}
    assert changes == {("M", "README.md"), ("A", "src/new.js")}
    only_src = codecommit.get_differences(
        repositoryName=repo, beforeCommitSpecifier=first_commit, afterCommitSpecifier="master", afterPath="src"
    )
    assert [d["afterBlob"]["path"] for d in only_src["differences"]] == ["src/new.js"]
    everything = codecommit.get_differences(repositoryName=repo, afterCommitSpecifier="master")
    assert {d["changeType"] for d in everything["differences"]} == {"A"}


def test_merge_by_fast_forward(codecommit, repo, first_commit):
    codecommit.create_branch(repositoryName=repo, branchName="qa", commitId=first_commit)
    second = codecommit.put_file(
        repositoryName=repo, branchName="master", fileContent=b"v2", filePath="README.md", parentCommitId=first_commit
    )["commitId"]
    merged = codecommit.merge_branches_by_fast_forward(
        repositoryName=repo, sourceCommitSpecifier="master", destinationCommitSpecifier="qa"
    )
    assert_matches_output_shape(codecommit, "MergeBranchesByFastForward", merged)
    assert merged["commitId"] == second
    assert codecommit.get_branch(repositoryName=repo, branchName="qa")["branch"]["commitId"] == second


def test_merge_that_is_not_a_fast_forward_is_refused(codecommit, repo, first_commit):
    codecommit.create_branch(repositoryName=repo, branchName="qa", commitId=first_commit)
    codecommit.put_file(
        repositoryName=repo, branchName="qa", fileContent=b"qa", filePath="qa.txt", parentCommitId=first_commit
    )
    codecommit.put_file(
        repositoryName=repo, branchName="master", fileContent=b"m", filePath="m.txt", parentCommitId=first_commit
    )
    with pytest.raises(ClientError) as excinfo:
        codecommit.merge_branches_by_fast_forward(
            repositoryName=repo, sourceCommitSpecifier="master", destinationCommitSpecifier="qa"
        )
    assert error_code(excinfo) == "ManualMergeRequiredException"


def test_tags(codecommit, repo):
    arn = codecommit.get_repository(repositoryName=repo)["repositoryMetadata"]["Arn"]
    codecommit.tag_resource(resourceArn=arn, tags={"team": "blue"})
    codecommit.untag_resource(resourceArn=arn, tagKeys=["workshop"])
    response = codecommit.list_tags_for_resource(resourceArn=arn)
    assert_matches_output_shape(codecommit, "ListTagsForResource", response)
    assert response["tags"] == {"team": "blue"}
    with pytest.raises(ClientError) as excinfo:
        codecommit.list_tags_for_resource(resourceArn="arn:aws:s3:::bucket")
    assert error_code(excinfo) == "InvalidResourceArnException"
    with pytest.raises(ClientError) as excinfo:
        codecommit.tag_resource(resourceArn=arn.replace(repo, "ghost-repo"), tags={"a": "b"})
    assert error_code(excinfo) == "RepositoryDoesNotExistException"


def test_commits_are_real_git_commits(codecommit, repo, first_commit, tmp_path):
    """The repository on disk is ordinary git: a clone sees the API's commits."""
    from localaws import api as process

    data_dir = process.default_home() / "data" / "codecommit"
    bare = next(data_dir.rglob(f"{repo}.git"))
    subprocess.run(["git", "clone", "--quiet", str(bare), str(tmp_path / "clone")], check=True)
    assert (tmp_path / "clone" / "README.md").read_bytes() == b"hello\n"
    head = subprocess.run(
        ["git", "-C", str(tmp_path / "clone"), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert head == first_commit


def test_delete_repository_removes_git_data(codecommit):
    from localaws import api as process

    name = unique("deleted")
    codecommit.create_repository(repositoryName=name)
    assert list((process.default_home() / "data" / "codecommit").rglob(f"{name}.git"))
    response = codecommit.delete_repository(repositoryName=name)
    assert_matches_output_shape(codecommit, "DeleteRepository", response)
    assert not list((process.default_home() / "data" / "codecommit").rglob(f"{name}.git"))
    assert codecommit.delete_repository(repositoryName=name) is not None  # idempotent, as on AWS
