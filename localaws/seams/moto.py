"""moto's internals that the sandbox relies on, behind public names (read from moto 5.2.6).

moto has no plug-in API: the sandbox swaps the class each service's ``BackendDict`` builds, replaces a few
functions and methods, and reads a few private attributes where moto offers nothing public. All of that goes
through this module, so an upgrade of moto is checked in one place: ``tests/seams/test_moto_seam.py`` has a
test per private name and per patched target, each naming this file. moto is imported inside the functions,
so importing this module imports no moto (a contract test checks it).
"""

from __future__ import annotations

import functools
from types import ModuleType
from typing import Any

MOTO_VERSION = "5.2.6"

# -- the BackendDicts: swapping a service's backend class ----------------------------------------------------


def use_backend_class(backends: Any, backend_class: type) -> None:
    """Make moto's ``BackendDict`` of one service build ``backend_class``, and forget the backends it built."""
    backends.backend = backend_class  # moto 5.2.6: BackendDict.backend, public, read by each new account/region
    backends.clear()


def backend_dicts_in_use() -> list[Any]:
    """Every ``BackendDict`` that has built a backend in this process (moto has no public registry)."""
    from moto.core.base_backend import BackendDict

    return list(BackendDict._instances)  # type: ignore[misc]  # moto 5.2.6: class-level list, appended on first use


@functools.cache
def backend_dict_own_attributes() -> frozenset[str]:
    """What every ``BackendDict`` holds from its constructor: anything else on one (S3's bucket index) is state.

    Read from a fresh instance (public: the constructor and ``vars``), which registers nowhere."""
    from moto.core.base_backend import BackendDict

    return frozenset(vars(BackendDict(object, "probe")))  # type: ignore[type-var]


# -- replacing moto's functions and methods ----------------------------------------------------------------

#: Every attribute of moto that the sandbox replaces, with the parameters the original had in moto 5.2.6
#: (None: a class). ``patch`` refuses any other target, so each one has a contract test.
PATCHED: dict[str, tuple[str, ...] | None] = {
    "moto.backends.list_of_moto_modules": (),
    "moto.core.utils.create_loader": (),
    "moto.core.utils.service_name_from_moto_package_name": ("moto_package_name",),
    # moto 5.2.6: private; the one hook every request passes before it is served (moto's body checks IAM only
    # once its auth is switched on, which the sandbox never does).
    "moto.core.authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action": (
        "self",
        "iam_request_cls",
        "resource",
    ),
    "moto.sts.models.STSBackend.get_caller_identity": ("self", "access_key_id", "region"),
    # moto 5.2.6: public; which account a request acts in (a sandbox role session's key names its role's account).
    "moto.core.responses.BaseResponse.get_current_account": ("self",),
    "moto.s3.models.FakeBucket.get_permission": ("self", "action", "resource"),
    "moto.autoscaling.models.FakeAutoScalingGroup": None,
    "moto.cloudformation.responses.CloudFormationResponse.validate_template": ("self",),
    "moto.cloudformation.parsing.get_references_from_template": ("template",),
    "moto.cloudformation.parsing.parse_and_create_resource": (
        "logical_id",
        "resource_json",
        "resources_map",
        "account_id",
        "region_name",
    ),
    "moto.cloudformation.parsing.parse_and_update_resource": (
        "logical_id",
        "resource_json",
        "resources_map",
        "account_id",
        "region_name",
    ),
}
#: moto's originals, by target, as they were before ``patch`` replaced them (the contract test reads these).
ORIGINALS: dict[str, Any] = {}


def target_name(owner: Any, name: str) -> str:
    """``module.name`` or ``module.Class.name``: how ``PATCHED`` names a target."""
    prefix = owner.__name__ if isinstance(owner, ModuleType) else f"{owner.__module__}.{owner.__qualname__}"
    return f"{prefix}.{name}"


def patch(owner: Any, name: str, replacement: Any) -> Any:
    """Replace moto's ``owner.name`` (a module's function or class, a class's method) with ``replacement``.

    Returns moto's original. The target must be listed in ``PATCHED`` and must still exist."""
    target = target_name(owner, name)
    if target not in PATCHED:
        raise KeyError(f"{target} is not in localaws.seams.moto.PATCHED: add it there, with its contract test")
    original = getattr(owner, name)  # AttributeError: moto no longer has it (the contract test says which)
    ORIGINALS.setdefault(target, original)
    setattr(owner, name, replacement)
    return original


# -- the wire layer: a request's parameters and action ----------------------------------------------------


def param_of(response: Any, name: str, default: Any = None) -> Any:
    """A request parameter as moto's response parsed it (query string, JSON body or URI)."""
    return response._get_param(name, default)  # moto 5.2.6: BaseResponse._get_param(param_name, if_none=None)


def int_param_of(response: Any, name: str, default: Any = None) -> Any:
    """A request parameter as an int (``default`` when absent)."""
    return response._get_int_param(name, default)  # moto 5.2.6: BaseResponse._get_int_param(param_name, if_none)


def action_of(response: Any) -> str:
    """The API action a request calls (``CreateService``), for any protocol but S3's."""
    return str(response._get_action())  # moto 5.2.6: BaseResponse._get_action(), from the service's router


class ResponseParams:
    """Mixed into the kit's response classes, before moto's: public names for moto's parameter readers."""

    def param(self, name: str, default: Any = None) -> Any:
        return param_of(self, name, default)

    def int_param(self, name: str, default: Any = None) -> Any:
        return int_param_of(self, name, default)


def query_error(error_type: str, message: str, status: int) -> Exception:
    """An error as a query-protocol service (IAM, STS, SNS...) sends it: XML, with this HTTP status."""
    from moto.core.exceptions import _RESTError  # moto 5.2.6: the XML error base; no public class takes a message

    class QueryError(_RESTError):
        code = status

    return QueryError(error_type, message)


def authorize_every_request(hook: Any) -> None:
    """Run ``hook(response, iam_request_cls, resource="*")`` before moto serves each request (raise to refuse)."""
    from moto.core.authorization import ActionAuthenticatorMixin

    patch(ActionAuthenticatorMixin, "_authenticate_and_authorize_action", hook)  # moto 5.2.6, see PATCHED


# -- services' internals ----------------------------------------------------------------------------------


def stack_parsed_resources(stack: Any) -> dict[str, Any]:
    """A CloudFormation stack's resources as moto holds them, by logical id; writable (the live dict).

    ``stack.resource_map`` is a read-only Mapping whose reads create resources not made yet: only its
    private dict can be read as it is and have an entry replaced."""
    resource_map = getattr(stack, "resource_map", None)
    return getattr(resource_map, "_parsed_resources", {})  # moto 5.2.6: ResourceMap._parsed_resources, set in __init__


def resource_map_declarations(resource_map: Any) -> dict[str, Any]:
    """A ResourceMap's template declarations (``{"Type": ..., "Properties": ...}``) by logical id."""
    return dict(resource_map._resource_json_map)  # moto 5.2.6: ResourceMap._resource_json_map, set in __init__


def resource_map_place(resource_map: Any) -> tuple[str, str]:
    """The account and region a ResourceMap belongs to."""
    return resource_map._account_id, resource_map._region_name  # moto 5.2.6: set in ResourceMap.__init__


def add_stack_event(stack: Any, status: str, reason: str | None = None) -> None:
    """Append a stack-level event, as moto's Stack does for its own status changes."""
    stack._add_stack_event(status, resource_status_reason=reason)  # moto 5.2.6: Stack._add_stack_event


def validate_export_uniqueness(backend: Any, stack: Any) -> None:
    """Refuse a stack whose exports another stack already exports (CloudFormation's rule), as CreateStack does."""
    backend._validate_export_uniqueness(stack)  # moto 5.2.6: CloudFormationBackend._validate_export_uniqueness


def resolve_update_parameters(backend: Any, stack: Any, parameters: list[dict[str, Any]]) -> dict[str, Any]:
    """An update's parameters with ``UsePreviousValue`` resolved against the stack's current ones."""
    return dict(backend._resolve_update_parameters(instance=stack, incoming_params=parameters))  # moto 5.2.6


def load_default_images(ec2_backend: Any) -> None:
    """Put moto's default Amazon images (AMIs) into an EC2 backend's ``amis``, as its constructor does."""
    ec2_backend._load_amis()  # moto 5.2.6: AmiBackend._load_amis(), called by AmiBackend.__init__ only


def validate_codebuild_environment(environment: dict[str, Any]) -> None:
    """moto's check of a CodeBuild project's environment type and compute type (InvalidInputException)."""
    from moto.codebuild.responses import _validate_required_params_environment  # moto 5.2.6: module function

    _validate_required_params_environment(environment)


def is_valid_repository_name(name: str) -> bool:
    """moto's check of a CodeCommit repository name (letters, digits, ``.``, ``_``, ``-``)."""
    from moto.codecommit.responses import _is_repository_name_valid  # moto 5.2.6: module function

    return bool(_is_repository_name_valid(name))


#: moto's dict subclasses whose items are not what their ``items()`` and ``__setitem__`` say, by module
#: and class name: a snapshot saves and restores them with ``dict``'s own methods.
RAW_MAPPINGS = (
    ("moto.s3.utils", "_VersionedKeyStore"),  # moto 5.2.6: private; a key's versions, items() gives the last
    ("moto.s3.models", "MultipartDict"),
    ("moto.ssm.models", "ParameterDict"),
    ("moto.cloudformation.parsing", "LazyDict"),
)
