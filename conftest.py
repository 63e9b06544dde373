"""Test-session set-up shared by tests/ and the nbval run over notebooks/.

Every test session gets its own WORKSHOP_HOME and sandbox port, so a learner's own sandbox and state
are never touched. The environment is set in pytest_configure, before nbval starts any kernel.
"""

from __future__ import annotations

import os
import socket
import tempfile

import pytest


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("WORKSHOP_TEST_KEEP_ENV") != "1":
        os.environ["WORKSHOP_HOME"] = tempfile.mkdtemp(prefix="workshop-test-")
        os.environ["WORKSHOP_SANDBOX_PORT"] = str(_free_port())
    # The emulator's own tests reach it through localaws.api, whose default home is LOCALAWS_HOME.
    os.environ["LOCALAWS_HOME"] = os.path.join(os.environ.get("WORKSHOP_HOME", ".workshop"), "sandbox")
    for variable in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        os.environ.pop(variable, None)


def pytest_sessionstart(session: pytest.Session) -> None:
    from helpers import sandbox as process

    process.start()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from helpers import sandbox as process

    process.stop()
