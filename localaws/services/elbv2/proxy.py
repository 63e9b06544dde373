"""A listener that really listens: a small HTTP reverse proxy on 127.0.0.1 that forwards to the
healthy local targets of its target group, as an ALB listener forwards to registered targets; which group is the
listener's rules' choice (``rules.py``), given the request's method, path and host."""

from __future__ import annotations

import http.client
import itertools
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .inflight import forwarding

Endpoint = tuple[str, int]
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
}
#: How often the listener's loop looks for a request to stop (``socketserver``'s default is 0.5 s). Closing a
#: listener (DeleteListener, DeleteLoadBalancer, the sandbox's stop) waits for that look: at the default, up to half a
#: second for every listener closed.
SHUTDOWN_POLL_SECONDS = 0.05


class ListenerProxy:
    """``port`` 0 takes any free port; a restored listener asks for the port it had, so its URL stays."""

    def __init__(self, targets: Callable[[str, str, str], list[Endpoint]], port: int = 0) -> None:
        self._targets = targets
        self._turn = itertools.count()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # quiet, like an ALB without access logs
                pass

            def _forward(self) -> None:
                proxy.forward(self)

            do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(SHUTDOWN_POLL_SECONDS,), daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def forward(self, request: BaseHTTPRequestHandler) -> None:
        targets = self._targets(request.command, request.path, request.headers.get("Host") or "")
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else None
        if not targets:
            self._reply(request, 503, b"503 Service Temporarily Unavailable: no healthy targets\n")
            return
        host, port = targets[next(self._turn) % len(targets)]
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        headers["X-Forwarded-For"] = request.client_address[0]
        try:
            with forwarding((host, port)):  # a draining target is let go as soon as nothing is in flight to it
                connection = http.client.HTTPConnection(host, port, timeout=30)
                connection.request(request.command, request.path, body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                connection.close()
        except OSError:
            self._reply(request, 502, b"502 Bad Gateway\n")
            return
        request.send_response(response.status, response.reason)
        for key, value in response.getheaders():
            if key.lower() not in _HOP_BY_HOP and key.lower() != "content-length":
                request.send_header(key, value)
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(payload)

    @staticmethod
    def _reply(request: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
        request.send_response(status)
        request.send_header("Content-Type", "text/plain")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(body)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
