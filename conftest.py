"""Test-session set-up shared by every test.

Every test session gets its own WORKSHOP_HOME and sandbox port, so a learner's own sandbox and state
are never touched. With pytest-xdist (``make test`` and ``make test-fast``) every worker gets its own home, port and
sandbox: tests that change the sandbox's account settings or inject faults then disturb only the tests
that run after them on the same worker, one at a time, and those tests put the settings back.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile

import pytest

# How the workers get the tests: a file (or a group of files sharing a workshop) at a time, longest first
# (tests/file_order.py); the workshops that several files share, one per worker (tests/shared_workshops.py).
pytest_plugins = ["tests.file_order", "tests.shared_workshops"]

# jsonschema (under nbformat) checks IRI formats with rfc3987_syntax when it is installed, which compiles
# a grammar on import: a second of CPU in every test process, for a format no notebook schema uses.
# The sandbox does the same (localaws/serve.py).
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _is_xdist_controller(config: pytest.Config) -> bool:
    return not _is_xdist_worker(config) and bool(getattr(config.option, "numprocesses", None))


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("WORKSHOP_TEST_KEEP_ENV") != "1":
        os.environ["WORKSHOP_HOME"] = tempfile.mkdtemp(prefix="workshop-test-")
        os.environ["WORKSHOP_SANDBOX_PORT"] = str(_free_port())
    # The emulator's own tests reach it through localaws.api, whose default home is LOCALAWS_HOME.
    os.environ["LOCALAWS_HOME"] = os.path.join(os.environ.get("WORKSHOP_HOME", ".workshop"), "sandbox")
    for variable in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        os.environ.pop(variable, None)


def pytest_sessionstart(session: pytest.Session) -> None:
    if _is_xdist_controller(session.config):
        return  # the workers run the tests, each with its own sandbox
    from helpers.core import sandbox

    sandbox.start()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _is_xdist_controller(session.config):
        return
    from helpers.core import sandbox

    sandbox.stop()
