"""The guard: no module outside a seam uses another library's private names (``private_names.py`` says how it
looks), and no class of the kit overrides or borrows a private member of another library's class."""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import pkgutil
import textwrap

from tests.seams import private_names
from tests.seams.private_names import is_private


@functools.cache
def _kit_uses() -> list[private_names.PrivateUse]:
    return private_names.scan()


def test_no_private_names_outside_seams():
    found = [use for use in _kit_uses() if not private_names.is_seam_module(use.path)]
    assert not found, "another library's private names outside a seam module (move each into its seam):\n" + "\n".join(
        str(use) for use in found
    )


def _scan_source(tmp_path, sources: dict[str, str]) -> list[str]:
    files = []
    for relative, text in sources.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        files.append(path)
    return [
        f"{use.path}:{use.line}:{use.name}"
        for use in private_names.scan(tmp_path, files)
        if not private_names.is_seam_module(use.path)
    ]


def test_the_guard_catches_planted_private_uses(tmp_path):
    planted = """\
        import os
        from collections import namedtuple

        import lib._internal
        from lib import _hidden_function
        from lib.core import Mixin

        from helpers import check

        Point = namedtuple("Point", "x y")


        class Ours(Mixin):
            def __init__(self):
                self._mine = 1

            def use(self, comm, response):
                response._get_param("name")
                Mixin._hook = self.use
                getattr(comm, "_lock", None)
                "_pin" in vars(comm)
                vars(comm).pop("_pin", None)
                return self._mine + self._inherited()


        def fine(point, session):
            check._helper()
            point._replace(x=1)
            os._exit(0)
            return session._mine
    """
    kit = """\
        def _helper():
            return None
    """
    # a seam's definitions (a contract test's probe) do not make the library's names the kit's
    seam = textwrap.dedent(planted) + "\n\nclass Probe:\n    def _inherited(self):\n        return None\n"
    found = _scan_source(
        tmp_path, {"helpers/planted.py": planted, "helpers/check.py": kit, "localaws/seams/lib.py": seam}
    )
    assert found == [
        "helpers/planted.py:4:lib._internal",
        "helpers/planted.py:5:lib._hidden_function",
        "helpers/planted.py:18:_get_param",
        "helpers/planted.py:19:_hook",
        "helpers/planted.py:20:_lock",
        "helpers/planted.py:21:_pin",
        "helpers/planted.py:22:_pin",
        "helpers/planted.py:23:_inherited",
    ]


# -- at run time: the sandbox's classes built on moto's ----------------------------------------------------
def _localaws_classes() -> list[type]:
    """Every class localaws defines: where the kit subclasses another library's classes (helpers' classes
    extend the standard library's exceptions and dict only, and importing them all costs a second)."""
    import localaws

    classes: dict[type, None] = {}
    for module_info in pkgutil.walk_packages(localaws.__path__, "localaws."):
        if module_info.name.endswith("__main__"):
            continue
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if inspect.isclass(value) and value.__module__ == module.__name__:
                classes[value] = None
    return list(classes)


def _is_kit(cls: type) -> bool:
    return cls.__module__.split(".")[0] in private_names.KIT_PACKAGES


def _self_attributes(cls: type) -> set[str]:
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError):
        return set()
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
    }


def _foreign_privates_relied_on(cls: type) -> str | None:
    """What ``cls`` overrides or reads of its other-library bases' private members (None: nothing)."""
    foreign = [base for base in cls.__mro__[1:] if not _is_kit(base) and base is not object]
    foreign_private = {name for base in foreign for name in vars(base) if is_private(name)}
    foreign_private -= {"_abc_impl", "_is_protocol"}  # typing.Protocol's bookkeeping on every protocol
    if not foreign_private:
        return None
    own = {name for base in cls.__mro__ if _is_kit(base) for name in vars(base)}
    overridden = sorted(name for name in vars(cls) if name in foreign_private)
    borrowed = sorted(name for name in _self_attributes(cls) if name in foreign_private and name not in own)
    if not overridden and not borrowed:
        return None
    return f"{cls.__module__}.{cls.__qualname__}: overrides {overridden}, uses {borrowed}"


def test_no_kit_class_overrides_or_borrows_another_librarys_private_member():
    """Static names cannot tell ``self._x`` of moto's class from the kit's own: the classes can."""
    found = [relied for cls in _localaws_classes() if (relied := _foreign_privates_relied_on(cls))]
    assert not found, "kit classes that rely on a private member of another library's class:\n" + "\n".join(found)


def test_the_class_check_catches_a_planted_override_and_borrowing():
    from moto.core.responses import BaseResponse

    class Planted(BaseResponse):
        def _get_action(self) -> str:
            return "Planted"

        def describe(self) -> object:
            return self._get_param("Name")

    assert _foreign_privates_relied_on(Planted) == (
        f"{__name__}.{Planted.__qualname__}: overrides ['_get_action'], uses ['_get_param']"
    )
