"""The preflight table of notebook 00: one row per thing that must be right, with the next step
for every row that is not."""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass

import boto3
import pandas as pd
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from . import clients, sandbox
from .errors import WorkshopError
from .regions import REQUIRED_SERVICES, missing_services
from .state import WorkshopState
from .ui_table import StatusTable

OK, WARN, FAIL = "ok", "warn", "fail"
_ICONS = {OK: "✅ ok", WARN: "⚠️ warn", FAIL: "❌ fail"}
MIN_NODE_MAJOR = 18


@dataclass
class Check:
    check: str
    status: str
    detail: str
    next_step: str = ""


def run_checks(state: WorkshopState, session: boto3.Session | None = None) -> list[Check]:
    settings = state.settings
    checks = [
        Check(
            "backend",
            OK,
            settings.backend
            + (" (offline, local)" if settings.backend == "sandbox" else " (real AWS: resources cost money)"),
        )
    ]
    checks.append(_sandbox_check(state))
    checks.append(_identity_check(state, session))
    missing = missing_services(settings.region)
    checks.append(
        Check(
            "region services",
            FAIL if missing else OK,
            f"{settings.region}: " + (f"missing {', '.join(missing)}" if missing else ", ".join(REQUIRED_SERVICES)),
            "Choose another region in the widget above." if missing else "",
        )
    )
    checks.append(_instance_type_check(state, session))
    checks.append(
        Check(
            "approval email",
            OK if settings.approval_email else WARN,
            settings.approval_email or "none: Prod approvals are shown only in the notebooks",
            "" if settings.approval_email else "Optional: set approval_email to get the SNS email.",
        )
    )
    checks += _tool_checks(settings.backend)
    checks.append(Check("state file", OK, str(state.path)))
    return checks


def preflight_table(state: WorkshopState, session: boto3.Session | None = None) -> pd.DataFrame:
    rows = [
        {"check": c.check, "status": _ICONS[c.status], "detail": c.detail, "next step": c.next_step}
        for c in run_checks(state, session)
    ]
    return pd.DataFrame(rows).set_index("check")


def show_preflight(state: WorkshopState, session: boto3.Session | None = None) -> StatusTable:
    """The table, coloured: green rows are ready, red rows say what to do next."""
    table = preflight_table(state, session)
    failures = int(table["status"].str.startswith("❌").sum())
    caption = (
        "All required checks pass: continue with notebook 01."
        if failures == 0
        else f"{failures} check(s) failed: follow the next steps, then re-run this cell."
    )
    return StatusTable(table, caption)


def failed_checks(state: WorkshopState, session: boto3.Session | None = None) -> list[Check]:
    return [c for c in run_checks(state, session) if c.status == FAIL]


def _sandbox_check(state: WorkshopState) -> Check:
    if state.settings.backend != "sandbox":
        return Check("sandbox", OK, "not used with the aws backend")
    status = sandbox.status()
    if not status.running:
        return Check("sandbox", FAIL, "not running", "Run `python -m helpers sandbox start`, then re-run this cell.")
    if state.resources and state.extra.get("sandbox_id") != status.sandbox_id:
        return Check(
            "sandbox",
            WARN,
            f"running at {status.endpoint}, but started empty (--fresh) or replaced since this workshop's "
            "resources were created, so they are gone",
            f"Run `python -m helpers cleanup --prefix {state.settings.prefix}`, then notebook 01 again.",
        )
    return Check("sandbox", OK, f"running at {status.endpoint} (pid {status.pid})")


def _identity_check(state: WorkshopState, session: boto3.Session | None) -> Check:
    try:
        identity = clients.client("sts", state.settings, session).get_caller_identity()
    except NoCredentialsError:
        return Check(
            "identity",
            FAIL,
            "no AWS credentials found",
            "Run `aws configure` (or `aws sso login`), or set AWS_PROFILE / the profile setting.",
        )
    except (ClientError, BotoCoreError, WorkshopError) as error:
        return Check(
            "identity",
            FAIL,
            f"{type(error).__name__}: {error}",
            "Refresh your credentials (expired session?) and re-run this cell.",
        )
    return Check("identity", OK, f"account {identity['Account']}, {identity['Arn']}")


def _instance_type_check(state: WorkshopState, session: boto3.Session | None) -> Check:
    settings = state.settings
    if settings.launch_type != "EC2":
        return Check("instance type", OK, f"not used ({settings.launch_type})")
    try:
        offered = clients.client("ec2", settings, session).describe_instance_type_offerings(
            LocationType="region", Filters=[{"Name": "instance-type", "Values": [settings.instance_type]}]
        )["InstanceTypeOfferings"]
    except (ClientError, BotoCoreError, WorkshopError) as error:
        return Check("instance type", WARN, f"could not check {settings.instance_type}: {error}")
    if offered:
        return Check("instance type", OK, f"{settings.instance_type} is offered in {settings.region}")
    return Check(
        "instance type",
        WARN,
        f"{settings.instance_type} is not offered in {settings.region}",
        "Choose an instance type the region offers, e.g. t3.micro.",
    )


def _tool_checks(backend: str) -> list[Check]:
    checks = [Check("python", OK, sys.version.split()[0])]
    packages = ["boto3", "awscli"] + (["moto"] if backend == "sandbox" else [])
    for package in packages:
        try:
            checks.append(Check(package, OK, importlib.metadata.version(package)))
        except importlib.metadata.PackageNotFoundError:
            checks.append(Check(package, FAIL, "not installed", "Run `make install`."))
    checks.append(_command_check("git", ["git", "--version"], required=True))
    node = _command_check("node", ["node", "--version"], required=backend == "sandbox")
    match = re.search(r"v(\d+)", node.detail)
    if node.status == OK and match and int(match.group(1)) < MIN_NODE_MAJOR:
        node = Check(
            "node", FAIL if backend == "sandbox" else WARN, node.detail, f"Install Node.js {MIN_NODE_MAJOR} or newer."
        )
    checks.append(node)
    return checks


def _command_check(name: str, command: list[str], required: bool) -> Check:
    if shutil.which(command[0]) is None:
        return Check(
            name,
            FAIL if required else WARN,
            "not found on PATH",
            f"Install {name} (see README), then re-run this cell.",
        )
    result = subprocess.run(command, capture_output=True, text=True)
    return Check(name, OK, (result.stdout or result.stderr).strip().splitlines()[0])
