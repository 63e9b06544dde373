"""What runs inside the sandbox process: moto's server with the kit's extensions installed.

Paths under ``/_sandbox/`` (see ``routes.py``) belong to the emulator: health, git, pipeline pages, tasks, listeners;
everything else goes to moto's own dispatcher, exactly as ``moto_server`` would serve it.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import secrets
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from . import account, clock, config, control, faults, operations, persistence, routes, services
from .iam_enforcement import usage
from .persistence.requests import changed_services
from .services import loopback
from .services._extension import Route, StartResponse, json_answer, json_view


class SandboxApp:
    """WSGI app: the kit's own routes first (a table, as moto's ``moto_api/_internal/urls.py`` maps
    ``/moto-api/``), then injected faults, then moto. With a state store, a request that changes a service is
    answered only once that service's state is on disk."""

    def __init__(
        self,
        moto_app: Callable[..., Iterable[bytes]],
        sandbox_id: str,
        store: persistence.StateStore | None = None,
        control_token: str | None = None,
    ) -> None:
        self.moto_app = moto_app
        self.sandbox_id = sandbox_id
        self.store = store
        # Changes to the emulated account need the sandbox's token (control.py); without one (an app made in a test
        # process), a random token nobody holds: such changes are refused.
        guarded = _guarded(control_token or secrets.token_urlsafe(32))
        self.routes = RouteTable(
            [
                Route(routes.HEALTH, self._health),
                Route(routes.IAM_USAGE, guarded(_iam_usage_reset), method="DELETE"),
                Route(routes.IAM_USAGE, json_view(usage.snapshot)),
                Route(routes.ACCOUNT, guarded(_account_update), method="POST"),
                Route(routes.ACCOUNT, guarded(_account_reset), method="DELETE"),
                Route(routes.ACCOUNT, json_view(lambda: account.current().document())),
                Route(routes.FAULTS, guarded(_faults_add), method="POST"),
                Route(routes.FAULTS, guarded(_faults_clear), method="DELETE"),
                Route(routes.FAULTS, json_view(lambda: [f.document() for f in faults.FAULTS.list()])),
                Route(routes.CLOCK, guarded(_clock_advance), method="POST", saves=("ecr",)),  # lifecycle expiry
                Route(routes.CLOCK, json_view(_clock_document)),
                *services.routes(),
            ]
        )

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        route = self.routes.find(path, environ.get("REQUEST_METHOD", "GET"))
        if route is not None:
            answer = route.handler(environ, start_response)
            if route.saves:
                self._saved(*route.saves)
            return answer
        if faults.FAULTS and loopback.ENGINE_USER_AGENT not in environ.get("HTTP_USER_AGENT", ""):
            injected = _injected_fault(environ)
            if injected is not None:
                status, headers, body = injected
                start_response(status, headers)
                return [body]
        if path == routes.STATE:
            return json_answer(start_response, self._state_document())
        if self.store is None:
            return self.moto_app(environ, start_response)
        changed = changed_services(environ)
        answer = self.moto_app(environ, start_response)
        if changed:
            self._saved(*changed)
        return answer

    def _health(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        return json_answer(start_response, {"sandbox_id": self.sandbox_id, "services": services.names()})

    def _saved(self, *services_changed: str) -> None:
        if self.store is None:
            return
        started = time.perf_counter()
        self.store.touched(*services_changed)
        try:
            self.store.save_pending()
        except Exception as error:  # the change is made; say loudly that it is not on disk
            print(f"sandbox state: saving {', '.join(services_changed)} failed: {type(error).__name__}: {error}")
        self.store.statistics.request_wait_seconds += time.perf_counter() - started

    def _state_document(self) -> dict[str, Any]:
        if self.store is None:
            return {"persistent": False}
        return {"persistent": True, "folder": str(self.store.folder), **self.store.statistics.to_dict()}


class RouteTable:
    """``/_sandbox`` paths to handlers: a path's row for the request's method, else its row for any method;
    exact paths before prefixes, longer prefixes first."""

    def __init__(self, rows: list[Route]) -> None:
        self.exact = {(r.path, r.method): r for r in rows if not r.prefix}
        self.prefixes = sorted((r for r in rows if r.prefix), key=lambda r: (-len(r.path), r.method is None))

    def find(self, path: str, method: str) -> Route | None:
        found = self.exact.get((path, method)) or self.exact.get((path, None))
        if found is not None:
            return found
        return next(
            (r for r in self.prefixes if path.startswith(r.path) and r.method in (method, None)),
            None,
        )


def _injected_fault(environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes] | None:
    operation = operations.identify(environ)
    fault = faults.FAULTS.take(operation) if operation is not None else None
    if operation is None or fault is None:
        return None
    message = fault.message or faults.default_message(fault.error_code, operation, faults.caller_arn(environ))
    return operations.error_answer(operation, fault.error_code, message, faults.status_for(fault.error_code))


Handler = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _guarded(token: str) -> Callable[[Handler], Handler]:
    """A handler that answers only a request carrying the sandbox's control token (403 otherwise)."""

    def wrap(handler: Handler) -> Handler:
        def checked(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
            if not control.allows(environ.get(control.WSGI_HEADER), token):
                refusal = {"error": f"this changes the sandbox for everyone: send {control.HEADER} (localaws.api does)"}
                return json_answer(start_response, refusal, "403 Forbidden")
            return handler(environ, start_response)

        return checked

    return wrap


def _iam_usage_reset(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    usage.reset()
    return json_answer(start_response, usage.snapshot())


def _account_update(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    try:
        account.update(_json_body(environ))
    except ValueError as error:
        return json_answer(start_response, {"error": str(error)}, "400 Bad Request")
    return json_answer(start_response, account.current().document())


def _account_reset(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    return json_answer(start_response, account.reset().document())


def _faults_add(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    try:
        request = _json_body(environ)
        fault = faults.FAULTS.add(
            str(request.get("service", "")),
            str(request.get("operation", "")),
            str(request.get("error_code", "")),
            request.get("times"),
            request.get("message"),
        )
    except (ValueError, TypeError) as error:
        return json_answer(start_response, {"error": str(error)}, "400 Bad Request")
    return json_answer(start_response, fault.document())


def _faults_clear(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    return json_answer(start_response, {"cleared": faults.FAULTS.clear()})


def _clock_document() -> dict[str, Any]:
    return {"now": clock.now().isoformat(), "offset_seconds": clock.offset_seconds()}


def _clock_advance(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """Move the sandbox's clock on by ``advance_seconds``; a body that is not a JSON object with a number there is a
    400 with a JSON error, as the other control routes answer."""
    try:
        clock.advance(float(_json_body(environ).get("advance_seconds", 0)))
    except (TypeError, ValueError) as error:  # json.JSONDecodeError is a ValueError
        return json_answer(start_response, {"error": f"advance_seconds: {error}"}, "400 Bad Request")
    return json_answer(start_response, _clock_document())


def _json_body(environ: dict[str, Any]) -> dict[str, Any]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    document = json.loads(environ["wsgi.input"].read(length) or b"{}") if length else {}
    if not isinstance(document, dict):
        raise ValueError("the request body must be a JSON object")
    return document


def _return_freed_memory(every: float = 5.0, collect_every: float = 60.0) -> None:
    """Hand memory that Python has freed back to the system now and then (glibc keeps it otherwise),
    so the sandbox stays small on a learner's laptop.

    A full garbage collection walks every object moto holds (about 0.3 s of CPU once a workshop runs),
    so it runs once a minute; the trim alone is cheap and runs every few seconds.
    """

    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except OSError:
        return
    last_collect = time.monotonic()
    while True:
        time.sleep(every)
        if time.monotonic() - last_collect >= collect_every:
            gc.collect()
            last_collect = time.monotonic()
        trim(0)


def main(argv: list[str] | None = None) -> None:
    """The sandbox process (``python -m localaws.serve``, which ``process.py`` starts): checks the settings, plugs the
    extensions into moto, restores the saved state, and serves on 127.0.0.1 until SIGTERM or SIGINT. Exits with a
    message naming the variable when a setting is not valid, and with status 3 when the saved state cannot be loaded."""
    parser = argparse.ArgumentParser(description="Run the workshop sandbox in the foreground.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--sandbox-id", required=True)
    args = parser.parse_args(argv)

    # jsonschema checks IRI formats with rfc3987_syntax when it is installed, which compiles a grammar on
    # import: a third of the sandbox's start-up CPU, for moto's API Gateway specs the workshop never sends.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    try:
        config.check()
    except ValueError as error:
        sys.exit(f"The sandbox cannot start: {error}")
    listening = _listen(args.port)  # before the restore: resumed tasks' health checks take ephemeral ports
    services.install(args.data_dir, f"http://127.0.0.1:{args.port}")
    store = _restore(args.data_dir) if persistence.enabled() else None

    from moto.moto_server.threaded_moto_server import MotoRequestHandler
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    token = control.ensure_token(Path(args.data_dir))
    app = SandboxApp(DomainDispatcherApplication(create_backend_app), args.sandbox_id, store, token)
    server = make_server(
        "127.0.0.1", args.port, app, threaded=True, request_handler=MotoRequestHandler, fd=listening.fileno()
    )

    def shut_down(signum: int, frame: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shut_down)
    signal.signal(signal.SIGINT, shut_down)
    # What start-up imported and restored lives as long as the process: frozen, the collector stops
    # walking it again and again (moto's import graph alone is some 135,000 objects).
    gc.collect()
    gc.freeze()
    threading.Thread(target=_return_freed_memory, daemon=True, name="memory-trim").start()
    print(
        f"Workshop sandbox {args.sandbox_id} serving on http://127.0.0.1:{args.port} "
        f"({_since_process_start():.1f} s after its process started, {time.process_time():.1f} s of CPU)",
        flush=True,
    )
    try:
        server.serve_forever(poll_interval=0.05)  # a stop is seen within 50 ms (the default: up to half a second)
    finally:
        if store is not None:
            store.close()  # before the listeners close: their ports are part of the state
            persistence.changes.detach()
        services.shutdown()
    sys.exit(0)


def _listen(port: int) -> socket.socket:
    """The server's socket, bound and listening before anything else runs: the restore starts tasks whose health checks
    connect from ephemeral ports, and the sandbox's own port (often an ephemeral one too, in tests) must not be one."""
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind(("127.0.0.1", port))
    except OSError as error:
        listening.close()
        sys.exit(f"{error.strerror}: port {port} is in use by another program; stop it or start the sandbox elsewhere.")
    listening.listen(128)
    return listening


def _since_process_start() -> float:
    """Seconds since this process started (Linux; 0 elsewhere): how long Python and the imports took."""
    try:
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0
    return uptime - ticks / os.sysconf("SC_CLK_TCK")


def _restore(data_dir: Path) -> persistence.StateStore:
    """Load the saved state, carry on from it, and save every change from now on."""
    started = time.monotonic()
    print(f"Sandbox process up after {_since_process_start():.1f} s", flush=True)
    store = persistence.StateStore(data_dir / "state")
    try:
        loaded = store.load()
    except persistence.SnapshotError as error:
        print(
            f"The sandbox's saved state cannot be loaded: {error}. Nothing was changed. Start it empty with "
            "`python -m helpers sandbox start --fresh` (this discards the saved state).",
            flush=True,
        )
        sys.exit(3)
    loading = time.monotonic() - started
    persistence.changes.attach(store)
    store.start_background_saver()
    if loaded:
        print(f"Sandbox state restored from {store.folder}: {', '.join(loaded)}", flush=True)
        for line in services.resume():
            print(f"  {line}", flush=True)
        print(f"Resumed in {time.monotonic() - started:.1f} s (state loaded in {loading:.1f} s)", flush=True)
    return store


if __name__ == "__main__":
    main()
