"""CodeCommit's own error codes and messages, as AWS returns them."""

from __future__ import annotations

from moto.core.exceptions import JsonRESTError


class CodeCommitClientError(JsonRESTError):
    code = 400
    default_message = ""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(type(self).__name__, message or self.default_message)


def _error(name: str, message: str) -> type[CodeCommitClientError]:
    return type(name, (CodeCommitClientError,), {"default_message": message, "__module__": __name__})


BranchDoesNotExistException = _error("BranchDoesNotExistException", "The specified branch does not exist.")
BranchNameExistsException = _error(
    "BranchNameExistsException",
    "Cannot create the branch with the specified name because the commit conflicts with an existing "
    "branch with the same name. Branch names must be unique.",
)
BranchNameRequiredException = _error("BranchNameRequiredException", "A branch name is required, but was not specified.")
InvalidBranchNameException = _error("InvalidBranchNameException", "The specified reference name is not valid.")
CommitDoesNotExistException = _error(
    "CommitDoesNotExistException",
    "The specified commit does not exist or no commit was specified, and the specified repository has no "
    "default branch.",
)
CommitIdRequiredException = _error("CommitIdRequiredException", "A commit ID was not specified.")
CommitIdDoesNotExistException = _error("CommitIdDoesNotExistException", "The specified commit ID does not exist.")
InvalidCommitIdException = _error("InvalidCommitIdException", "The specified commit ID is not valid.")
ParentCommitIdRequiredException = _error(
    "ParentCommitIdRequiredException",
    "A parent commit ID is required. To view the full commit ID of a branch in a repository, use GetBranch "
    "or a Git command (for example, git pull or git log).",
)
ParentCommitIdOutdatedException = _error(
    "ParentCommitIdOutdatedException",
    "The file could not be added because the provided parent commit ID is not the current tip of the "
    "specified branch. To view the full commit ID of the current head of the branch, use GetBranch.",
)
ParentCommitDoesNotExistException = _error(
    "ParentCommitDoesNotExistException",
    "The parent commit ID is not valid because it does not exist. The specified parent commit ID does not "
    "exist in the specified branch of the repository.",
)
SameFileContentException = _error(
    "SameFileContentException",
    "The file was not added or updated because the content of the file is exactly the same as the content "
    "of that file in the repository and branch that you specified.",
)
NoChangeException = _error(
    "NoChangeException",
    "The commit cannot be created because no changes will be made to the repository as a result of this "
    "commit. A commit must contain at least one change.",
)
FileEntryRequiredException = _error(
    "FileEntryRequiredException",
    "The commit cannot be created because no files have been specified as added, updated, or changed "
    "(PutFile or DeleteFile) for the commit.",
)
FileDoesNotExistException = _error(
    "FileDoesNotExistException",
    "The specified file does not exist. Verify that you have used the correct file name, full path, and extension.",
)
FolderDoesNotExistException = _error(
    "FolderDoesNotExistException",
    "The specified folder does not exist. Either the folder name is not correct, or you did not enter the "
    "full path to the folder.",
)
FileContentRequiredException = _error(
    "FileContentRequiredException",
    "The file cannot be added because it is empty. Empty files cannot be added to the repository with this API.",
)
PathRequiredException = _error("PathRequiredException", "The folderPath for a location cannot be null.")
InvalidFileModeException = _error("InvalidFileModeException", "The specified file mode permission is not valid.")
ManualMergeRequiredException = _error(
    "ManualMergeRequiredException",
    "The pull request cannot be merged automatically into the destination branch. You must manually merge "
    "the branches and resolve any conflicts.",
)
DefaultBranchCannotBeDeletedException = _error(
    "DefaultBranchCannotBeDeletedException",
    "The specified branch is the default branch for the repository, and cannot be deleted. To delete this "
    "branch, you must first set another branch as the default branch.",
)
InvalidResourceArnException = _error(
    "InvalidResourceArnException",
    "The value for the resource ARN is not valid. For more information about resources in AWS CodeCommit, "
    "see CodeCommit Resources and Operations in the AWS CodeCommit User Guide.",
)
ResourceArnRequiredException = _error(
    "ResourceArnRequiredException",
    "A valid Amazon Resource Name (ARN) for an AWS CodeCommit resource is required. For a list of valid "
    "resources in AWS CodeCommit, see CodeCommit Resources and Operations in the AWS CodeCommit User Guide.",
)
TagsMapRequiredException = _error("TagsMapRequiredException", "A map of tags is required.")
TagKeysListRequiredException = _error(
    "TagKeysListRequiredException", "A list of tag keys is required. The list cannot be empty or null."
)
RepositoryNameRequiredException = _error(
    "RepositoryNameRequiredException", "A repository name is required, but was not specified."
)
