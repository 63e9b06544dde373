"""CloudFormation's property shapes as the services' APIs take them: a template says ``ServiceRole`` and
``Tags: [{Key, Value}]``, the API ``serviceRole`` and ``tags: [{key, value}]``. The resource types the kit adds
(``codebuild/cloudformation.py``, ``codepipeline/cloudformation.py``) hand their properties on through these."""

from __future__ import annotations

from typing import Any

#: CloudFormation property names whose API names are not simply the first letter lowered.
_API_NAMES = {"BuildSpec": "buildspec", "GitCloneDepth": "gitCloneDepth"}
_KEEP_AS_IS = {"Configuration"}  # action configuration keys are the provider's own names


def api_shape(value: Any) -> Any:
    """PascalCase CloudFormation properties to the camelCase API shape, recursively."""
    if isinstance(value, list):
        return [api_shape(item) for item in value]
    if not isinstance(value, dict):
        return value
    result = {}
    for key, item in value.items():
        name = _API_NAMES.get(key, key[:1].lower() + key[1:])
        if key in _KEEP_AS_IS and isinstance(item, dict):
            result[name] = {k: _configuration_value(v) for k, v in item.items()}
        else:
            result[name] = api_shape(item)
    return result


def _configuration_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def api_tags(properties: dict[str, Any], key: str = "key", value: str = "value") -> list[dict[str, str]]:
    """A template's ``Tags`` as the API's list of ``{key, value}`` (or the names the API uses)."""
    return [{key: t["Key"], value: t["Value"]} for t in properties.get("Tags", [])]
