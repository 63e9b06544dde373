"""Show the part of a template, buildspec or policy that the notebook's prose explains, highlighted,
straight from the file the kit deploys (so the page can never drift from what runs)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from textwrap import dedent
from typing import Any

from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename

from .core.errors import WorkshopError
from .core.paths import REPO_ROOT

#: The lexers of the kit's usual files, by name: ``get_lexer_for_filename`` tries every lexer's file patterns
#: first (about 0.1 s of a kernel's CPU, once per kernel), and picks the same lexers for these suffixes.
_LEXERS_BY_SUFFIX = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}


def _lexer(path: str) -> Any:
    name = _LEXERS_BY_SUFFIX.get(PurePosixPath(path).suffix)
    return get_lexer_by_name(name) if name else get_lexer_for_filename(path)


@dataclass
class Excerpt:
    """Some lines of a file of the kit, with the ones that matter marked."""

    path: str
    first_line: int
    text: str
    marked: tuple[int, ...]  # 1-based, counted within ``text``

    def _repr_html_(self) -> str:
        formatter = HtmlFormatter(
            noclasses=True,
            hl_lines=list(self.marked),
            linenos="inline",
            linenostart=self.first_line,
            style="default",
            cssstyles="padding:6px 8px;border-radius:4px;background:#f7f7f7;font-size:12px;line-height:1.35",
        )
        body = pygments_highlight(self.text, _lexer(self.path), formatter)
        last = self.first_line + self.text.count("\n") - 1
        return (
            f"<div style='font-size:12px;color:#555;margin-bottom:2px'><code>{self.path}</code>, lines "
            f"{self.first_line}–{last} (the highlighted lines are the ones explained above)</div>{body}"
        )

    def __repr__(self) -> str:
        lines = self.text.rstrip("\n").split("\n")
        return f"{self.path}:\n" + "\n".join(
            f"{'▶' if number in self.marked else ' '} {self.first_line + number - 1:4d}  {line}"
            for number, line in enumerate(lines, start=1)
        )


def show(
    path: str,
    start: str | None = None,
    highlight: Sequence[str] = (),
    after: str | None = None,
    end: str | None = None,
) -> Excerpt:
    """Show lines of a file of the kit, with the lines that the prose explains highlighted.

    Parameters
    ----------
    path
        The file, relative to the kit's folder, e.g. ``"data/templates/deployment-pipeline-for-all-env.yaml"``.
    start
        Text on the first line to show; the excerpt then runs to the end of that line's block (the lines
        indented deeper than it), or to the line containing ``end``. ``None`` shows the whole file.
    highlight
        Text of the lines to highlight; every line containing one of them is marked.
    after
        Look for ``start`` only after the first line containing this (e.g. the Prod pipeline's name,
        when each pipeline has a stage of the same name).
    end
        Text on the last line to show, instead of the end of the block.

    Returns
    -------
    Excerpt
        Drawn highlighted in JupyterLab, as numbered lines with ``▶`` marks in plain text.
    """
    file = REPO_ROOT / path
    lines = file.read_text().split("\n")
    first, last = 0, len(lines)
    if start is not None:
        origin = _find(lines, after, 0, path) + 1 if after else 0
        first = _find(lines, start, origin, path)
        if end is not None:
            last = _find(lines, end, first, path) + 1
        else:
            indent = _indent(lines[first])
            last = first + 1
            while last < len(lines) and (not lines[last].strip() or _indent(lines[last]) > indent):
                last += 1
    while last > first + 1 and not lines[last - 1].strip():
        last -= 1
    chosen = lines[first:last]
    marked = tuple(
        number for number, line in enumerate(chosen, start=1) if any(text and text in line for text in highlight)
    )
    return Excerpt(path, first + 1, dedent("\n".join(chosen)) + "\n", marked)


def _find(lines: list[str], text: str, origin: int, path: str) -> int:
    for index in range(origin, len(lines)):
        if text in lines[index]:
            return index
    raise WorkshopError(f"{path} has no line with {text!r} (after line {origin}): the excerpt needs updating.")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())
