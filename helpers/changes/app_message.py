"""The sample app's message: ``app.js`` answers its ``const MESSAGE = ...;`` line, and notebook 04's
changes rewrite that one line (committed through the API or pushed with git)."""

from __future__ import annotations

import json
import re

from ..core.context import Workshop

APP_FILE = "app.js"
_MESSAGE_LINE = re.compile(r"^const MESSAGE = .*;$", re.M)


def read_app(workshop: Workshop, branch: str = "master") -> str:
    """The text of ``app.js`` on ``branch`` (GetFile).

    Returns
    -------
    str
        The file's content.
    """
    codecommit = workshop.client("codecommit")
    content = codecommit.get_file(repositoryName=workshop.names.repository, commitSpecifier=branch, filePath=APP_FILE)
    return bytes(content["fileContent"]).decode()


def has_message_line(source: str) -> bool:
    """Whether ``source`` (the text of ``app.js``) has a ``const MESSAGE = ...;`` line to change."""
    return _MESSAGE_LINE.search(source) is not None


def with_message(source: str, new_message: str) -> str:
    """``source`` with its ``MESSAGE`` line saying ``new_message`` (unchanged when it has no such line)."""
    return _MESSAGE_LINE.sub(lambda _: f"const MESSAGE = {json.dumps(new_message)};", source)


def with_empty_message(source: str) -> str:
    """``source`` with an empty ``MESSAGE``: the app's unit test "the message is a non-empty greeting" fails."""
    return _MESSAGE_LINE.sub("const MESSAGE = '';", source)
