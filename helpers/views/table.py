"""A table that reads well both in JupyterLab (coloured HTML, links to click) and under papermill (plain text)."""

from __future__ import annotations

import html

import pandas as pd

from ..core.links import Link

_SHADES = {"✅": "#e6f4ea", "⚠": "#fef7e0", "❌": "#fce8e6", "⏳": "#e8f0fe"}


class StatusTable:
    """Rows are shaded by the first character of their ``status`` column; a :class:`~helpers.core.links.Link` cell
    is drawn as a link to click (its text form stays the URL, which papermill's output keeps)."""

    def __init__(self, frame: pd.DataFrame, caption: str = "") -> None:
        self.frame = frame
        self.caption = caption

    def _repr_html_(self) -> str:
        def shade(row: pd.Series) -> list[str]:
            colour = _SHADES.get(str(row.get("status", " "))[:1], "")
            return [f"background-color: {colour}" if colour else ""] * len(row)

        styled = self.frame.style.apply(shade, axis=1) if "status" in self.frame else self.frame.style
        linked = [column for column in self.frame.columns if self.frame[column].map(_is_link).any()]
        if linked:
            styled = styled.format(_cell_html, subset=linked)
        if self.caption:
            styled = styled.set_caption(html.escape(self.caption))
        # Data, never math: JupyterLab's MathJax would typeset "$0.14 ... $1.65" as a formula and eat the signs.
        return f'<div class="tex2jax_ignore mathjax_ignore">{styled.to_html()}</div>'

    def __repr__(self) -> str:
        text = self.frame.to_string()
        return f"{self.caption}\n{text}" if self.caption else text


def _is_link(value: object) -> bool:
    return isinstance(value, Link)


def _cell_html(value: object) -> str:
    """A link as ``<a href>``; any other value of a column with links as its escaped text."""
    return value.html() if isinstance(value, Link) else html.escape("" if value is None else str(value))
