"""How the extensions report changes they make outside a request (engine threads, builds, deployments,
task logs), so that the state store saves them too. A no-op when persistence is off."""

from __future__ import annotations

from typing import Protocol


class _Store(Protocol):
    def touched(self, *services: str) -> None: ...


_store: list[_Store] = []


def attach(store: _Store) -> None:
    """Send every ``touched`` to ``store`` from now on (``serve.py`` does, once the saved state is loaded)."""
    _store[:] = [store]


def detach() -> None:
    """Stop passing changes on: the server is shutting down and has closed its store."""
    _store.clear()


def touched(*services: str) -> None:
    """Record that these moto services (``"codepipeline"``, ``"logs"``...) changed and must be saved."""
    for store in _store:
        store.touched(*services)
