"""The resources' dependencies (DependsOn, Ref, Fn::GetAtt, Fn::Sub) and the one check on them ValidateTemplate
makes: that they have no cycle, since CloudFormation creates the resources in their dependencies' order."""

from __future__ import annotations

from typing import Any

from moto.cloudformation.exceptions import ValidationError

from .references import SUB_VARIABLE


def check_cycles(resources: dict[str, Any]) -> None:
    """CloudFormation orders the resources by their dependencies (Ref, Fn::GetAtt, Fn::Sub, DependsOn) and
    refuses a template whose dependencies form a cycle, naming the resources in it."""
    edges = {name: _dependencies(declaration, set(resources)) for name, declaration in resources.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()

    def connect(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges[node]:
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in edges[node]:
                ordered = [name for name in resources if name in component]
                raise ValidationError(message=f"Circular dependency between resources: [{', '.join(ordered)}]")

    for name in resources:
        if name not in index:
            connect(name)


def _dependencies(declaration: Any, resources: set[str]) -> set[str]:
    """The resources one resource depends on: what it names with DependsOn, Ref, Fn::GetAtt and Fn::Sub."""
    found: set[str] = set()
    if not isinstance(declaration, dict):
        return found
    depends_on = declaration.get("DependsOn", [])
    found.update(n for n in ([depends_on] if isinstance(depends_on, str) else depends_on) if n in resources)
    pending = [declaration.get("Properties"), declaration.get("Metadata")]
    while pending:
        value = pending.pop()
        if isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key == "Ref" and isinstance(item, str):
                    found.add(item)
                elif key == "Fn::GetAtt":
                    target = item.split(".", 1)[0] if isinstance(item, str) else (item or [None])[0]
                    if isinstance(target, str):
                        found.add(target)
                elif key == "Fn::Sub":
                    text = item[0] if isinstance(item, list) and item else item
                    if isinstance(text, str):
                        found.update(name.split(".", 1)[0] for name in SUB_VARIABLE.findall(text))
                    pending.append(item)
                else:
                    pending.append(item)
    return found & resources
