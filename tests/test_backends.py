"""The client factory and the sandbox process."""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading

import pytest

from helpers.core import clients
from helpers.core import sandbox as process
from helpers.core.errors import SandboxError
from helpers.core.settings import WorkshopSettings
from tests.helpers_for_tests import signed_access_key


def test_sandbox_clients_never_carry_real_credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALREALREAL")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret")
    settings = WorkshopSettings.build(region="eu-west-1")
    sts = clients.client("sts", settings)
    assert signed_access_key(sts) == "testing"
    assert sts.meta.endpoint_url == process.endpoint()
    assert sts.get_caller_identity()["Account"] == "123456789012"


def test_clients_use_standard_retries_and_the_kit_user_agent():
    sts = clients.client("sts", WorkshopSettings.build())
    assert sts.meta.config.retries["mode"] == "standard"
    assert "ecs-cd-workshop/" in sts.meta.config.user_agent_extra


def test_threads_that_first_use_a_new_client_at_once_see_one_class_per_modeled_exception():
    """Notebook 01 creates roles from several threads with one IAM client; each ``except
    iam.exceptions.NoSuchEntityException`` must catch what another thread's call raised. botocore loads a client's
    exceptions at first use, and threads arriving at once each loaded their own classes (seen once in make test; here
    every time, with the interpreter switching threads as often as it can)."""
    switching = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(10):
            clients.reset()
            iam = clients.client("iam", WorkshopSettings.build())
            start, seen = threading.Barrier(6), []

            def look(client=iam, start=start, seen=seen) -> None:
                start.wait()
                seen.append(client.exceptions.NoSuchEntityException)

            threads = [threading.Thread(target=look) for _ in range(6)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert set(seen) == {iam.exceptions.NoSuchEntityException}
    finally:
        sys.setswitchinterval(switching)


def test_aws_backend_with_a_missing_profile_is_a_clear_error():
    from helpers.core.errors import CredentialsError

    with pytest.raises(CredentialsError) as excinfo:
        clients.client("sts", WorkshopSettings.build(backend="aws", profile="no-such-profile-xyz"))
    assert "aws configure list-profiles" in str(excinfo.value)


def test_status_json_from_the_command_line():
    result = subprocess.run(
        [sys.executable, "-m", "helpers", "sandbox", "status", "--json"], capture_output=True, text=True, check=True
    )
    status = json.loads(result.stdout)
    assert status["running"] is True
    assert status["endpoint"] == process.endpoint()


def test_start_is_idempotent_and_detached():
    first = process.status()
    again = process.start()
    assert again.pid == first.pid and again.sandbox_id == first.sandbox_id
    assert os.getsid(first.pid) == first.pid  # its own session: a kernel restart does not kill it


def test_port_taken_by_another_program(tmp_path, monkeypatch):
    """Another web server (it answers, but not as a sandbox) holds the port: a clear error, at once."""
    squatter = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=squatter.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("WORKSHOP_HOME", str(tmp_path))
        monkeypatch.setenv("WORKSHOP_SANDBOX_PORT", str(squatter.server_address[1]))
        with pytest.raises(SandboxError) as excinfo:
            process.start()
    finally:
        squatter.shutdown()
        squatter.server_close()
    assert "WORKSHOP_SANDBOX_PORT" in str(excinfo.value)


def test_endpoint_when_not_running_says_how_to_start(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_HOME", str(tmp_path))
    assert process.status().running is False
    with pytest.raises(SandboxError) as excinfo:
        process.endpoint()
    assert "python -m helpers sandbox start" in str(excinfo.value)


def test_bad_port_setting(monkeypatch):
    monkeypatch.setenv("WORKSHOP_SANDBOX_PORT", "http")
    with pytest.raises(SandboxError):
        process.configured_port()


def test_stop_and_start_in_a_separate_home(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_HOME", str(tmp_path))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("WORKSHOP_SANDBOX_PORT", str(port))
    started = process.start()
    try:
        assert started.running and started.port == port
    finally:
        process.stop()
    assert process.status().running is False
    with pytest.raises(ProcessLookupError):
        os.kill(started.pid, 0)
