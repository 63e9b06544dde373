"""The layers of ``helpers`` stack in one direction, and neither package has an import cycle.

- ``helpers/core/`` is the leaf layer: it imports nothing from the rest of ``helpers`` (the package's own
  ``__init__``, which holds ``__version__`` and imports nothing, aside).
- ``helpers/seams/`` (other libraries' internals) imports nothing from ``helpers`` either.
- ``helpers/views/`` imports only ``core/``, ``seams/`` and itself.
- ``helpers/resources/``, ``permissions/`` and ``changes/`` import only those and themselves, not each other; the
  notebook-facing modules at the top of ``helpers`` (and ``prerequisites/``, ``event/``) may import any layer.
- No import cycle in ``helpers/`` or ``localaws/``: not at module level, not through ``if TYPE_CHECKING:``, and not
  through an import inside a function either (that one would run, but it hides the cycle instead of removing it).

A failure names the importing module, the line and what it imports, so the fix is to move that code down a layer,
into a module both sides can import.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from helpers.core.paths import REPO_ROOT
from tests.test_readme_layout import _layout_block, _mentioned, _named, _package_part

#: A layer's package and the packages (besides itself) its modules may import from helpers; "helpers" is the
#: package's own __init__ (only __version__).
ALLOWED: dict[str, tuple[str, ...]] = {
    "helpers.core": ("helpers",),
    "helpers.seams": (),
    "helpers.views": ("helpers", "helpers.core", "helpers.seams"),
    "helpers.resources": ("helpers", "helpers.core", "helpers.seams", "helpers.views"),
    "helpers.permissions": ("helpers", "helpers.core", "helpers.seams", "helpers.views"),
    "helpers.changes": ("helpers", "helpers.core", "helpers.seams", "helpers.views"),
}


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    path: str
    line: int
    module_level: bool
    type_only: bool = False  # under ``if TYPE_CHECKING:``: a dependency of the design, not of the running code

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.importer} imports {self.imported}"


def _modules(package: str, root: Path) -> dict[str, Path]:
    found = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.Module) -> list[tuple[ast.Import | ast.ImportFrom, bool, bool]]:
    """Every import with whether it runs when the module loads (not in a function, not under TYPE_CHECKING), and
    whether it is there for the type checker only."""
    found: list[tuple[ast.Import | ast.ImportFrom, bool, bool]] = []

    def visit(node: ast.AST, module_level: bool, type_only: bool = False) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append((node, module_level, type_only))
            return
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, False, module_level)
            for child in node.orelse:
                visit(child, module_level)
            return
        inner = module_level and not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    for statement in tree.body:
        visit(statement, True)
    return found


def _imports(package: str, root: Path = REPO_ROOT) -> list[Import]:
    """Every import of a module of ``package`` by a module of ``package`` (``from a import b`` names ``a.b``
    when ``b`` is a module, else ``a``)."""
    modules = _modules(package, root)
    found = []
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node, module_level, type_only in _import_nodes(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - node.level + 1]
                    source = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    source = node.module or ""
                targets = [
                    f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source for alias in node.names
                ]
            for target in dict.fromkeys(targets):
                if target in modules and target != name:
                    found.append(
                        Import(name, target, str(path.relative_to(root)), node.lineno, module_level, type_only)
                    )
    return found


def _layer_of(module: str) -> str | None:
    return next((layer for layer in ALLOWED if module == layer or module.startswith(f"{layer}.")), None)


def layer_violations(imports: list[Import]) -> list[str]:
    """Imports (at any depth: a function's import still ties the layers) from a layer to one above it."""
    wrong = []
    for each in imports:
        layer = _layer_of(each.importer)
        if layer is None:
            continue
        target_layer = _layer_of(each.imported)
        if target_layer == layer or (target_layer is None and each.imported in ALLOWED[layer]):
            continue
        if target_layer is not None and target_layer in ALLOWED[layer]:
            continue
        folder = layer.replace(".", "/")
        wrong.append(f"{each} (a module of {folder}/ may import only {', '.join(ALLOWED[layer]) or 'nothing'})")
    return wrong


def cycles(imports: list[Import], with_type_only: bool = False, with_deferred: bool = False) -> list[list[Import]]:
    """The module-level import cycles (with ``with_type_only``, counting the type checker's imports too; with
    ``with_deferred``, every import, those inside functions included): one cycle (as its imports, in order) per
    strongly connected component."""
    edges: dict[str, list[Import]] = {}
    for each in imports:
        if each.module_level or (with_type_only and each.type_only) or with_deferred:
            edges.setdefault(each.importer, []).append(each)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def connect(module: str) -> None:  # Tarjan's algorithm
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for edge in edges.get(module, []):
            if edge.imported not in index:
                connect(edge.imported)
                low[module] = min(low[module], low[edge.imported])
            elif edge.imported in on_stack:
                low[module] = min(low[module], index[edge.imported])
        if low[module] == index[module]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == module:
                    break
            if len(component) > 1:
                components.append(component)

    for module in sorted(edges):
        if module not in index:
            connect(module)
    return [_one_cycle(component, edges) for component in components]


def _one_cycle(component: set[str], edges: dict[str, list[Import]]) -> list[Import]:
    """A path from the component's first module back to itself, through the component only (breadth first)."""
    start = min(component)
    came_by: dict[str, Import] = {}
    frontier = [start]
    while frontier:
        following = []
        for module in frontier:
            for edge in edges.get(module, []):
                if edge.imported == start:
                    path = [edge]
                    while path[0].importer != start:
                        path.insert(0, came_by[path[0].importer])
                    return path
                if edge.imported in component and edge.imported not in came_by:
                    came_by[edge.imported] = edge
                    following.append(edge.imported)
        frontier = following
    raise AssertionError(f"no cycle through {start}")  # a strongly connected component always has one


def test_core_and_views_import_only_the_layers_below_them():
    wrong = layer_violations(_imports("helpers"))
    assert not wrong, "an import reaches above its layer:\n" + "\n".join(wrong)


def test_the_package_init_imports_nothing_of_helpers():
    """core/ may import ``helpers`` itself (for ``__version__``) only because its ``__init__`` imports nothing."""
    assert not [each for each in _imports("helpers") if each.importer == "helpers"]


def test_no_module_level_import_cycle_in_helpers_or_localaws():
    found = [cycle for package in ("helpers", "localaws") for cycle in cycles(_imports(package))]
    described = ["\n  ".join(str(edge) for edge in cycle) for cycle in found]
    assert not found, "module-level import cycles:\n  " + "\n\n  ".join(described)


def test_no_cycle_even_through_the_type_checkers_imports():
    """Two modules that need each other's types are one design split in two: a leaf (a Protocol, a shared
    module) breaks the tie instead of ``if TYPE_CHECKING:``."""
    found = [cycle for package in ("helpers", "localaws") for cycle in cycles(_imports(package), with_type_only=True)]
    described = ["\n  ".join(str(edge) for edge in cycle) for cycle in found]
    assert not found, "import cycles through TYPE_CHECKING imports:\n  " + "\n\n  ".join(described)


def test_no_cycle_even_through_imports_inside_functions():
    """An import moved into a function to get past a cycle hides the cycle, it does not remove it (issue 20: no
    import cycles): a constant or a function both sides need lives in the module below them both."""
    found = [cycle for package in ("helpers", "localaws") for cycle in cycles(_imports(package), with_deferred=True)]
    described = ["\n  ".join(str(edge) for edge in cycle) for cycle in found]
    assert not found, "import cycles through imports inside functions:\n  " + "\n\n  ".join(described)


def test_the_checks_see_a_planted_violation_and_cycle(tmp_path):
    """The checks above fail on what they are meant to catch: core importing a top-level module, views importing
    resources, two modules importing each other at module level (but not inside a function), and, counting imports
    inside functions, a cycle through one."""
    package = tmp_path / "helpers"
    for folder in ("core", "views", "resources"):
        (package / folder).mkdir(parents=True)
        (package / folder / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "setup.py").write_text("from .core import state\n")
    (package / "core" / "state.py").write_text("from .. import setup\n")
    (package / "views" / "table.py").write_text("from ..resources import base\n")
    (package / "resources" / "base.py").write_text("def later():\n    from ..views import table\n")
    imports = _imports("helpers", tmp_path)
    wrong = layer_violations(imports)
    assert any("helpers.core.state imports helpers.setup" in line for line in wrong), wrong
    assert any("helpers.views.table imports helpers.resources.base" in line for line in wrong), wrong
    found = cycles(imports)
    assert [sorted(edge.importer for edge in cycle) for cycle in found] == [["helpers.core.state", "helpers.setup"]]
    (package / "views" / "table.py").write_text("")
    (package / "core" / "state.py").write_text("")
    (package / "views" / "chart.py").write_text("from ..resources import base\n")
    (package / "resources" / "base.py").write_text("def later():\n    from ..views import chart\n")
    deferred = cycles(_imports("helpers", tmp_path), with_deferred=True)
    assert [sorted(edge.importer for edge in cycle) for cycle in deferred] == [
        ["helpers.resources.base", "helpers.views.chart"]
    ]
    assert cycles(_imports("helpers", tmp_path)) == []


# -- the README's layout follows the tree inside helpers/ as well ------------------------------------------------
def _helpers_sections() -> dict[str, str]:
    """The helpers part of the README's Layout block by package: "" for the entries at the top of helpers/, "core"
    for the lines from ``  core/`` to the next entry at the top, and so on."""
    sections: dict[str, list[str]] = {"": []}
    current = ""
    for line in _package_part(_layout_block(), "helpers").splitlines()[1:]:
        entry = re.match(r"^  ([a-z_]+)/(\s|$)", line)
        if entry:
            current = entry.group(1)
        elif re.match(r"^  \S", line):
            current = ""
        sections.setdefault(current, []).append(line)
    return {package: "\n".join(lines) for package, lines in sections.items()}


def test_every_module_of_every_helpers_package_is_in_the_layout_under_its_package():
    sections = _helpers_sections()
    missing = []
    for package in sorted(p for p in (REPO_ROOT / "helpers").iterdir() if (p / "__init__.py").exists()):
        if package.name not in sections:
            missing.append(f"helpers/{package.name}/")
            continue
        mentioned = _mentioned(sections[package.name])
        missing += [
            f"helpers/{package.name}/{module.name}"
            for module in sorted(package.rglob("*.py"))
            if not module.name.startswith("__") and module.stem not in mentioned
        ]
    assert not missing, f"README Layout does not name these under their package: {missing}"


def test_every_helpers_file_the_layout_names_exists_where_it_says():
    helpers = REPO_ROOT / "helpers"
    gone = []
    for package, text in _helpers_sections().items():
        for name in _named(text):
            if "/" in name.rstrip("/"):  # a path from helpers/, such as views/pictures.py
                candidates = [helpers / name]
            else:
                candidates = [helpers / package / name, helpers / name]
            if not any(c.is_dir() if name.endswith("/") else c.is_file() for c in candidates):
                gone.append(f"{name} (under {package or 'helpers'}/)")
    assert not gone, f"README Layout names what helpers/ does not have: {gone}"


# -- no long functions -----------------------------------------------------------------------------------------
MAX_FUNCTION_LINES = 60


def test_no_function_in_helpers_or_localaws_is_longer_than_60_lines():
    long = []
    for path in sorted([*(REPO_ROOT / "helpers").rglob("*.py"), *(REPO_ROOT / "localaws").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, f"split these functions (at most {MAX_FUNCTION_LINES} lines each): {long}"
