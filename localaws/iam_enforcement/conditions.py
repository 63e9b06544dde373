"""IAM condition blocks and policy variables, as AWS documents them.

Every operator family of the IAM User Guide's "Condition operators" page: String, Numeric, Date, Bool,
Binary, IpAddress, Arn and Null, each negation, ``...IfExists``, and the ``ForAllValues:``/``ForAnyValue:`` set
qualifiers; and the policy variables of "Policy variables" (``${aws:username}``, ``${aws:PrincipalTag/team}``,
``${*}``/``${?}``/``${$}``, ``${key, 'default'}``), which a 2012-10-17 policy may use in ``Resource`` and in
condition values. A variable with no value in the request makes its statement not apply, as on AWS.

Why our own: moto's evaluator turns a statement whose condition does not hold into a denial whatever its
Effect and knows only the few operators of trust policies (see ``evaluator.py``).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

Context = Mapping[str, str | list[str]]

#: Literal ``*`` and ``?`` from ``${*}`` and ``${?}``: kept apart from the wildcards until a value is compared.
LITERAL_STAR, LITERAL_QUESTION = "\x01", "\x02"
_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class UnknownOperator(Exception):
    """A condition operator AWS does not have (IAM refuses such a policy when it is stored)."""


class Unresolvable(Exception):
    """A policy variable has no single value in the request: its statement does not apply."""


def as_list(value: Any) -> list[Any]:
    """A policy element as a list: IAM takes one value or a list alike (Action, Resource, Principal, condition values);
    None is no value at all."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


# -- policy variables ------------------------------------------------------------------------------
def substitute(text: str, context: Context) -> str:
    """``text`` with every ``${...}`` replaced by its value in ``context``; raises ``Unresolvable``."""
    lowered = {k.lower(): v for k, v in context.items()}

    def value(match: re.Match[str]) -> str:
        inner = match.group(1).strip()
        if inner in ("*", "?", "$"):
            return {"*": LITERAL_STAR, "?": LITERAL_QUESTION, "$": "$"}[inner]
        key, _, default = inner.partition(",")
        found = lowered.get(key.strip().lower())
        if isinstance(found, list):
            found = found[0] if len(found) == 1 else None  # a multivalued key cannot be a variable
        if found is None or found == "":
            fallback = default.strip()
            if len(fallback) >= 2 and fallback[0] == fallback[-1] == "'":
                return fallback[1:-1]
            raise Unresolvable(key.strip())
        return str(found)

    return _VARIABLE.sub(value, text)


def literal(text: str) -> str:
    """A substituted value as plain text (for the equality operators)."""
    return text.replace(LITERAL_STAR, "*").replace(LITERAL_QUESTION, "?")


# -- matching ------------------------------------------------------------------------------------
@lru_cache(maxsize=4096)
def _pattern(glob: str, ignore_case: bool) -> re.Pattern[str]:
    parts = {"*": ".*", "?": ".", LITERAL_STAR: re.escape("*"), LITERAL_QUESTION: re.escape("?")}
    body = "".join(parts.get(c, re.escape(c)) for c in glob)
    return re.compile(f"^{body}$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def glob_match(glob: str, value: str, ignore_case: bool = False) -> bool:
    """IAM's wildcard match: ``*`` any run of characters, ``?`` one character."""
    return bool(_pattern(str(glob), ignore_case).match(value))


def arn_match(pattern: str, arn: str) -> bool:
    """ArnLike: the six ARN fields compared one by one, each with wildcards (a ``*`` never spans a colon
    except in the last field, the resource, which may contain colons itself)."""
    if pattern == "*":
        return True
    wanted, actual = str(pattern).split(":", 5), arn.split(":", 5)
    if len(wanted) != 6 or len(actual) != 6:
        return False
    return all(glob_match(w, a) for w, a in zip(wanted, actual, strict=True))


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _date(text: str) -> datetime | None:
    """ISO 8601 (``2026-12-31T23:59:59Z``, ``2026-12-31``) or epoch seconds, as the Date operators take them."""
    try:
        if re.fullmatch(r"-?\d+(\.\d+)?", text.strip()):
            return datetime.fromtimestamp(float(text), UTC)
        parsed = datetime.fromisoformat(text.strip())
    except (ValueError, OverflowError, OSError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _in_network(address: str, network: str) -> bool:
    try:
        return ipaddress.ip_address(address.strip()) in ipaddress.ip_network(network.strip(), strict=False)
    except ValueError:
        return False


def _binary(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _ordered(parse: Callable[[str], Any], test: Callable[[Any, Any], bool]) -> Callable[[str, str], bool]:
    def compare(actual: str, expected: str) -> bool:
        a, e = parse(actual), parse(expected)
        return a is not None and e is not None and bool(test(a, e))

    return compare


_EQ, _LT, _LE = (lambda a, e: a == e), (lambda a, e: a < e), (lambda a, e: a <= e)
_GT, _GE = (lambda a, e: a > e), (lambda a, e: a >= e)

#: The positive form of every operator; its ``Not`` form (where AWS has one) negates it.
_POSITIVE: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda a, e: a == literal(e),
    "StringEqualsIgnoreCase": lambda a, e: a.lower() == literal(e).lower(),
    "StringLike": lambda a, e: glob_match(e, a),
    "NumericEquals": _ordered(_number, _EQ),
    "NumericLessThan": _ordered(_number, _LT),
    "NumericLessThanEquals": _ordered(_number, _LE),
    "NumericGreaterThan": _ordered(_number, _GT),
    "NumericGreaterThanEquals": _ordered(_number, _GE),
    "DateEquals": _ordered(_date, _EQ),
    "DateLessThan": _ordered(_date, _LT),
    "DateLessThanEquals": _ordered(_date, _LE),
    "DateGreaterThan": _ordered(_date, _GT),
    "DateGreaterThanEquals": _ordered(_date, _GE),
    "Bool": lambda a, e: a.lower() == e.lower(),
    "BinaryEquals": lambda a, e: _binary(a) is not None and _binary(a) == _binary(e),
    "IpAddress": _in_network,
    "ArnEquals": lambda a, e: arn_match(e, a),
    "ArnLike": lambda a, e: arn_match(e, a),
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def _operator(name: str) -> tuple[Callable[[str, str], bool], bool, bool]:
    """(the positive comparison, negated, if_exists) for an operator name without its set qualifier."""
    if_exists = name.endswith("IfExists") and name != "IfExists"
    base = name.removesuffix("IfExists") if if_exists else name
    if base in _NEGATED:
        return _POSITIVE[_NEGATED[base]], True, if_exists
    if base in _POSITIVE:
        return _POSITIVE[base], False, if_exists
    raise UnknownOperator(name)


def _key_holds(operator: str, key: str, expected_values: Any, lowered: Mapping[str, Any], substitute_in: bool) -> bool:
    qualifier, _, name = operator.rpartition(":")
    present = lowered.get(key.lower())
    expected = [str(v) for v in as_list(expected_values)]
    if name == "Null":
        return (present is None) == (expected[0].lower() == "true")
    compare, negated, if_exists = _operator(name)
    if substitute_in:
        expected = [substitute(v, lowered) for v in expected]
    actual = [str(v) for v in as_list(present)]
    if not actual:
        # A missing key: ...IfExists holds; ForAllValues holds vacuously; ForAnyValue does not; otherwise the
        # values "do not match", so a negated operator holds and a positive one does not.
        return if_exists or qualifier == "ForAllValues" or (negated and qualifier != "ForAnyValue")
    matches = [any(compare(a, e) for e in expected) != negated for a in actual]
    if qualifier == "ForAllValues":
        return all(matches)
    if qualifier == "ForAnyValue" or not negated:
        return any(matches)
    return all(matches)  # a negated operator: no value of the key may match


def condition_holds(block: Mapping[str, Mapping[str, Any]], context: Context, variables: bool = True) -> bool:
    """True when every operator and every key of a Condition block holds for ``context`` (several values of
    one key are ORed). ``variables``: substitute policy variables in the values (2012-10-17 policies)."""
    lowered = {k.lower(): v for k, v in context.items()}
    return all(
        _key_holds(operator, key, values, lowered, variables)
        for operator, entries in block.items()
        for key, values in entries.items()
    )
