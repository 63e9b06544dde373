"""Pictures scale to the output area (the browser test measures it at 1280 px) and stacked ones keep their sizes."""

from __future__ import annotations

import re

from helpers import pictures, setup
from tests.helpers_for_tests import unique


def test_a_picture_takes_the_width_it_is_given_not_its_drawing_size():
    drawing = pictures.architecture(setup.configure(prefix=unique("pic")))
    root = re.match(r"<svg [^>]*>", drawing.svg)
    assert (
        root and "width='100%'" in root.group(0) and f"viewBox='0 0 {drawing.width} {drawing.height}'" in root.group(0)
    )
    assert "height=" not in root.group(0)  # the height follows from the width and the viewBox


def test_stacked_pictures_keep_their_own_sizes_inside_the_stack():
    first = pictures.Picture("<svg xmlns='x' width='100%' viewBox='0 0 300 100'></svg>", "a", 300, 100)
    second = pictures.Picture("<svg xmlns='x' width='100%' viewBox='0 0 200 50'></svg>", "b", 200, 50)
    svg = pictures.stack([first, second]).svg
    assert svg.startswith("<svg xmlns='http://www.w3.org/2000/svg' width='100%' viewBox='0 0 300 150'")
    assert "<svg x='0' y='0' xmlns='x' width='300' height='100'" in svg
    assert "<svg x='0' y='100' xmlns='x' width='200' height='50'" in svg
