"""A template's body as data, as CloudFormation reads it: JSON when it reads as JSON, else YAML with the short
forms (``!Ref``, ``!Sub``, ``!GetAtt``...) turned into their long ones; a body that is neither is refused with
CloudFormation's message and where it stopped."""

from __future__ import annotations

import json
from typing import Any

import yaml
from moto.cloudformation.exceptions import ValidationError


def parse(body: str) -> dict[str, Any]:
    """The template as data: JSON when it reads as JSON, else YAML with CloudFormation's short forms."""
    if body.lstrip().startswith("{"):
        try:
            template = json.loads(body)
        except json.JSONDecodeError as error:
            raise ValidationError(
                message=f"Template format error: JSON not well-formed. (line {error.lineno}, column {error.colno})"
            ) from None
    else:
        try:
            template = yaml.load(body, Loader=_TemplateLoader)  # a SafeLoader subclass
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
            raise ValidationError(message=f"Template format error: YAML not well-formed.{where}") from None
        except yaml.YAMLError:
            raise ValidationError(message="Template format error: YAML not well-formed.") from None
    if not isinstance(template, dict):
        raise ValidationError(message="Template format error: unsupported structure.")
    return template


class _TemplateLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short forms: ``!Ref X`` is ``{"Ref": "X"}``, ``!Sub s`` is ``{"Fn::Sub": s}``."""


def _short_form(loader: yaml.SafeLoader, tag: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag == "!GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {"Ref" if tag == "!Ref" else f"Fn::{tag[1:]}": value}


_TemplateLoader.add_multi_constructor("!", _short_form)
