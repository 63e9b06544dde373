"""The contract of ``localaws/seams/moto.py``: each moto internal the sandbox relies on, one test each.

A failure names the internal, the moto version the seam was read from and the seam function to fix; the
rest of the kit reaches these internals only through that module.
"""

from __future__ import annotations

import importlib
import inspect
from importlib.metadata import version
from typing import Any

import pytest

from localaws.seams import moto as moto_seam

SEAM = "localaws/seams/moto.py"


def _broken(internal: str, what: str, fix: str) -> str:
    return (
        f"moto {version('moto')} changed {internal} (the seam was read from moto {moto_seam.MOTO_VERSION}): "
        f"{what}. Fix {fix} in {SEAM}."
    )


def _member(owner: Any, name: str, fix: str) -> Any:
    """``owner.name``, or a failure that names it (instead of an AttributeError that names nothing to fix)."""
    found = getattr(owner, name, None)
    assert found is not None, _broken(f"{getattr(owner, '__qualname__', owner.__name__)}.{name}", "it is gone", fix)
    return found


def _parameters(function: Any) -> tuple[str, ...]:
    return tuple(inspect.signature(function).parameters)


def _calls(function: Any, name: str) -> bool:
    """Whether ``function``'s own code names ``name`` (a global it calls, or an attribute it reads)."""
    return name in inspect.unwrap(function).__code__.co_names


# -- the BackendDicts ------------------------------------------------------------------------------------------
class _ProbeBackend:
    def __init__(self, region_name: str, account_id: str) -> None:
        self.region_name, self.account_id = region_name, account_id


def test_moto_backend_dict_has_instances_list():
    from moto.core.base_backend import BackendDict

    assert isinstance(vars(BackendDict).get("_instances"), list), _broken(
        "BackendDict._instances", "no longer a class-level list", "backend_dicts_in_use"
    )
    probe = BackendDict(_ProbeBackend, "seam-probe", use_boto3_regions=False, additional_regions=["us-east-1"])
    try:
        probe["123456789012"]["us-east-1"]  # the first backend it builds registers it
        assert any(b is probe for b in moto_seam.backend_dicts_in_use()), _broken(
            "BackendDict._instances", "a BackendDict that built a backend is not listed", "backend_dicts_in_use"
        )
    finally:
        BackendDict._instances[:] = [b for b in BackendDict._instances if b is not probe]  # type: ignore[misc]


def test_moto_backend_dict_builds_the_backend_class_it_is_given():
    from moto.core.base_backend import BackendDict

    class Replacement(_ProbeBackend):
        pass

    probe = BackendDict(_ProbeBackend, "seam-probe", use_boto3_regions=False, additional_regions=["us-east-1"])
    try:
        probe["123456789012"]["us-east-1"]
        moto_seam.use_backend_class(probe, Replacement)
        assert len(probe) == 0, _broken("BackendDict.clear", "the built backends were kept", "use_backend_class")
        built = probe["123456789012"]["us-east-1"]
        assert isinstance(built, Replacement), _broken(
            "BackendDict.backend", "a new backend is not built from it", "use_backend_class"
        )
    finally:
        BackendDict._instances[:] = [b for b in BackendDict._instances if b is not probe]  # type: ignore[misc]


def test_moto_backend_dict_own_attributes_are_its_constructors():
    own = moto_seam.backend_dict_own_attributes()
    assert {"backend", "service_name"} <= own, _broken(
        "BackendDict.__init__", f"a new BackendDict holds {sorted(own)}", "backend_dict_own_attributes"
    )


# -- patched targets ---------------------------------------------------------------------------------------
def _resolve(target: str) -> Any:
    """moto's original of a PATCHED target, even when this process has installed the sandbox's."""
    if target in moto_seam.ORIGINALS:
        return moto_seam.ORIGINALS[target]
    parts = target.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            owner: Any = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for name in parts[split:]:
            owner = getattr(owner, name)
        return owner
    raise ModuleNotFoundError(target)


@pytest.mark.parametrize("target", sorted(moto_seam.PATCHED))
def test_moto_patched_target_exists_with_its_parameters(target):
    expected = moto_seam.PATCHED[target]
    try:
        original = _resolve(target)
    except (AttributeError, ModuleNotFoundError) as error:
        raise AssertionError(_broken(target, f"it is gone ({error})", "PATCHED and its caller")) from None
    if expected is None:
        assert inspect.isclass(original), _broken(target, "no longer a class", "PATCHED and its caller")
    else:
        assert _parameters(original) == expected, _broken(
            target, f"its parameters are {_parameters(original)}, not {expected}", "PATCHED and the replacement"
        )


def test_moto_patch_refuses_a_target_without_a_contract():
    import moto.core.utils

    with pytest.raises(KeyError, match="PATCHED"):
        moto_seam.patch(moto.core.utils, "utcnow", lambda: None)


def test_moto_action_authenticator_has_authenticate_and_authorize_action():
    from moto.core.authorization import ActionAuthenticatorMixin

    hook = "_authenticate_and_authorize_action"
    assert f"moto.core.authorization.ActionAuthenticatorMixin.{hook}" in moto_seam.PATCHED
    for caller in ("_authenticate_and_authorize_normal_action", "_authenticate_and_authorize_s3_action"):
        assert _calls(_member(ActionAuthenticatorMixin, caller, "authorize_every_request"), hook), _broken(
            f"ActionAuthenticatorMixin.{caller}", f"it no longer calls {hook}", "authorize_every_request"
        )


def test_moto_load_service_model_calls_create_loader():
    from moto.core import utils

    # services/moto_caches.py caches create_loader because _load_service_model calls it for every model.
    load = _member(utils, "_load_service_model", "PATCHED (and localaws/services/moto_caches.py)")
    assert _calls(load, "create_loader"), _broken(
        "moto.core.utils._load_service_model",
        "it no longer makes its loader with create_loader",
        "PATCHED (and localaws/services/moto_caches.py)",
    )


def test_moto_error_model_names_the_service_with_service_name_from_moto_package_name():
    from moto.core import errors

    # services/moto_caches.py caches service_name_from_moto_package_name, which every error answer asks.
    find = _member(errors, "get_exception_service_model", "PATCHED (and localaws/services/moto_caches.py)")
    assert _calls(find, "service_name_from_moto_package_name"), _broken(
        "moto.core.errors.get_exception_service_model",
        "it no longer names the service with utils.service_name_from_moto_package_name",
        "PATCHED (and localaws/services/moto_caches.py)",
    )


# -- the wire layer ----------------------------------------------------------------------------------------
def test_moto_base_response_has_get_param():
    from moto.core.responses import BaseResponse

    get_param = _member(BaseResponse, "_get_param", "param_of")
    assert _parameters(get_param) == ("self", "param_name", "if_none"), _broken(
        "BaseResponse._get_param", f"its parameters are {_parameters(get_param)}", "param_of"
    )


def test_moto_base_response_has_get_int_param():
    from moto.core.responses import BaseResponse

    get_int_param = _member(BaseResponse, "_get_int_param", "int_param_of")
    assert _parameters(get_int_param) == ("self", "param_name", "if_none"), _broken(
        "BaseResponse._get_int_param", f"its parameters are {_parameters(get_int_param)}", "int_param_of"
    )


def test_moto_base_response_has_get_action():
    from moto.core.responses import BaseResponse

    get_action = _member(BaseResponse, "_get_action", "action_of")
    assert _parameters(get_action) == ("self",), _broken(
        "BaseResponse._get_action", f"its parameters are {_parameters(get_action)}", "action_of"
    )


def test_moto_response_params_names_are_free_in_moto():
    from moto.core.responses import BaseResponse

    taken = {"param", "int_param"} & set(dir(BaseResponse))
    assert not taken, _broken("BaseResponse", f"it now defines {sorted(taken)}", "ResponseParams")


def test_moto_rest_error_takes_type_and_message():
    from moto.core import exceptions

    base = _member(exceptions, "_RESTError", "query_error")
    assert _parameters(base.__init__)[:3] == ("self", "error_type", "message"), _broken(
        "_RESTError", f"its parameters are {_parameters(base.__init__)}", "query_error"
    )
    error = moto_seam.query_error("AccessDenied", "not allowed", 403)
    assert error.code == 403 and "<Code>AccessDenied</Code>" in error.get_body(), _broken(
        "_RESTError", f"its XML body is {error.get_body()!r}", "query_error"
    )


# -- services' internals ------------------------------------------------------------------------------------
def test_moto_resource_map_has_parsed_resources():
    from moto.cloudformation.models import Stack

    template = '{"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}'
    stack = Stack("stack-id", "seam-probe", template, {}, "123456789012", "us-east-1")
    parsed = moto_seam.stack_parsed_resources(stack)
    assert parsed is vars(stack.resource_map).get("_parsed_resources") and isinstance(parsed, dict), _broken(
        "ResourceMap._parsed_resources", "it is not the stack's dict of resources", "stack_parsed_resources"
    )
    assert parsed.get("AWS::Region") == "us-east-1", _broken(
        "ResourceMap._parsed_resources", f"it holds {sorted(parsed)}", "stack_parsed_resources"
    )


def test_moto_resource_map_has_declarations_and_place():
    from moto.cloudformation.models import Stack

    template = '{"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}'
    stack = Stack("stack-id", "seam-probe", template, {}, "123456789012", "eu-west-1")
    declarations = moto_seam.resource_map_declarations(stack.resource_map)
    assert declarations.get("Topic", {}).get("Type") == "AWS::SNS::Topic", _broken(
        "ResourceMap._resource_json_map", f"it holds {declarations!r}", "resource_map_declarations"
    )
    assert moto_seam.resource_map_place(stack.resource_map) == ("123456789012", "eu-west-1"), _broken(
        "ResourceMap._account_id/_region_name", "they are not the map's account and region", "resource_map_place"
    )
    before = len(stack.events)
    moto_seam.add_stack_event(stack, "UPDATE_IN_PROGRESS", "seam probe")
    added = stack.events[before:]
    assert [(e.resource_status, e.resource_status_reason) for e in added] == [("UPDATE_IN_PROGRESS", "seam probe")], (
        _broken("Stack._add_stack_event", "it no longer appends one stack event with its reason", "add_stack_event")
    )


def test_moto_cloudformation_backend_has_export_and_parameter_helpers():
    from moto.cloudformation.models import CloudFormationBackend

    validate = _member(CloudFormationBackend, "_validate_export_uniqueness", "validate_export_uniqueness")
    assert _parameters(validate) == ("self", "stack"), _broken(
        "CloudFormationBackend._validate_export_uniqueness", "its parameters changed", "validate_export_uniqueness"
    )
    assert _parameters(_member(CloudFormationBackend, "_resolve_update_parameters", "resolve_update_parameters")) == (
        "self",
        "instance",
        "incoming_params",
    ), _broken(
        "CloudFormationBackend._resolve_update_parameters", "its parameters changed", "resolve_update_parameters"
    )


def test_moto_cloudformation_finds_the_kits_types_among_direct_subclasses():
    """moto's CloudFormation looks resource types up in ``CloudFormationModel.__subclasses__()`` (direct ones
    only): the kit's types name it as a direct base (``named_resource.NamedServiceResource`` is a mixin)."""
    from moto.cloudformation.parsing import get_model_list, get_model_map
    from moto.core.common_models import CloudFormationModel

    # each imports its cloudformation.py, which registers the type
    import localaws.services.codebuild
    import localaws.services.codepipeline  # noqa: F401

    # moto caches the map at its first use; the sandbox drops that cache once every service is imported
    # (cloudformation.install), and so does this test, since another test of this worker may have filled it first
    get_model_list.cache_clear()
    get_model_map.cache_clear()
    direct = {model.cloudformation_type() for model in CloudFormationModel.__subclasses__()}
    for kind in ("AWS::CodeBuild::Project", "AWS::CodePipeline::Pipeline"):
        assert kind in direct, (
            f"moto {version('moto')} no longer finds {kind} among CloudFormationModel's direct subclasses: "
            "register the kit's types another way in localaws/services/cloudformation/named_resource.py"
        )
        assert kind in get_model_map(), (
            f"moto {version('moto')}'s CloudFormation parsing does not map {kind} to the kit's type"
        )


def test_moto_ami_backend_has_load_amis():
    from moto.ec2.models.amis import AmiBackend

    assert _parameters(_member(AmiBackend, "_load_amis", "load_default_images")) == ("self",), _broken(
        "AmiBackend._load_amis", "its parameters changed", "load_default_images"
    )
    assert _calls(AmiBackend.__init__, "_load_amis"), _broken(
        "AmiBackend._load_amis", "AmiBackend.__init__ no longer loads the default images with it", "load_default_images"
    )


def test_moto_codebuild_has_validate_required_params_environment():
    from moto.codebuild import responses
    from moto.codebuild.exceptions import InvalidInputException

    validate = _member(responses, "_validate_required_params_environment", "validate_codebuild_environment")
    assert _parameters(validate) == ("environment",), _broken(
        "codebuild.responses._validate_required_params_environment",
        f"its parameters are {_parameters(validate)}",
        "validate_codebuild_environment",
    )
    moto_seam.validate_codebuild_environment({"type": "LINUX_CONTAINER", "computeType": "BUILD_GENERAL1_SMALL"})
    with pytest.raises(InvalidInputException):
        moto_seam.validate_codebuild_environment({"type": "MAINFRAME", "computeType": "BUILD_GENERAL1_SMALL"})


def test_moto_codecommit_has_is_repository_name_valid():
    from moto.codecommit import responses

    _member(responses, "_is_repository_name_valid", "is_valid_repository_name")
    assert moto_seam.is_valid_repository_name("my-repo_1.0"), _broken(
        "codecommit.responses._is_repository_name_valid", "a valid name is refused", "is_valid_repository_name"
    )
    assert not moto_seam.is_valid_repository_name("my repo!"), _broken(
        "codecommit.responses._is_repository_name_valid", "an invalid name is accepted", "is_valid_repository_name"
    )


def test_moto_s3_has_versioned_key_store():
    from moto.s3 import utils

    kind = getattr(utils, "_VersionedKeyStore", None)
    assert isinstance(kind, type) and issubclass(kind, dict), _broken(
        "moto.s3.utils._VersionedKeyStore", "it is gone or no longer a dict", "RAW_MAPPINGS"
    )
    store = kind()
    store["key"] = "one"
    store["key"] = "two"
    assert dict.__getitem__(store, "key") == ["one", "two"] and dict(store.items()) == {"key": "two"}, _broken(
        "moto.s3.utils._VersionedKeyStore", "its raw items are no longer the versions", "RAW_MAPPINGS"
    )


@pytest.mark.parametrize("module, name", [m for m in moto_seam.RAW_MAPPINGS if not m[1].startswith("_")])
def test_moto_raw_mapping_is_a_dict_subclass(module, name):
    kind = getattr(importlib.import_module(module), name, None)
    assert isinstance(kind, type) and issubclass(kind, dict), _broken(
        f"{module}.{name}", "it is gone or no longer a dict", "RAW_MAPPINGS"
    )


def test_moto_seam_imports_no_moto_at_import_time():
    """helpers reaches localaws through localaws.api only, but the seam must stay cheap for everything else."""
    import subprocess
    import sys

    code = "import sys, localaws.seams.moto; print(any(m == 'moto' or m.startswith('moto.') for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
