"""The wire side of ValidateTemplate (moto's answers only the Description and runs cfn-lint)."""

from __future__ import annotations

from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult

from . import validation


def validate_template(self: CloudFormationResponse) -> ActionResult:
    body = self._get_param("TemplateBody")
    url = self._get_param("TemplateURL")
    if url:
        body = self._get_stack_from_s3_url(url)
    return ActionResult(validation.validate(body, self.region))
