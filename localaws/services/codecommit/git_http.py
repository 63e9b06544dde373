"""git over HTTP for the sandbox's CodeCommit: ``git clone`` and ``git push`` against a repository's
clone URL, served by git's own ``git http-backend``. A push that moves a branch is announced like any
other CodeCommit change, so it starts the branch's pipeline."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterable
from typing import Any

from ... import routes
from ...iam_enforcement.signer import set_signer
from .git_auth import GitRefused, git_account, git_caller, is_push
from .models import codecommit_backend


def handle(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The ``/_sandbox/git/REGION/NAME/…`` route, a repository's clone URL: git's smart HTTP protocol, answered by
    ``git http-backend`` (404 for a repository that does not exist). After a push, each branch it moved is announced
    like any CodeCommit change (an EventBridge rule on it starts its pipeline), and the first push to an empty
    repository sets its default branch (``master`` if pushed, else the first by name). The caller's credentials are
    asked for and evaluated as CodeCommit does (``git_auth.py``); the branch events name them as ``callerUserArn``.
    The clone URL names no account, as CodeCommit's does not: the repository is the one of that name in the account of
    the credentials (``git_auth.git_account``), so another account's repository of the same name is not found."""
    rest = environ["PATH_INFO"][len(routes.GIT) :]
    region, _, tail = rest.partition("/")
    name, _, path = tail.partition("/")
    name = name.removesuffix(".git")
    try:
        backend = codecommit_backend(git_account(environ), region)
        repository = backend.repositories.get(name)
        if repository is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [f"repository {name} not found in {region}\n".encode()]
        set_signer(git_caller(environ, repository, region, is_push(environ, path)))
    except GitRefused as refused:
        start_response(refused.status, [("Content-Type", "text/plain"), *refused.headers])
        return [f"{refused}\n".encode()]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    pushing = path.endswith("git-receive-pack") and environ.get("REQUEST_METHOD") == "POST"
    before = repository.git.branches() if pushing else {}
    cgi_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GIT_PROJECT_ROOT": str(repository.git.path.parent),
        "GIT_HTTP_EXPORT_ALL": "1",
        "PATH_INFO": f"/{repository.git.path.name}/{path}",
        "REQUEST_METHOD": environ.get("REQUEST_METHOD", "GET"),
        "QUERY_STRING": environ.get("QUERY_STRING", ""),
        "CONTENT_TYPE": environ.get("CONTENT_TYPE", ""),
        "CONTENT_LENGTH": str(len(body)),
        "REMOTE_USER": "workshop",
        "REMOTE_ADDR": environ.get("REMOTE_ADDR", "127.0.0.1"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": "/dev/null",
    }
    if environ.get("HTTP_CONTENT_ENCODING"):
        cgi_env["HTTP_CONTENT_ENCODING"] = environ["HTTP_CONTENT_ENCODING"]
    if environ.get("HTTP_GIT_PROTOCOL"):
        cgi_env["GIT_PROTOCOL"] = environ["HTTP_GIT_PROTOCOL"]
    with repository.lock:
        result = subprocess.run(["git", "http-backend"], input=body, capture_output=True, env=cgi_env)
        after = repository.git.branches() if pushing else {}
    status, headers, payload = _cgi_answer(result.stdout)
    start_response(status, [*headers, ("Content-Length", str(len(payload)))])
    if pushing:
        _announce(backend, repository, before, after)
    return [payload]


def _cgi_answer(output: bytes) -> tuple[str, list[tuple[str, str]], bytes]:
    """``git http-backend``'s CGI output as an HTTP status, headers and body."""
    head, separator, payload = output.partition(b"\r\n\r\n")
    if not separator:
        head, _, payload = output.partition(b"\n\n")
    status, headers = "200 OK", []
    for line in head.decode(errors="replace").splitlines():
        key, _, value = line.partition(":")
        if key.lower() == "status":
            status = value.strip()
        elif key:
            headers.append((key.strip(), value.strip()))
    return status, headers, payload


def _announce(backend: Any, repository: Any, before: dict[str, str], after: dict[str, str]) -> None:
    """After a push: the first push to an empty repository sets its default branch, and each branch that moved is
    announced like any CodeCommit change."""
    if not before and after:
        first = "master" if "master" in after else sorted(after)[0]
        repository.git.set_default_branch(first)
    repository.touch()
    for branch in sorted(set(before) | set(after)):
        if before.get(branch) != after.get(branch):
            backend.notify(repository, branch, before.get(branch), after.get(branch))
