"""Going further in notebook 04: a pipeline's definition edited for ``update_pipeline``. Each function
returns a copy of a ``get_pipeline`` declaration with a stage inserted or an action run first, and
replaces an earlier one of the same name, so its cell can be run again."""

from __future__ import annotations

from typing import Any

from ..core.errors import ReleaseError


def with_stage(declaration: dict[str, Any], stage: dict[str, Any], before: str) -> dict[str, Any]:
    """A ``get_pipeline`` declaration with ``stage`` inserted before the stage named ``before``.

    A stage of the same name is replaced rather than added twice, so the cell that calls
    ``update_pipeline`` with the result can be run again.

    Parameters
    ----------
    declaration
        ``codepipeline.get_pipeline(name=...)["pipeline"]``.
    stage
        The new stage, as ``update_pipeline`` expects it (``name`` and ``actions``).
    before
        The name of the stage it goes in front of.

    Returns
    -------
    dict
        The declaration to pass to ``update_pipeline(pipeline=...)``.
    """
    stages = [s for s in declaration["stages"] if s["name"] != stage["name"]]
    names = [s["name"] for s in stages]
    if before not in names:
        raise ReleaseError(f"The pipeline has no stage {before!r} (its stages: {', '.join(names)}).")
    stages.insert(names.index(before), stage)
    return {**declaration, "stages": stages}


def with_first_action(declaration: dict[str, Any], stage_name: str, action: dict[str, Any]) -> dict[str, Any]:
    """A ``get_pipeline`` declaration whose stage ``stage_name`` runs ``action`` before its other actions.

    The action gets ``runOrder`` 1 and the stage's other actions move one step later; an action of the
    same name is replaced, so the cell can be run again.

    Returns
    -------
    dict
        The declaration to pass to ``update_pipeline(pipeline=...)``.
    """
    stages = []
    for stage in declaration["stages"]:
        if stage["name"] == stage_name:
            others = [a for a in stage["actions"] if a["name"] != action["name"]]
            first_order = min((a.get("runOrder", 1) for a in others), default=2)
            shift = 1 if first_order <= 1 else 0
            others = [{**a, "runOrder": a.get("runOrder", 1) + shift} for a in others]
            stage = {**stage, "actions": [{**action, "runOrder": 1}, *others]}
        stages.append(stage)
    if stage_name not in [s["name"] for s in stages]:
        raise ReleaseError(f"The pipeline has no stage {stage_name!r}.")
    return {**declaration, "stages": stages}


def with_stage_condition(
    declaration: dict[str, Any], stage_name: str, kind: str, condition: dict[str, Any]
) -> dict[str, Any]:
    """A ``get_pipeline`` declaration whose stage ``stage_name`` has ``condition`` as its ``kind`` conditions.

    ``kind`` is ``"onFailure"``, ``"onSuccess"`` or ``"beforeEntry"`` (V2 pipelines only). An earlier condition
    of the same kind is replaced, so the cell can be run again; the result equals ``declaration`` when the stage
    already has this condition (compare them to skip an ``update_pipeline`` that would change nothing).

    Returns
    -------
    dict
        The declaration to pass to ``update_pipeline(pipeline=...)``.
    """
    if kind not in ("onFailure", "onSuccess", "beforeEntry"):
        raise ReleaseError(f"A stage condition is onFailure, onSuccess or beforeEntry, not {kind!r}.")
    if stage_name not in [s["name"] for s in declaration["stages"]]:
        raise ReleaseError(f"The pipeline has no stage {stage_name!r}.")
    stages = [{**s, kind: condition} if s["name"] == stage_name else s for s in declaration["stages"]]
    return {**declaration, "stages": stages}
