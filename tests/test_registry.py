"""The registry of resource kinds keeps its promises: every kind that creates something can also find,
check and delete it; every type a state file can hold has a kind whose ``exists`` answers it; notebook
01's steps ensure every kind with an ensure exactly once; cleanup deletes in creation order backwards."""

from __future__ import annotations

import ast

from helpers import cleanup, prerequisites, setup
from helpers.core.paths import REPO_ROOT
from helpers.resources import log_groups, registry, stacks
from helpers.resources.base import UNKNOWN
from helpers.resources.presence import presence
from tests.helpers_for_tests import unique

KINDS = registry.KINDS


def test_every_kind_that_ensures_or_records_can_find_check_and_delete():
    for kind in KINDS:
        assert callable(kind.find) and callable(kind.delete), kind.label
        if kind.ensure is not None or kind.types:
            assert kind.types and kind.exists is not None, f"{kind.label}: records entries but has no exists"


def test_each_recorded_type_belongs_to_one_kind():
    types = [t for kind in KINDS for t in kind.types]
    assert len(types) == len(set(types)), "two kinds answer for the same type"
    for kind in KINDS:
        for resource_type in kind.types:
            assert registry.kind_of(resource_type) is kind
    assert registry.kind_of("AWS::Nothing::Here") is None


def test_cleanup_deletes_in_creation_order_backwards():
    assert cleanup.KINDS == tuple(reversed(KINDS)) == registry.cleanup_order()
    assert len({k.label for k in KINDS}) == len(KINDS)


def test_notebook_01s_steps_ensure_every_kind_with_an_ensure_once_in_registry_order():
    stepped = [kind for step in registry.NOTEBOOK_01 for kind in step]
    assert sorted(k.label for k in stepped) == sorted(k.label for k in KINDS if k.ensure is not None)
    assert len(stepped) == len(set(stepped))
    for step in registry.NOTEBOOK_01:
        positions = [KINDS.index(kind) for kind in step]
        assert positions == sorted(positions), [k.label for k in step]
    assert len(registry.NOTEBOOK_01) == len(prerequisites.STEPS)


def _record_calls(path):
    """``X.record(...)`` calls whose receiver is not a kind (an upper-case module constant)."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "record":
            receiver = node.func.value
            name = receiver.id if isinstance(receiver, ast.Name) else getattr(receiver, "attr", "")
            if not name.isupper():
                yield str(path.relative_to(REPO_ROOT)), ast.unparse(node.func)


def test_every_entry_is_recorded_through_a_kind():
    """So the state file can only hold types some kind's ``exists`` answers (a kind refuses other types)."""
    calls = {call for path in sorted((REPO_ROOT / "helpers").rglob("*.py")) for call in _record_calls(path)}
    # Kind.record hands its entry to Workshop.record, which hands it to the state file: nothing else does.
    assert calls == {("helpers/resources/base.py", "workshop.record"), ("helpers/core/context.py", "self.state.record")}


def test_what_the_ensure_steps_record_is_answered_by_its_kind():
    prefix = unique("reg")
    setup.configure(prefix=prefix)
    workshop = setup.open_workshop(prefix)
    for step in registry.NOTEBOOK_01[:-1]:  # the services step waits for tasks: the flows cover it
        for kind in step:
            assert kind.ensure is not None
            kind.ensure(workshop)
    log_groups.ensure(workshop)  # the services step's first kind
    stacks.record_pipelines(workshop)  # what notebook 03 records after its stack: pipelines not deployed here
    stacks.record_build_project(workshop, "nodejs", workshop.names.nodejs_project, None)
    answers = {key: presence(workshop, entry) for key, entry in workshop.state.resources.items()}
    assert UNKNOWN not in answers.values(), answers
    created = {
        k: v for k, v in answers.items() if not k.startswith(("pipeline/", "events-rule/", "codebuild-", "build-"))
    }
    assert set(created.values()) == {True}, created
    assert answers["build-log-group/nodejs"] == "not yet" and answers["pipeline/dev"] is False
    assert cleanup.cleanup(workshop, progress=False).ok
