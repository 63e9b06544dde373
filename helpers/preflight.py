"""The preflight table of notebook 00: one row per thing that must be right, with the next step
for every row that is not.

On AWS it also asks the account what a new account often lacks: the region enabled (opt-in
regions), the instance type offered, and enough CodeBuild concurrency for the first pipeline runs.
A failed required check stops the run, attended or not: JupyterLab shows the red table with one line under it,
and an unattended run (papermill, nbclient, ``make workshop``) fails with that line, which names each red check and
the setting that fixes it. An instructor who wants a report of every participant's preflight, not a stop, passes
``stop_at_red=False`` (notebook 00's ``stop_at_red_preflight`` parameter).
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import re
import shutil
import subprocess
import sys
from typing import Any

import boto3
import pandas as pd
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
from IPython.display import display

from .core import clients, links, sandbox
from .core.aws_errors import error_code
from .core.checks import FAIL, OK, WARN, Check
from .core.errors import WorkshopError
from .core.regions import REQUIRED_SERVICES, home_region, missing_services
from .core.settings import WorkshopSettings
from .core.state import WorkshopState
from .permissions import permissions_check
from .resources.clusters import DEFAULT_INSTANCE_TYPES, offered_instance_types
from .views.table import StatusTable

_ICONS = {OK: "✅ ok", WARN: "⚠️ warn", FAIL: "❌ fail"}
MIN_NODE_MAJOR = 18
#: Service Quotas' "Concurrently running builds for Linux/Small environment" (the projects' compute type).
CODEBUILD_CONCURRENCY_QUOTA = ("codebuild", "L-9D07B6EF")
#: Builds that run at once per participant: the first runs of Dev and QA (Prod waits for approval).
BUILDS_AT_ONCE = 2
_AWS_ERRORS = (ClientError, BotoCoreError, WorkshopError)


class PreflightFailed(WorkshopError):
    """A required preflight check failed; the message names each red check and the setting that fixes it."""


def run_checks(state: WorkshopState, session: boto3.Session | None = None) -> list[Check]:
    """Every check in the table's order; nothing is created, and a red check does not raise (``show_preflight``
    decides whether to stop). The permissions row is there only when the identity check passed."""
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
    identity = _identity_check(state, session)
    checks.append(identity)
    if identity.status == OK:  # without an identity the simulator cannot be asked; the identity row says why
        checks.append(permissions_check(state, session))
    checks.append(_region_enabled_check(settings, session, identity))
    missing = missing_services(settings.region)
    checks.append(
        Check(
            "region services",
            FAIL if missing else OK,
            f"{settings.region}: " + (f"missing {', '.join(missing)}" if missing else ", ".join(REQUIRED_SERVICES)),
            "Choose another region in the widget above." if missing else "",
            "region",
        )
    )
    checks.append(_instance_type_check(settings, session, identity))
    checks.append(_build_concurrency_check(settings, session, identity))
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


def _table(checks: list[Check]) -> pd.DataFrame:
    rows = [
        {"check": c.check, "status": _ICONS[c.status], "detail": c.detail, "next step": c.next_step} for c in checks
    ]
    return pd.DataFrame(rows).set_index("check")


def show_preflight(state: WorkshopState, session: boto3.Session | None = None, stop_at_red: bool = True) -> StatusTable:
    """Check everything that must be right before notebook 01 creates anything, in one table.

    One row per check: the backend; the sandbox running (sandbox backend); your identity and the
    account; the permissions the workshop needs (asked of IAM's policy simulator); the region enabled
    and offering every service the pipeline uses; the EC2 instance type offered (EC2 launch type);
    enough CodeBuild concurrency for the first runs; the approval email; the Python packages, git and
    Node.js; and where the state file is. Nothing is created. Fix a red row as its next step says,
    then re-run the cell.

    Parameters
    ----------
    state
        The saved workshop (``setup.load()``).
    session
        A boto3 session to use on the ``aws`` backend instead of the saved profile (ignored on the
        sandbox).
    stop_at_red
        With a red row, show the table and raise ``PreflightFailed`` (one line under the table in
        JupyterLab; the error of an unattended papermill or nbclient run, which must not pass on a red
        preflight). ``False`` only reports: for an instructor who wants every row, not a stop.

    Returns
    -------
    StatusTable
        The checks, coloured: green ready, amber worth a look, red must be fixed, each with its detail
        and next step; the caption says whether you can go on to notebook 01.
    """
    checks = run_checks(state, session)
    failed = [c for c in checks if c.status == FAIL]
    caption = (
        "All required checks pass: continue with notebook 01."
        if not failed
        else f"{len(failed)} check(s) failed: follow the next steps, then re-run this cell."
    )
    result = StatusTable(_table(checks), caption)
    if failed and stop_at_red:
        display(result)
        raise PreflightFailed(failure_message(failed))
    return result


def failure_message(failed: list[Check]) -> str:
    """One line: each red check with what is wrong and the setting that fixes it."""
    parts = [f"{c.check} ({c.detail}" + (f"; set {c.setting}" if c.setting else "") + ")" for c in failed]
    return f"Preflight failed: {'; '.join(parts)}. Follow the next steps in the table above, then run again."


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
            f"running at {links.endpoint_text(status.endpoint)}, but started empty (--fresh) or replaced since "
            "this workshop's resources were created, so they are gone",
            f"Run `python -m helpers cleanup --prefix {state.settings.prefix}`, then notebook 01 again.",
        )
    return Check(
        "sandbox",
        OK,
        f"running at {links.endpoint_text(status.endpoint)} (pid {status.pid}); containers: {_containers(status)}",
    )


def _containers(status: Any) -> str:
    """``docker`` (images built and run by the Docker engine) or ``process`` (the stand-ins), as the sandbox chose."""
    if status.containers != "docker":
        return "process (no Docker engine: RUN steps are not executed, tasks run as local processes)"
    base = status.base_image or {}
    stand_in = " (an offline stand-in)" if base.get("stand_in") else ""
    return f"docker (base image {base.get('image')}{stand_in})"


def _identity_check(state: WorkshopState, session: boto3.Session | None) -> Check:
    try:
        identity = clients.client("sts", state.settings, session).get_caller_identity()
    except NoCredentialsError:
        clients.reset()  # so that the credentials fixed next are read when this cell runs again
        return Check(
            "identity",
            FAIL,
            "no AWS credentials found",
            "Run `aws configure` (or `aws sso login`), or set AWS_PROFILE / the profile setting.",
            "profile",
        )
    except _AWS_ERRORS as error:
        clients.reset()
        return Check(
            "identity",
            FAIL,
            f"{type(error).__name__}: {error}",
            "Refresh your credentials (expired session?) and re-run this cell; if the region row is red, "
            "enable the region first.",
        )
    return Check("identity", OK, f"account {identity['Account']}, {identity['Arn']}")


def _region_enabled_check(settings: WorkshopSettings, session: boto3.Session | None, identity: Check) -> Check:
    """Opt-in regions (af-south-1, me-south-1, ...) work only after the account enables them. Asked
    in the partition's home region, which is always enabled."""
    if identity.status != OK and settings.backend == "aws":
        return Check("region enabled", WARN, "not checked: the identity check failed")
    home = dataclasses.replace(settings, region=home_region(settings.region))
    try:
        regions = clients.client("ec2", home, session).describe_regions(AllRegions=True, RegionNames=[settings.region])[
            "Regions"
        ]
    except _AWS_ERRORS as error:
        return Check("region enabled", WARN, f"could not check {settings.region}: {_short(error)}")
    status = regions[0].get("OptInStatus", "") if regions else "unknown"
    if status in ("opt-in-not-required", "opted-in"):
        return Check("region enabled", OK, f"{settings.region}: {status}")
    return Check(
        "region enabled",
        FAIL,
        f"{settings.region}: {status or 'unknown'}; the account has not enabled this opt-in region",
        "Enable it (AWS console → your account → AWS Regions → Enable; takes a few minutes), "
        "or choose another region above.",
        "region",
    )


def _instance_type_check(settings: WorkshopSettings, session: boto3.Session | None, identity: Check) -> Check:
    """An instance type the region does not offer is a FAIL: the Auto Scaling group would never launch
    one, and the services would time out twenty minutes later."""
    if settings.launch_type != "EC2":
        return Check("instance type", OK, f"not used ({settings.launch_type})")
    candidates = (settings.instance_type,) if settings.instance_type else DEFAULT_INSTANCE_TYPES
    wanted = " or ".join(candidates)
    if identity.status != OK:
        return Check("instance type", WARN, f"{wanted}: not checked, the identity check failed")
    try:
        offered = offered_instance_types(clients.client("ec2", settings, session), candidates)
    except _AWS_ERRORS as error:
        return Check("instance type", WARN, f"could not check {wanted}: {_short(error)}")
    if offered:
        how = "chosen" if settings.instance_type else f"first offered of {', '.join(DEFAULT_INSTANCE_TYPES)}"
        return Check("instance type", OK, f"{offered[0]} ({how}) is offered in {settings.region}")
    return Check(
        "instance type",
        FAIL,
        f"{wanted} not offered in {settings.region}",
        "Choose an instance type the region offers (e.g. t3.micro) in the parameters above, or another region.",
        "instance_type",
    )


def _build_concurrency_check(settings: WorkshopSettings, session: boto3.Session | None, identity: Check) -> Check:
    """New and shared accounts often allow 0 or 1 concurrent builds, and each participant's first Dev
    and QA runs start two at once. The pipeline watch retries a build refused by this quota, but
    with 0 nothing can build, and with N participants N x 2 builds compete."""
    name = "CodeBuild concurrency"
    if identity.status != OK:
        return Check(name, WARN, "not checked: the identity check failed")
    service_code, quota_code = CODEBUILD_CONCURRENCY_QUOTA
    quotas = clients.client("service-quotas", settings, session)
    try:
        try:
            value = quotas.get_service_quota(ServiceCode=service_code, QuotaCode=quota_code)["Quota"].get("Value")
        except quotas.exceptions.NoSuchResourceException:  # no applied value: the default applies
            answer = quotas.get_aws_default_service_quota(ServiceCode=service_code, QuotaCode=quota_code)
            value = answer["Quota"].get("Value")
    except _AWS_ERRORS as error:
        return Check(
            name,
            WARN,
            f"could not read the quota ({_short(error)})",
            "Check Service Quotas → AWS CodeBuild → Concurrently running builds for Linux/Small environment.",
        )
    builds = int(value or 0)
    detail = f"{builds} concurrent Linux/Small builds allowed; your first pipeline runs need {BUILDS_AT_ONCE}"
    if settings.backend == "sandbox":  # nobody to ask: the sandbox plays a new account on purpose
        increase = (
            "Nothing to do: the sandbox plays a new account, so the second build waits and runs take a little "
            "longer. An instructor's `make hub` gives a classroom two builds per participant."
        )
    else:
        increase = (
            "Request an increase in Service Quotas (AWS CodeBuild → Concurrently running builds for Linux/Small "
            "environment): at least 2 for you, 2 per participant for an event, a few days ahead."
        )
    if builds == 0:
        return Check(name, FAIL, detail, increase)
    if builds < BUILDS_AT_ONCE:
        return Check(name, WARN, detail + " (refused builds are retried, so runs take longer)", increase)
    return Check(name, OK, detail)


def _short(error: BaseException) -> str:
    if isinstance(error, ClientError):
        return error_code(error)
    return f"{type(error).__name__}: {error}"


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
