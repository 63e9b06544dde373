"""CodePipeline's own error codes and messages for the operations the sandbox adds."""

from __future__ import annotations

from moto.core.exceptions import JsonRESTError


class CodePipelineClientError(JsonRESTError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__(type(self).__name__, message)


def _error(name: str) -> type[CodePipelineClientError]:
    return type(name, (CodePipelineClientError,), {"__module__": __name__})


PipelineNotFoundException = _error("PipelineNotFoundException")
PipelineExecutionNotFoundException = _error("PipelineExecutionNotFoundException")
StageNotFoundException = _error("StageNotFoundException")
ActionNotFoundException = _error("ActionNotFoundException")
InvalidApprovalTokenException = _error("InvalidApprovalTokenException")
ApprovalAlreadyCompletedException = _error("ApprovalAlreadyCompletedException")
PipelineExecutionNotStoppableException = _error("PipelineExecutionNotStoppableException")
DuplicatedStopRequestException = _error("DuplicatedStopRequestException")
StageNotRetryableException = _error("StageNotRetryableException")
NotLatestPipelineExecutionException = _error("NotLatestPipelineExecutionException")
ValidationException = _error("ValidationException")
