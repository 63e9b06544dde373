"""CloudFormation whose failed resources fail the stack as on AWS and whose stacks point at the live resources
after a restart (``models.py``), and ValidateTemplate as AWS checks templates (``validation.py``). The resource
types the kit adds live with their services (``codebuild/cloudformation.py``, ``codepipeline/cloudformation.py``)."""

from __future__ import annotations

from pathlib import Path

from moto.cloudformation import models as moto_models
from moto.cloudformation import parsing
from moto.cloudformation.responses import CloudFormationResponse

from ...seams import moto as moto_seam
from .._extension import Extension, Resumed
from . import models, resource_handlers
from .responses import validate_template


def install(data_dir: Path) -> None:
    """Plug the stack life cycle into moto. The services' resource types are defined by now (the registry
    imports every package first), so moto's cached list of resource types is dropped to include them."""
    moto_seam.patch(CloudFormationResponse, "validate_template", validate_template)
    moto_seam.patch(parsing, "get_references_from_template", resource_handlers.references_with_sub)
    for name in ("parse_and_create_resource", "parse_and_update_resource"):
        handler = getattr(parsing, name)
        if not hasattr(handler, "__wrapped__"):
            moto_seam.patch(parsing, name, resource_handlers.annotated(handler))
    moto_seam.use_backend_class(moto_models.cloudformation_backends, models.ChangeSetCloudFormationBackend)

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()


def resume() -> Resumed:
    """Stacks point at the live resources of the other services again (their state was saved on its own)."""
    others = [
        backend
        for backends in moto_seam.backend_dicts_in_use()
        if backends is not moto_models.cloudformation_backends
        for _, _, backend in backends.iter_backends()
    ]
    report = []
    for _, region, stacks in moto_models.cloudformation_backends.iter_backends():
        relinked = stacks.resume(others) if isinstance(stacks, models.ChangeSetCloudFormationBackend) else 0
        if relinked:
            report.append(f"{region}: {relinked} stack resource(s) point at the live resources again")
    return Resumed(report)


EXTENSION = Extension("cloudformation", install, resume)
