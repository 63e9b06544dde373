"""The kit's extensions to moto, one package per AWS service, each laid out like moto's own
(``models.py`` for backend state, ``responses.py`` for the wire layer, ``exceptions.py``, ``urls.py``).

``install()`` is the one place they are plugged into moto.
"""

from __future__ import annotations

from pathlib import Path

EXTENDED_SERVICES: list[str] = ["codecommit"]
_installed = False


def install(data_dir: Path) -> None:
    """Plug every extension into moto. Call once, before the server handles a request."""
    global _installed
    if _installed:
        return
    from . import codecommit

    codecommit.install(data_dir)
    _installed = True


def shutdown() -> None:
    """Stop whatever the extensions started (nothing yet beyond files on disk)."""
