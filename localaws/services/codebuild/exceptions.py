"""CodeBuild's error codes the sandbox answers besides moto's."""

from __future__ import annotations

from moto.core.exceptions import JsonRESTError


class AccountLimitExceededException(JsonRESTError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("AccountLimitExceededException", message)
