"""Excerpts pick their lexer by suffix for the kit's usual files: the same lexer pygments would pick by file name."""

from __future__ import annotations

import pytest
from pygments.lexers import get_lexer_for_filename

from helpers import excerpts


@pytest.mark.parametrize(
    "path", ["data/templates/x.yaml", "data/sample-app/buildspec_nodejs.yml", "policy.json", "app.js"]
)
def test_an_excerpts_lexer_is_the_one_pygments_picks_for_its_file_name(path: str) -> None:
    assert type(excerpts._lexer(path)) is type(get_lexer_for_filename(path))


def test_an_excerpt_of_a_buildspec_is_highlighted_as_yaml() -> None:
    html = excerpts.show("data/sample-app/buildspec_nodejs.yml", highlight=["npm test"])._repr_html_()
    assert "npm test" in html and "<span" in html
