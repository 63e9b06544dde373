"""One request as the table reads it (``Request``), what each row answers (``Check``s), the refusal for an
operation with no row (``NotInTable``), and the tag readers the rows share: a create's tags become the
``aws:RequestTag/…`` and ``aws:TagKeys`` context keys whichever protocol carried them."""

from __future__ import annotations

from typing import Any

from ...seams import moto as moto_seam

Context = dict[str, str | list[str]]
Check = tuple[str, str, Context]

#: The resource of an action AWS does not scope to a resource (the reference's Resource types column is empty).
UNSCOPED = "*"


class NotInTable(Exception):
    """The sandbox has no row for this operation: it cannot say what IAM would evaluate, so it refuses."""

    def __init__(self, action: str) -> None:
        super().__init__(
            f"The sandbox does not evaluate {action} for IAM users and roles yet, so it refuses it "
            "(add a row to localaws/iam_enforcement/actions/)."
        )
        self.action = action


class Request:
    """One request as the table reads it: its parameters, region, account and partition."""

    def __init__(self, response: Any, prefix: str, operation: str, region: str, account: str, partition: str) -> None:
        self.response, self.prefix, self.operation = response, prefix, operation
        self.region, self.account, self.partition = region, account, partition

    @property
    def action(self) -> str:
        return f"{self.prefix}:{self.operation}"

    def param(self, name: str, default: Any = None) -> Any:
        try:
            return moto_seam.param_of(self.response, name, default)
        except Exception:  # a body that is not JSON for this protocol: no such parameter
            return default

    def query(self, prefix: str) -> dict[str, str]:
        """Query-protocol parameters whose name starts with ``prefix`` (``TagSpecification.``), flattened."""
        found: dict[str, str] = {}
        for key, values in dict(getattr(self.response, "querystring", {}) or {}).items():
            if str(key).startswith(prefix) and values:
                found[str(key)] = str(values[0])
        return found

    def arn(self, service: str, rest: str, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:{self.partition}:{service}:{self.region if region else ''}:{self.account if account else ''}:{rest}"
        )

    def checks(self, resources: list[str], context: Context | None = None) -> list[Check]:
        return [(self.action, r, dict(context or {})) for r in resources]


def last_segment(value: Any) -> str:
    """The name at the end of an ARN or path (``cluster/x`` -> ``x``): parameters take either."""
    return str(value or "").rstrip("/").split("/")[-1]


def tags_context(pairs: list[tuple[str, str]]) -> Context:
    """A create's tags as the context keys IAM gives them: ``aws:RequestTag/KEY`` for each, and ``aws:TagKeys`` listing
    the keys, absent (not empty) when the request carries no tags."""
    context: Context = {f"aws:RequestTag/{k}": v for k, v in pairs}
    if pairs:
        context["aws:TagKeys"] = [k for k, _ in pairs]
    return context


def json_tags(tags: Any) -> list[tuple[str, str]]:
    """Tags of a JSON-protocol request: a map, or a list of ``key``/``value`` (or ``Key``/``Value``) pairs."""
    if isinstance(tags, dict):
        return [(str(k), str(v)) for k, v in tags.items()]
    pairs = []
    for tag in tags or []:
        key = tag.get("key", tag.get("Key"))
        pairs.append((str(key), str(tag.get("value", tag.get("Value", "")))))
    return pairs


def query_tags(request: Request, prefix: str) -> list[tuple[str, str]]:
    """Tags of a query-protocol request (``Tags.member.1.Key``, ``TagSpecification.1.Tag.1.Key``)."""
    flat = request.query(prefix)
    pairs = []
    for key, value in sorted(flat.items()):
        if key.endswith(".Key"):
            pairs.append((value, flat.get(key[: -len("Key")] + "Value", "")))
    return pairs
