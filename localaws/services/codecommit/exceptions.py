"""CodeCommit's own error codes and messages, as AWS returns them: one class per error code, named as AWS names it
(moto's ``codecommit/exceptions.py`` does the same), whose default message is AWS's."""

from __future__ import annotations

from moto.core.exceptions import JsonRESTError


class CodeCommitClientError(JsonRESTError):
    code = 400
    default_message = ""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(type(self).__name__, message or self.default_message)


class BranchDoesNotExistException(CodeCommitClientError):
    default_message = "The specified branch does not exist."


class BranchNameExistsException(CodeCommitClientError):
    default_message = (
        "Cannot create the branch with the specified name because the commit conflicts with an existing "
        "branch with the same name. Branch names must be unique."
    )


class BranchNameRequiredException(CodeCommitClientError):
    default_message = "A branch name is required, but was not specified."


class InvalidBranchNameException(CodeCommitClientError):
    default_message = "The specified reference name is not valid."


class CommitDoesNotExistException(CodeCommitClientError):
    default_message = (
        "The specified commit does not exist or no commit was specified, and the specified repository has no "
        "default branch."
    )


class CommitIdRequiredException(CodeCommitClientError):
    default_message = "A commit ID was not specified."


class CommitIdDoesNotExistException(CodeCommitClientError):
    default_message = "The specified commit ID does not exist."


class InvalidCommitIdException(CodeCommitClientError):
    default_message = "The specified commit ID is not valid."


class ParentCommitIdRequiredException(CodeCommitClientError):
    default_message = (
        "A parent commit ID is required. To view the full commit ID of a branch in a repository, use "
        "GetBranch or a Git command (for example, git pull or git log)."
    )


class ParentCommitIdOutdatedException(CodeCommitClientError):
    default_message = (
        "The file could not be added because the provided parent commit ID is not the current tip of the "
        "specified branch. To view the full commit ID of the current head of the branch, use GetBranch."
    )


class ParentCommitDoesNotExistException(CodeCommitClientError):
    default_message = (
        "The parent commit ID is not valid because it does not exist. The specified parent commit ID does not"
        " exist in the specified branch of the repository."
    )


class SameFileContentException(CodeCommitClientError):
    default_message = (
        "The file was not added or updated because the content of the file is exactly the same as the content"
        " of that file in the repository and branch that you specified."
    )


class NoChangeException(CodeCommitClientError):
    default_message = (
        "The commit cannot be created because no changes will be made to the repository as a result of this "
        "commit. A commit must contain at least one change."
    )


class FileEntryRequiredException(CodeCommitClientError):
    default_message = (
        "The commit cannot be created because no files have been specified as added, updated, or changed "
        "(PutFile or DeleteFile) for the commit."
    )


class FileDoesNotExistException(CodeCommitClientError):
    default_message = (
        "The specified file does not exist. Verify that you have used the correct file name, full path, and extension."
    )


class FolderDoesNotExistException(CodeCommitClientError):
    default_message = (
        "The specified folder does not exist. Either the folder name is not correct, or you did not enter the"
        " full path to the folder."
    )


class FileContentRequiredException(CodeCommitClientError):
    default_message = (
        "The file cannot be added because it is empty. Empty files cannot be added to the repository with this API."
    )


class PathRequiredException(CodeCommitClientError):
    default_message = "The folderPath for a location cannot be null."


class InvalidFileModeException(CodeCommitClientError):
    default_message = "The specified file mode permission is not valid."


class ManualMergeRequiredException(CodeCommitClientError):
    default_message = (
        "The pull request cannot be merged automatically into the destination branch. You must manually merge"
        " the branches and resolve any conflicts."
    )


class DefaultBranchCannotBeDeletedException(CodeCommitClientError):
    default_message = (
        "The specified branch is the default branch for the repository, and cannot be deleted. To delete this"
        " branch, you must first set another branch as the default branch."
    )


class InvalidResourceArnException(CodeCommitClientError):
    default_message = (
        "The value for the resource ARN is not valid. For more information about resources in AWS CodeCommit,"
        " see CodeCommit Resources and Operations in the AWS CodeCommit User Guide."
    )


class ResourceArnRequiredException(CodeCommitClientError):
    default_message = (
        "A valid Amazon Resource Name (ARN) for an AWS CodeCommit resource is required. For a list of valid "
        "resources in AWS CodeCommit, see CodeCommit Resources and Operations in the AWS CodeCommit User "
        "Guide."
    )


class TagsMapRequiredException(CodeCommitClientError):
    default_message = "A map of tags is required."


class TagKeysListRequiredException(CodeCommitClientError):
    default_message = "A list of tag keys is required. The list cannot be empty or null."


class RepositoryNameRequiredException(CodeCommitClientError):
    default_message = "A repository name is required, but was not specified."
