"""The Docker engine calls that run the sandbox's ECS tasks as containers in Docker mode, through the engine's HTTP API
(``DOCKER_HOST`` or the default socket, as ``engine.py`` finds it): no CLI process per call or per running task.

- ``pull``: an image from the registry behind the sandbox's ECR (with the login ECR's token holds) or another registry;
- ``run``: create and start a container (host network, environment, command, CPU and memory limits, labels);
- ``wait``, ``logs``: block until a container exits (its exit code), follow its output line by line;
- ``stop``, ``remove``, ``inspect``, ``labelled``: what the sandbox needs to stop its containers and find them again
  after a restart (every task container carries ``LABEL_DATA_DIR``, the data folder of the sandbox that started it);
- ``remove_images``: untag a deleted ECR repository's images (the builds' tags and the tasks' pulls).
"""

from __future__ import annotations

import base64
import http.client
import json
import urllib.parse
from collections.abc import Iterator
from typing import Any

from . import engine

#: The data folder of the sandbox that started the container: a restart finds its leftovers by it.
LABEL_DATA_DIR = "localaws.data-dir"
LABEL_TASK = "localaws.ecs.task-arn"
LABEL_SERVICE = "localaws.ecs.service-arn"
LABEL_CONTAINER = "localaws.ecs.container-name"
_API = "/v1.41"


class EngineError(Exception):
    """The engine refused a call; the message is the engine's own."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _connection(timeout: float | None) -> http.client.HTTPConnection:
    url = urllib.parse.urlparse(engine.docker_host())
    if url.scheme == "unix":
        return engine.UnixConnection(url.path, timeout)
    return http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port or 2375, timeout=timeout)


def _open(
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float | None = 60.0,
) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    connection = _connection(timeout)
    data = json.dumps(body).encode() if body is not None else None
    sent = {"Content-Type": "application/json"} if data is not None else {}
    connection.request(method, _API + path, body=data, headers={**sent, **(headers or {})})
    response = connection.getresponse()
    if response.status >= 400:
        text = response.read().decode(errors="replace")
        connection.close()
        try:
            message = str(json.loads(text).get("message", text))
        except ValueError:
            message = text
        raise EngineError(response.status, message.strip())
    return connection, response


def _call(method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, timeout: float = 60) -> Any:
    connection, response = _open(method, path, body, headers, timeout)
    try:
        text = response.read().decode(errors="replace")
    finally:
        connection.close()
    return json.loads(text) if text.strip().startswith(("{", "[")) else text


def image_present(reference: str) -> bool:
    """Whether the engine has the image ``reference``."""
    try:
        _call("GET", f"/images/{urllib.parse.quote(reference, safe='/:@')}/json")
        return True
    except EngineError as error:
        if error.status == 404:
            return False
        raise


def _split(reference: str) -> tuple[str, str]:
    """A reference's name and tag (empty for a ``@sha256:…`` reference; ``latest`` when it names none)."""
    name, _, tag = reference.rpartition(":") if "@" not in reference else (reference, "", "")
    if "/" in tag or not name:  # a port, not a tag
        name, tag = reference, "latest"
    return name, tag


def _auth(reference: str, username: str | None, password: str | None) -> dict[str, str]:
    if username is None:
        return {}
    auth = {"username": username, "password": password or "", "serveraddress": reference.split("/")[0]}
    return {"X-Registry-Auth": base64.urlsafe_b64encode(json.dumps(auth).encode()).decode()}


def _progress(method: str, path: str, headers: dict[str, str], timeout: float) -> list[str]:
    """A call that answers with the engine's progress stream (pull, push); its lines. EngineError with the registry's
    message when it fails (the engine reports a failure inside the stream, as an ``error`` line)."""
    connection, response = _open(method, path, headers=headers, timeout=timeout)
    lines = []
    try:
        for raw in response:
            line = raw.decode(errors="replace").strip()
            if line.startswith("{") and '"error"' in line:
                raise EngineError(500, str(json.loads(line).get("error", line)))
            lines.append(line)
    finally:
        connection.close()
    return lines


def pull(reference: str, username: str | None = None, password: str | None = None, timeout: float = 300) -> None:
    """Pull ``reference`` (``host:port/repository:tag`` or ``@sha256:…``); EngineError with the registry's message
    when the pull fails."""
    name, tag = _split(reference)
    query = urllib.parse.urlencode({"fromImage": name, "tag": tag} if tag else {"fromImage": name})
    _progress("POST", f"/images/create?{query}", _auth(reference, username, password), timeout)


def push(reference: str, username: str, password: str, timeout: float = 900) -> list[str]:
    """Push ``reference`` (``host:port/repository:tag``) as ``docker push`` does; the engine's progress lines."""
    name, tag = _split(reference)
    query = urllib.parse.urlencode({"tag": tag})
    path = f"/images/{urllib.parse.quote(name, safe='/:')}/push?{query}"
    return _progress("POST", path, _auth(reference, username, password), timeout)


def tag(source: str, target: str) -> None:
    """``docker tag source target``."""
    name, tag_ = _split(target)
    query = urllib.parse.urlencode({"repo": name, "tag": tag_})
    _call("POST", f"/images/{urllib.parse.quote(source, safe='')}/tag?{query}")


def untag(reference: str) -> None:
    """``docker rmi`` of one tag: the image stays while another tag names it; nothing if the tag is gone."""
    try:
        _call("DELETE", f"/images/{urllib.parse.quote(reference, safe='')}?noprune=1")
    except EngineError as error:
        if error.status not in (404, 409):
            raise


def image(reference: str) -> dict[str, Any]:
    """The engine's ``docker image inspect`` of ``reference``; ``{}`` when it does not have the image."""
    try:
        answer = _call("GET", f"/images/{urllib.parse.quote(reference, safe='')}/json")
    except EngineError as error:
        if error.status == 404:
            return {}
        raise
    return answer if isinstance(answer, dict) else {}


def folder_archive(reference: str, path: str) -> bytes:
    """``docker create`` then ``docker cp CONTAINER:path -``: the folder ``path`` of the image as a tar archive (the
    folder itself at its top), from a container created for it and removed again."""
    created = str(_call("POST", "/containers/create", {"Image": reference})["Id"])
    try:
        connection, response = _open("GET", f"/containers/{created}/archive?{urllib.parse.urlencode({'path': path})}")
        try:
            return bytes(response.read())
        finally:
            connection.close()
    finally:
        remove(created)


def image_id(reference: str) -> str | None:
    """The engine's id (config digest) of the image ``reference``; None when it does not have it."""
    try:
        answer = _call("GET", f"/images/{urllib.parse.quote(reference, safe='')}/json")
    except EngineError as error:
        if error.status == 404:
            return None
        raise
    return str(answer.get("Id")) if isinstance(answer, dict) else None


def run(name: str, spec: dict[str, Any]) -> str:
    """Create and start a container named ``name`` from ``spec`` (the engine's create body); its id."""
    created = _call("POST", f"/containers/create?name={urllib.parse.quote(name)}", spec)
    container_id = str(created["Id"])
    try:
        _call("POST", f"/containers/{container_id}/start")
    except EngineError:
        remove(container_id)
        raise
    return container_id


def wait(container_id: str) -> int:
    """Block until the container exits; its exit code (137 for SIGKILL, as docker reports 128 + the signal)."""
    answer = _call("POST", f"/containers/{container_id}/wait", timeout=None)  # type: ignore[arg-type]
    return int(answer.get("StatusCode", -1)) if isinstance(answer, dict) else -1


def logs(container_id: str) -> Iterator[str]:
    """The container's output (stdout and stderr), line by line, until it exits. Without a TTY the engine frames
    each chunk with an 8-byte header (stream, 0, 0, 0, and the length, big-endian)."""
    query = "follow=1&stdout=1&stderr=1"
    connection, response = _open("GET", f"/containers/{container_id}/logs?{query}", timeout=None)
    pending = b""
    try:
        while True:
            header = response.read(8)
            if len(header) < 8:
                break
            chunk = response.read(int.from_bytes(header[4:8], "big"))
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                yield line.decode(errors="replace")
        if pending:
            yield pending.decode(errors="replace")
    finally:
        connection.close()


def inspect(container_id: str) -> dict[str, Any]:
    """The engine's ``docker inspect`` of a container."""
    answer = _call("GET", f"/containers/{container_id}/json")
    return answer if isinstance(answer, dict) else {}


def stop(container_id: str, timeout: int = 5) -> None:
    """SIGTERM, then SIGKILL after ``timeout`` seconds (as ECS's stopTimeout); nothing if it has already exited."""
    try:
        _call("POST", f"/containers/{container_id}/stop?t={timeout}", timeout=timeout + 30)
    except EngineError as error:
        if error.status not in (304, 404):
            raise


def remove(container_id: str) -> None:
    """Remove a container, running or not (``docker rm -f``); nothing if it is gone."""
    try:
        _call("DELETE", f"/containers/{container_id}?force=1&v=1")
    except EngineError as error:
        if error.status not in (404, 409):  # gone, or already being removed
            raise


def labelled(label: str, value: str) -> list[dict[str, Any]]:
    """Every container, running or not, whose ``label`` is ``value`` (the engine's ``docker ps -a`` rows)."""
    filters = urllib.parse.quote(json.dumps({"label": [f"{label}={value}"]}))
    answer = _call("GET", f"/containers/json?all=1&filters={filters}")
    return answer if isinstance(answer, list) else []


def remove_labelled(label: str, value: str) -> int:
    """Remove every container whose ``label`` is ``value`` (what a killed sandbox left running); how many."""
    found = labelled(label, value)
    for row in found:
        remove(str(row["Id"]))
    return len(found)


def _references(row: dict[str, Any]) -> list[str]:
    tags = [t for t in row.get("RepoTags") or [] if t != "<none>:<none>"]
    return tags + [d for d in row.get("RepoDigests") or [] if d != "<none>@<none>"]


def remove_images(repository_prefixes: list[str]) -> list[str]:
    """Untag every image reference (tag or digest) that starts with one of ``repository_prefixes`` (e.g.
    ``ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME:`` and ``127.0.0.1:PORT/NAME@``); the engine deletes an image whose
    last reference goes (``docker rmi`` of each name: an image another name still tags stays). What was removed."""
    answer = _call("GET", "/images/json?all=0&digests=1")
    removed = []
    for row in answer if isinstance(answer, list) else []:
        for reference in _references(row):
            if not reference.startswith(tuple(repository_prefixes)):
                continue
            try:
                _call("DELETE", f"/images/{urllib.parse.quote(reference, safe='/:@')}?force=1")
                removed.append(reference)
            except EngineError as error:
                if error.status not in (404, 409):  # gone already, or a running container still uses it
                    raise
    return removed
