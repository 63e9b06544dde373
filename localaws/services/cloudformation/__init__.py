"""CloudFormation resource types for CodeBuild projects and CodePipeline pipelines."""

from __future__ import annotations


def install() -> None:
    from moto.cloudformation import models as moto_models
    from moto.cloudformation import parsing

    from . import models  # defining the resource subclasses registers them

    parsing.get_references_from_template = models.references_with_sub
    moto_models.cloudformation_backends.backend = models._backend_class()
    moto_models.cloudformation_backends.clear()

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
