"""The wire side of ValidateTemplate (moto's answers only the Description and runs cfn-lint)."""

from __future__ import annotations

from moto.cloudformation.responses import CloudFormationResponse
from moto.cloudformation.utils import get_stack_from_s3_url
from moto.core.responses import ActionResult

from ...seams import moto as moto_seam
from . import validation


def validate_template(self: CloudFormationResponse) -> ActionResult:
    """ValidateTemplate, patched onto moto's ``CloudFormationResponse``: the template from TemplateBody, or from the S3
    object TemplateURL names, checked as CloudFormation checks it (``validation.py``); its answer or ValidationError."""
    body = moto_seam.param_of(self, "TemplateBody")
    url = moto_seam.param_of(self, "TemplateURL")
    if url:
        body = get_stack_from_s3_url(url, account_id=self.current_account, partition=self.partition)
    return ActionResult(validation.validate(body, self.region))
