"""Find the kit's uses of other libraries' private names (the guard test runs this; so can you).

The rule: another library's private names (one leading underscore, not a dunder) are used only inside a seam
module (``*/seams/*.py``), where each use is read from a named version and has a contract test. This scanner
parses the kit's source with ``ast`` and reports, outside the seam modules:

- ``x._name`` (read, write or call) where ``_name`` is not defined anywhere in the kit's own source (a def, a
  class, an assignment, an attribute assignment or an import alias);
- ``getattr``/``setattr``/``hasattr``/``delattr`` (and ``monkeypatch.setattr``/``mock.patch.object``) with a
  constant private name that the kit does not define, and the same name read from ``vars(obj)`` or
  ``obj.__dict__`` (``"_x" in vars(obj)``, ``vars(obj)["_x"]``, ``vars(obj).pop("_x")``);
- ``from lib import _name`` and ``import lib._module`` for a library that is not the kit.

A name the kit defines outside the seams is the kit's own (``self._state``), whatever object it is read from
(on an object that is neither ``self`` nor a kit module, only if it is a member of one of the kit's classes).
The scan is static: it cannot tell the kit's ``_value`` from another library's ``_value``, nor see a private
name built from strings at run time (the contract tests, the guard's class check and review cover those).
``python -m tests.seams.private_names`` prints every use it finds, seams included.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The kit's own source: its packages, the tests, the tools and the root conftest.
SOURCE_DIRS = ("helpers", "localaws", "hub", "tests", "benchmarks", "tools")
SOURCE_FILES = ("conftest.py",)
KIT_PACKAGES = frozenset({"helpers", "localaws", "hub", "tests", "benchmarks", "tools", "conftest"})

# Public despite the underscore: namedtuple's documented API, and IPython's display protocol (which a class
# implements, and whose names end in an underscore as well).
PUBLIC_BY_CONTRACT = frozenset({"_replace", "_asdict", "_fields", "_field_defaults", "_make"})
# Documented standard-library names: os._exit (exit without cleanup, in a forked child) and sys._getframe.
DOCUMENTED_STDLIB = frozenset({("os", "_exit"), ("sys", "_getframe")})
# Calls whose constant string argument names an attribute: the position of that argument.
ATTRIBUTE_NAME_CALLS = {"getattr": 1, "setattr": 1, "hasattr": 1, "delattr": 1}
ATTRIBUTE_NAME_METHODS = {"setattr": 1, "delattr": 1, "object": 1}  # monkeypatch.setattr, mock.patch.object


@dataclass(frozen=True)
class PrivateUse:
    path: str  # relative to the repository root
    line: int
    name: str
    kind: str  # "attribute", "string attribute", "import"
    code: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind} {self.name}: {self.code}"


def is_private(name: str) -> bool:
    """One leading underscore and not a dunder (``__x`` is name-mangled, hence private too)."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__")) and name != "_"


def is_seam_module(relative_path: str) -> bool:
    """A module in a ``seams`` folder (``localaws/seams/moto.py``, ``tests/seams/test_moto_seam.py``)."""
    return "seams" in Path(relative_path).parts[:-1]


def source_files(root: Path = ROOT) -> list[Path]:
    files = [root / name for name in SOURCE_FILES if (root / name).exists()]
    for directory in SOURCE_DIRS:
        files.extend(sorted(p for p in (root / directory).rglob("*.py") if "node_modules" not in p.parts))
    return files


def defined_names(modules: Iterable[list[ast.AST]]) -> tuple[set[str], set[str]]:
    """The private names the kit defines: (all of them, those that are members of the kit's classes).

    All: defs, classes, assigned names, ``self.``/``cls.`` attributes, import aliases. Members: methods and
    class-level assignments of the kit's classes, and ``self.``/``cls.`` attributes. An assignment to another
    object's attribute (``Mixin._hook = ours``) defines nothing: it patches that object.
    """
    names: set[str] = set()
    members: set[str] = set()
    for nodes in modules:
        for node in nodes:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            if isinstance(node, ast.ClassDef):
                for statement in node.body:
                    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                        members.add(statement.name)
                    targets = statement.targets if isinstance(statement, ast.Assign) else []
                    if isinstance(statement, ast.AnnAssign):
                        targets = [statement.target]
                    members.update(t.id for t in targets if isinstance(t, ast.Name))
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store | ast.Del) and _on_self(node):
                members.add(node.attr)
            elif isinstance(node, ast.alias) and node.asname:
                names.add(node.asname)
    names |= members
    return {n for n in names if is_private(n)}, {n for n in members if is_private(n)}


def _on_self(node: ast.Attribute) -> bool:
    return isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")


def _kit_bound_names(nodes: list[ast.AST]) -> set[str]:
    """Names a module binds by importing the kit's own modules (or names from them)."""
    bound: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _is_kit_module(alias.name):
                    bound.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and (node.level > 0 or (node.module and _is_kit_module(node.module))):
            bound.update(alias.asname or alias.name for alias in node.names)
    return bound


def _is_namespace(node: ast.expr) -> bool:
    """``vars(obj)`` or ``obj.__dict__``: an object's attributes as a dict, read or written by name."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "vars":
        return True
    return isinstance(node, ast.Attribute) and node.attr == "__dict__"


def _private_constants(nodes: Iterable[ast.expr], kit_names: set[str]) -> list[str]:
    return [
        n.value
        for n in nodes
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and is_private(n.value)
        if n.value not in kit_names and n.value not in PUBLIC_BY_CONTRACT
    ]


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _is_kit_module(module: str) -> bool:
    return module.split(".")[0] in KIT_PACKAGES


def private_uses(
    nodes: list[ast.AST], path: str, kit_names: tuple[set[str], set[str]], lines: list[str]
) -> Iterator[PrivateUse]:
    """The private names of other libraries one module uses, by the rules in this module's docstring.

    ``self._x`` and ``module._x`` (a kit module) are the kit's when the kit defines ``_x`` anywhere; on any
    other object, ``_x`` is the kit's only when it is a member of one of the kit's classes (so ``session._session``
    is boto3's even though a kit module has a function named ``_session``).
    """
    every, members = kit_names
    kit_bound = _kit_bound_names(nodes)

    def use(node: ast.AST, name: str, kind: str) -> PrivateUse:
        line = getattr(node, "lineno", 0)
        return PrivateUse(path, line, name, kind, lines[line - 1].strip() if 0 < line <= len(lines) else "")

    for node in nodes:
        if isinstance(node, ast.Attribute) and is_private(node.attr):
            base = node.value.id if isinstance(node.value, ast.Name) else None
            own = every if _on_self(node) or _root_name(node.value) in kit_bound else members
            if node.attr in own or node.attr in PUBLIC_BY_CONTRACT or (base, node.attr) in DOCUMENTED_STDLIB:
                continue
            yield use(node, node.attr, "attribute")
        elif isinstance(node, ast.Call):
            position = None
            if isinstance(node.func, ast.Name):
                position = ATTRIBUTE_NAME_CALLS.get(node.func.id)
            elif isinstance(node.func, ast.Attribute):
                position = ATTRIBUTE_NAME_METHODS.get(node.func.attr)
            if isinstance(node.func, ast.Attribute) and _is_namespace(node.func.value):
                for name in _private_constants(node.args[:1], every):  # vars(obj).pop("_x"), .get, .setdefault
                    yield use(node, name, "string attribute")
                continue
            if position is None or len(node.args) <= position:
                continue
            target, argument = node.args[position - 1], node.args[position]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                name = argument.value
                mine = isinstance(target, ast.Name) and (target.id in ("self", "cls") or target.id in kit_bound)
                if is_private(name) and name not in (every if mine else members) and name not in PUBLIC_BY_CONTRACT:
                    yield use(node, name, "string attribute")
        elif isinstance(node, ast.Compare) and any(_is_namespace(c) for c in node.comparators):
            for name in _private_constants([node.left], every):  # "_x" in vars(obj)
                yield use(node, name, "string attribute")
        elif isinstance(node, ast.Subscript) and _is_namespace(node.value):
            for name in _private_constants([node.slice], every):  # vars(obj)["_x"]
                yield use(node, name, "string attribute")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if _is_kit_module(node.module):
                continue
            for part in node.module.split("."):
                if is_private(part):
                    yield use(node, node.module, "import")
            for alias in node.names:
                if is_private(alias.name):
                    yield use(node, f"{node.module}.{alias.name}", "import")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if not _is_kit_module(alias.name) and any(is_private(p) for p in alias.name.split(".")):
                    yield use(node, alias.name, "import")


def scan(root: Path = ROOT, files: list[Path] | None = None) -> list[PrivateUse]:
    """Every private use in the kit's source (seam modules included; filter with ``is_seam_module``)."""
    files = source_files(root) if files is None else files
    texts = {path: path.read_text() for path in files}
    walked = {path: list(ast.walk(ast.parse(text, filename=str(path)))) for path, text in texts.items()}
    # A seam's own definitions (a contract test's planted class) must not make another library's name the kit's.
    kit_names = defined_names(n for path, n in walked.items() if not is_seam_module(str(path.relative_to(root))))
    found: list[PrivateUse] = []
    for path, nodes in walked.items():
        found.extend(private_uses(nodes, str(path.relative_to(root)), kit_names, texts[path].splitlines()))
    return sorted(found, key=lambda u: (u.path, u.line, u.name))


def main() -> int:
    uses = scan()
    outside = [u for u in uses if not is_seam_module(u.path)]
    for u in uses:
        print(("seam     " if u not in outside else "OUTSIDE  ") + str(u))
    print(f"{len(uses)} private uses: {len(uses) - len(outside)} inside seam modules, {len(outside)} outside")
    return 1 if outside else 0


if __name__ == "__main__":
    sys.exit(main())
