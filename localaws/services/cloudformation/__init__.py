"""CloudFormation resource types for CodeBuild projects and CodePipeline pipelines, and stacks whose
failed resources fail the stack as on AWS (see models.py), and ValidateTemplate as AWS checks
templates (see validation.py)."""

from __future__ import annotations


def install() -> None:
    from moto.cloudformation import models as moto_models
    from moto.cloudformation import parsing
    from moto.cloudformation.responses import CloudFormationResponse

    from ...seams import moto as moto_seam
    from . import models  # defining the resource subclasses registers them
    from .responses import validate_template

    moto_seam.patch(CloudFormationResponse, "validate_template", validate_template)
    moto_seam.patch(parsing, "get_references_from_template", models.references_with_sub)
    for name in ("parse_and_create_resource", "parse_and_update_resource"):
        handler = getattr(parsing, name)
        if not hasattr(handler, "__wrapped__"):
            moto_seam.patch(parsing, name, models.annotated(handler))
    moto_seam.use_backend_class(moto_models.cloudformation_backends, models._backend_class())

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
