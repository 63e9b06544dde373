"""Run a buildspec the way CodeBuild does: phases install, pre_build, build, post_build in bash, the
documented CODEBUILD_* variables, variables kept from one command and phase to the next, a failing
command failing its phase, and artifacts zipped from the buildspec's ``artifacts`` section.

Each phase is one bash process; ``set -a`` exports every variable a command sets, and the phase
hands its environment to the next one (as CodeBuild's single shell does).
"""

from __future__ import annotations

import io
import os
import shlex
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PHASES = ("install", "pre_build", "build", "post_build")
_WRAPPERS = {
    "docker": f'exec "{sys.executable}" -m localaws.buildtools.docker "$@"\n',
    "aws": f'exec "{sys.executable}" -m awscli "$@"\n',
}


class BuildspecError(Exception):
    """The buildspec cannot be read (CodeBuild fails the build in DOWNLOAD_SOURCE)."""


@dataclass
class PhaseResult:
    name: str
    status: str  # SUCCEEDED | FAILED | TIMED_OUT | STOPPED
    started: float
    ended: float
    message: str = ""


@dataclass
class BuildOutcome:
    phases: list[PhaseResult] = field(default_factory=list)
    artifact: bytes | None = None
    succeeded: bool = True


def load_buildspec(text: str) -> dict[str, Any]:
    """The buildspec as a dict; BuildspecError with CodeBuild's ``YAML_FILE_ERROR`` when it is not YAML, has neither
    ``phases`` nor ``artifacts``, or has a version other than 0.1 and 0.2 (the build then fails in DOWNLOAD_SOURCE)."""
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise BuildspecError(f"YAML_FILE_ERROR: {error}") from None
    if not isinstance(spec, dict) or ("phases" not in spec and "artifacts" not in spec):
        raise BuildspecError("YAML_FILE_ERROR: the buildspec has no phases")
    if str(spec.get("version")) not in ("0.1", "0.2"):
        raise BuildspecError(f"YAML_FILE_ERROR: invalid buildspec version {spec.get('version')!r}; use 0.2")
    return spec


def tool_directory(root: Path) -> Path:
    """Executables the build finds first on PATH: ``docker`` and ``aws`` aimed at the sandbox."""
    path = root / "bin"
    path.mkdir(parents=True, exist_ok=True)
    for name, body in _WRAPPERS.items():
        script = path / name
        if not script.exists() or script.read_text() != "#!/bin/sh\n" + body:
            script.write_text("#!/bin/sh\n" + body)
            script.chmod(0o755)
    return path


class BuildspecRunner:
    def __init__(
        self,
        spec: dict[str, Any],
        source_dir: Path,
        work_dir: Path,
        environment: dict[str, str],
        log: Callable[[str], None],
        timeout_seconds: float,
        should_stop: Callable[[], bool],
    ) -> None:
        self.spec = spec
        self.source_dir = source_dir
        self.work_dir = work_dir
        self.environment = dict(environment)
        self.log = log
        self.deadline = time.monotonic() + timeout_seconds
        self.should_stop = should_stop
        variables = (spec.get("env") or {}).get("variables") or {}
        self.environment.update({str(k): str(v) for k, v in variables.items()})
        self.shell = (spec.get("env") or {}).get("shell", "bash")

    def run_phases(self, on_phase: Callable[[PhaseResult], None], on_start: Callable[[str], None]) -> bool:
        """Run the four phases with CodeBuild's transitions; True when every one that ran succeeded.

        CodeBuild user guide, "Build phase transitions" and the buildspec's ``on-failure``: a failed INSTALL or
        PRE_BUILD skips to FINALIZING, a failed BUILD still runs POST_BUILD; ``on-failure: ABORT`` skips every
        later phase, ``on-failure: CONTINUE`` runs the next phases as if nothing failed (the build still fails).
        A build that was stopped or timed out runs nothing more."""
        phases = self.spec.get("phases") or {}
        env_file = self.work_dir / "env.sh"
        env_file.write_text("")
        failed: str | None = None
        carry_on = True  # the next phase runs
        for name in PHASES:
            if not carry_on:
                break
            phase = phases.get(name) or {}
            on_start(name.upper())
            started = time.monotonic()
            status, message = self._run_phase(name, phase, env_file)
            on_phase(PhaseResult(name.upper(), status, started, time.monotonic(), message))
            if status == "SUCCEEDED":
                continue
            failed = failed or name
            self.environment["CODEBUILD_BUILD_SUCCEEDING"] = "0"
            choice = str(phase.get("on-failure") or "").upper()
            if status in ("TIMED_OUT", "STOPPED") or choice == "ABORT":
                carry_on = False
            elif choice != "CONTINUE":
                carry_on = name == "build"  # only POST_BUILD follows a failed BUILD
        return failed is None

    def _run_phase(self, name: str, phase: dict[str, Any], env_file: Path) -> tuple[str, str]:
        commands = [str(c) for c in phase.get("commands") or []]
        runtimes = phase.get("runtime-versions") or {}
        for runtime, version in runtimes.items():
            self.log(f"[Container] Selecting '{runtime}' runtime version '{version}' based on manual selections...")
        if not commands:
            return "SUCCEEDED", ""
        finally_commands = [str(c) for c in phase.get("finally") or []]
        script = self._script(name, commands, finally_commands, env_file)
        self.log(f"[Container] Entering phase {name.upper()}")
        environment = {
            **self.environment,
            "CODEBUILD_BUILD_SUCCEEDING": self.environment.get("CODEBUILD_BUILD_SUCCEEDING", "1"),
        }
        process = subprocess.Popen(
            [self.shell if self.shell in ("bash", "sh") else "bash", "-c", script],
            cwd=self.source_dir,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        assert process.stdout is not None
        ended = threading.Event()

        def watchdog() -> None:  # stop or time out even when the command prints nothing
            while not ended.wait(0.1):
                if self.should_stop() or time.monotonic() > self.deadline:
                    try:
                        os.killpg(process.pid, 9)
                    except ProcessLookupError:
                        pass
                    return

        threading.Thread(target=watchdog, daemon=True).start()
        for raw in process.stdout:
            self.log(raw.decode(errors="replace").rstrip("\n"))
        ended.set()
        timed_out = time.monotonic() > self.deadline
        stopped = self.should_stop()
        code = process.wait()
        if stopped:
            return "STOPPED", "Build was stopped"
        if timed_out:
            return "TIMED_OUT", "Build has timed out"
        if code != 0:
            failed = (
                (self.work_dir / "failed-command").read_text() if (self.work_dir / "failed-command").exists() else ""
            )
            message = f"Error while executing command: {failed}. Reason: exit status {code}"
            self.log(f"[Container] Phase complete: {name.upper()} State: FAILED")
            self.log(f"[Container] Phase context status code: COMMAND_EXECUTION_ERROR Message: {message}")
            return "FAILED", message
        self.log(f"[Container] Phase complete: {name.upper()} State: SUCCEEDED")
        return "SUCCEEDED", ""

    def _script(self, name: str, commands: list[str], finally_commands: list[str], env_file: Path) -> str:
        """One bash script for the phase. ``finally`` runs from an EXIT trap, so it runs after the commands even
        when one of them fails or calls ``exit`` (buildspec reference, ``finally``); the trap then keeps the
        environment for the next phase and exits with the phase's status."""
        failed = self.work_dir / "failed-command"
        quoted_failed = shlex.quote(str(failed))
        lines = [
            "set -a",
            f"[ -s {shlex.quote(str(env_file))} ] && . {shlex.quote(str(env_file))} 2>/dev/null",
            f"CODEBUILD_BUILD_SUCCEEDING={self.environment.get('CODEBUILD_BUILD_SUCCEEDING', '1')}",
            'cd "${__WORKSHOP_PWD:-$CODEBUILD_SRC_DIR}" 2>/dev/null || cd "$CODEBUILD_SRC_DIR"',
            f"rm -f {quoted_failed}",
            f'__workshop_save() {{ __WORKSHOP_PWD="$PWD"; export -p > {shlex.quote(str(env_file))}; }}',
            "__workshop_finally() {",
            "  __workshop_rc=$?; trap - EXIT",
            f"  if [ $__workshop_rc -ne 0 ] && [ ! -s {quoted_failed} ]; then",
            f'    printf "%s" "$__workshop_cmd" > {quoted_failed}',
            "  fi",
            *[f"  {c}" for c in finally_commands],
            "  __workshop_save; exit $__workshop_rc",
            "}",
            "trap __workshop_finally EXIT",
        ]
        for command in commands:
            lines += [
                f"echo {shlex.quote('[Container] Running command ' + command)}",
                f"__workshop_cmd={shlex.quote(command)}",
                command,
                "__workshop_rc=$?",
                "if [ $__workshop_rc -ne 0 ]; then exit $__workshop_rc; fi",
            ]
        lines += ["exit 0"]
        return "\n".join(lines) + "\n"

    def collect_artifacts(self) -> bytes | None:
        """The zip of the files the buildspec's ``artifacts`` section names, or None if it has none."""
        artifacts = self.spec.get("artifacts")
        if not artifacts:
            return None
        base = self.source_dir / str(artifacts.get("base-directory", "")).strip("/")
        discard = str(artifacts.get("discard-paths", "no")).lower() in ("yes", "true")
        matched: dict[str, Path] = {}
        for pattern in artifacts.get("files") or []:
            pattern = str(pattern).strip().lstrip("./") or "**/*"
            for path in sorted(base.glob(pattern)) if any(c in pattern for c in "*?[") else [base / pattern]:
                if path.is_file():
                    name = path.name if discard else path.relative_to(base).as_posix()
                    matched[name] = path
        if not matched:
            raise BuildspecError("CLIENT_ERROR: no matching artifact paths found")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, path in matched.items():
                info = zipfile.ZipInfo.from_file(path, name)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
        return buffer.getvalue()
