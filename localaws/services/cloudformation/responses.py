"""The wire side of ValidateTemplate (moto's answers only the Description and runs cfn-lint)."""

from __future__ import annotations

from moto.cloudformation.responses import CloudFormationResponse
from moto.cloudformation.utils import get_stack_from_s3_url
from moto.core.responses import ActionResult

from ...seams import moto as moto_seam
from . import validation


def validate_template(self: CloudFormationResponse) -> ActionResult:
    body = moto_seam.param_of(self, "TemplateBody")
    url = moto_seam.param_of(self, "TemplateURL")
    if url:
        body = get_stack_from_s3_url(url, account_id=self.current_account, partition=self.partition)
    return ActionResult(validation.validate(body, self.region))
