"""CloudFormation resource types for CodeBuild projects and CodePipeline pipelines."""

from __future__ import annotations


def install() -> None:
    from moto.cloudformation import parsing

    from . import models  # noqa: F401  (defining the subclasses registers them)

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
