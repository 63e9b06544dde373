"""`tools/docker-engine`, which `make test` runs before its Docker-mode session, against stand-in `docker` and
`dockerd` programs (the real engine is left alone: the rest of the suite may be using it).

Stop 30's CI run failed here: the machine came back from a disk where dockerd had run, `/var/run/docker.pid` named a
pid that another process had by then, and dockerd refused to start ("pid file found") while the script waited 30 s
without saying why. These tests give the stand-in dockerd that same refusal."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tools" / "docker-engine"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the script starts dockerd only as root")

# `docker info` answers once the stand-in engine has said it is up.
FAKE_DOCKER = """#!/bin/sh
[ "$1" = info ] && [ -e "$STATE/answering" ]
"""
# dockerd as it behaves: it refuses to start when its pid file names a living process; else it is up.
FAKE_DOCKERD = """#!/bin/bash
pidfile=/var/run/docker.pid
flags=()
while [ $# -gt 0 ]; do
  if [ "$1" = --pidfile ]; then pidfile=$2; shift; else flags+=("$1"); fi; shift
done
echo "${flags[*]}" >> "$STATE/starts"
if [ -e "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  echo "failed to start daemon: pid file found, ensure docker is not running or delete $pidfile"; exit 1
fi
[ -n "$REFUSE" ] && { echo "failed to start daemon: $REFUSE"; exit 1; }
echo $$ > "$pidfile"; touch "$STATE/answering"; exec "$STATE/up/dockerd" 60  # sleep, named dockerd
"""


def _run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, text in {"docker": FAKE_DOCKER, "dockerd": FAKE_DOCKERD}.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    for name in ("mmdebstrap", "docker-registry"):
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)
    (tmp_path / "up").mkdir(exist_ok=True)
    if not (tmp_path / "up" / "dockerd").exists():
        (tmp_path / "up" / "dockerd").symlink_to(shutil.which("sleep") or "/bin/sleep")
    environ = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"}
    environ |= {
        "PATH": f"{bin_dir}:{environ['PATH']}",
        "STATE": str(tmp_path),
        "DOCKERD_RUN_DIR": str(tmp_path),
        "DOCKERD_LOG": str(tmp_path / "dockerd.log"),
        "DOCKERD_WAIT_SECONDS": "3",
        **env,
    }
    return subprocess.run([str(SCRIPT)], env=environ, capture_output=True, text=True, timeout=60)


def _stop_stand_in(tmp_path: Path) -> None:
    pid_file = tmp_path / "docker.pid"
    pid = pid_file.read_text().strip() if pid_file.exists() else ""
    if pid and Path(f"/proc/{pid}/comm").read_text().strip() == "dockerd":
        os.kill(int(pid), signal.SIGTERM)


def test_a_dead_dockerds_pid_file_now_naming_another_process_is_cleared_and_dockerd_starts(tmp_path: Path) -> None:
    other = subprocess.Popen(["sleep", "60"])  # a living process that is not dockerd
    (tmp_path / "docker.pid").write_text(str(other.pid))
    try:
        result = _run(tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "starting dockerd" in result.stdout
        assert (tmp_path / "starts").read_text().count("\n") == 1, "started once, without the fallbacks"
        assert (tmp_path / "docker.pid").read_text().strip() != str(other.pid)
    finally:
        _stop_stand_in(tmp_path)
        other.kill()
        other.wait()


def test_a_running_dockerds_pid_file_is_left_alone(tmp_path: Path) -> None:
    first = _run(tmp_path)
    try:
        assert first.returncode == 0, first.stdout
        (tmp_path / "answering").unlink()  # up, but not answering yet: the script must not take its files away
        pid = (tmp_path / "docker.pid").read_text()
        second = _run(tmp_path)
        assert (tmp_path / "docker.pid").exists() and (tmp_path / "docker.pid").read_text() == pid
        assert "pid file found" in second.stdout, "the second dockerd met the first one's pid file"
    finally:
        _stop_stand_in(tmp_path)


def test_a_dockerd_that_cannot_start_is_retried_without_iptables_then_overlay_and_its_reason_is_printed(
    tmp_path: Path,
) -> None:
    result = _run(tmp_path, REFUSE="Error initializing network controller: iptables failed")
    assert result.returncode == 1
    assert result.stdout.count("iptables failed") == 3, result.stdout
    starts = (tmp_path / "starts").read_text().splitlines()
    assert starts == [
        "",
        "--iptables=false --ip6tables=false",
        "--iptables=false --ip6tables=false --storage-driver=vfs",
    ]
    assert "No Docker engine could be started on this machine" in result.stdout
