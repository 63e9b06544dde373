"""What a service package declares about itself, so that ``services/__init__.py`` can plug it in without
knowing it: each ``services/<svc>/__init__.py`` exports ``EXTENSION = Extension(...)``.

moto finds a service's parts from its package (``moto/backends.py`` imports ``moto.<name>`` by name, and
``urls.py`` from the backend's module); the kit does the same with one value per package: how to install it
into moto, how to carry on after a restart, how to stop what it started, and which ``/_sandbox`` routes it
serves (``serve.py`` builds its route table from them, as ``moto_api/_internal/urls.py`` maps its paths).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

StartResponse = Callable[..., Any]
#: A WSGI handler: the request's environ and ``start_response``; the body's chunks.
Handler = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass(frozen=True)
class Route:
    """One row of the ``/_sandbox`` route table: a path (or, with ``prefix``, every path under it) and a method
    (``None``: any method that has no row of its own) answered by ``handler``. A request through a route with
    ``saves`` changes those services: with a state store, it is answered once their state is on disk."""

    path: str
    handler: Handler
    method: str | None = None
    prefix: bool = False
    saves: tuple[str, ...] = ()


@dataclass
class Resumed:
    """What a service did to carry on from a restored state: one line each for the sandbox's log, and the
    threads still doing it (``services.resume`` waits for them, up to a deadline)."""

    report: list[str] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)


def _nothing_to_resume() -> Resumed:
    return Resumed()


def _nothing_to_stop() -> None:
    return None


@dataclass(frozen=True)
class Extension:
    """A service's extension of moto.

    ``name`` is the service's name as moto's ``BackendDict`` and boto3 spell it (``service-quotas``);
    ``install(data_dir)`` plugs it into moto once, before the first request (``data_dir`` is the sandbox's
    folder for the files a service keeps: git repositories, image layers, work folders).
    """

    name: str
    install: Callable[[Path], None]
    resume: Callable[[], Resumed] = _nothing_to_resume
    shutdown: Callable[[], None] = _nothing_to_stop
    routes: tuple[Route, ...] = ()


def json_answer(start_response: StartResponse, document: object, status: str = "200 OK") -> Iterable[bytes]:
    """``document`` as a JSON answer."""
    body = json.dumps(document).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def json_view(view: Callable[[], object]) -> Handler:
    """A handler that answers ``view()`` as JSON, whatever the request."""

    def handler(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        return json_answer(start_response, view())

    return handler
