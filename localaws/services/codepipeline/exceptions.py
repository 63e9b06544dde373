"""CodePipeline's own error codes for the operations the sandbox adds: one class per error code, named as AWS
names it (as moto's exceptions modules do); the message is given where the error is raised."""

from __future__ import annotations

from moto.core.exceptions import JsonRESTError


class CodePipelineClientError(JsonRESTError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__(type(self).__name__, message)


class PipelineNotFoundException(CodePipelineClientError):
    pass


class PipelineExecutionNotFoundException(CodePipelineClientError):
    pass


class StageNotFoundException(CodePipelineClientError):
    pass


class ActionNotFoundException(CodePipelineClientError):
    pass


class InvalidApprovalTokenException(CodePipelineClientError):
    pass


class ApprovalAlreadyCompletedException(CodePipelineClientError):
    pass


class PipelineExecutionNotStoppableException(CodePipelineClientError):
    pass


class DuplicatedStopRequestException(CodePipelineClientError):
    pass


class StageNotRetryableException(CodePipelineClientError):
    pass


class NotLatestPipelineExecutionException(CodePipelineClientError):
    pass


class ValidationException(CodePipelineClientError):
    pass


class UnableToRollbackStageException(CodePipelineClientError):
    pass


class PipelineExecutionOutdatedException(CodePipelineClientError):
    pass


class ConflictException(CodePipelineClientError):
    code = 409
