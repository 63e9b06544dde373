"""Notebook 04's Dockerfile exercise: a block of lines the change adds to the sample app's ``Dockerfile`` (a ``LABEL``
on the image, an ``ENV`` variable and a ``RUN`` step that writes it into a file of the image), put before its ``USER``
line, and replaced when the exercise runs again."""

from __future__ import annotations

import json
import re

from ..core.context import Workshop

DOCKERFILE = "Dockerfile"
NOTE_FILE = "/usr/src/app/build-note.txt"
_MARK = "# Notebook 04's exercise: a label, a variable, and a file a RUN step writes while the image builds"
_BLOCK = re.compile(re.escape(_MARK) + r"\n(?:(?:LABEL|ENV|RUN) .*\n)*\n?")
_USER = re.compile(r"^USER ", re.M)


def read_dockerfile(workshop: Workshop, branch: str = "master") -> str:
    """The text of the ``Dockerfile`` on ``branch`` (GetFile)."""
    codecommit = workshop.client("codecommit")
    found = codecommit.get_file(repositoryName=workshop.names.repository, commitSpecifier=branch, filePath=DOCKERFILE)
    return bytes(found["fileContent"]).decode()


def with_build_note(source: str, note: str) -> str:
    """``source`` (a Dockerfile) with the exercise's block saying ``note``: ``LABEL workshop.note=...``, ``ENV
    BUILD_NOTE=...`` and ``RUN echo "$BUILD_NOTE" > build-note.txt``, before the first ``USER`` line (the RUN step runs
    as root), else at the end."""
    quoted = json.dumps(note)
    block = f'{_MARK}\nLABEL workshop.note={quoted}\nENV BUILD_NOTE={quoted}\nRUN echo "$BUILD_NOTE" > {NOTE_FILE}\n'
    source = _BLOCK.sub("", source)
    user = _USER.search(source)
    if user is None:
        return source.rstrip("\n") + "\n\n" + block
    return source[: user.start()] + block + "\n" + source[user.start() :]
