"""Write a notebook from a list of (kind, source) cells, with the kit's conventions.

Used while authoring: ``python tools/new_notebook.py`` is not part of the workshop itself.
Conventions: kernel ``python3``, no outputs, exactly one cell tagged ``parameters``.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def write_notebook(path: Path, cells: list[tuple[str, str]]) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = KERNELSPEC
    notebook.metadata["language_info"] = {"name": "python"}
    for kind, source in cells:
        source = source.strip("\n")
        if kind == "md":
            cell = nbformat.v4.new_markdown_cell(source)
        else:
            cell = nbformat.v4.new_code_cell(source)
            if kind == "parameters":
                cell.metadata["tags"] = ["parameters"]
        notebook.cells.append(cell)
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"{path.stem[:2]}-{index:02d}"
    nbformat.validate(notebook)
    path.write_text(nbformat.writes(notebook) + "\n")
