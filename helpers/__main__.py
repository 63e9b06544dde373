"""Command line: ``python -m helpers sandbox start|stop|status [--json]`` (``start --fresh`` starts empty),
``python -m helpers sandbox fault add SERVICE OPERATION ERROR_CODE [--times N] | list [--json] | clear``,
``python -m helpers status --prefix P [--json]`` and ``python -m helpers cleanup --prefix P [--json]``
(exit status 0 only when the cleanup report is ok: nothing failed, nothing left, every service answered),
and ``python -m helpers event plan|start|status|cleanup`` (an instructor's event, see helpers/event)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .core import sandbox
from .core.errors import WorkshopError
from .event import cli as event_cli


def _sandbox(args: argparse.Namespace) -> int:
    fresh = getattr(args, "fresh", False)  # only `sandbox start` has --fresh
    action = {"start": sandbox.start, "stop": sandbox.stop, "status": sandbox.status}[args.action]
    if fresh:
        _say_what_a_fresh_start_discards()
        result = sandbox.start(fresh=True)
    else:
        result = action()
    if args.json:
        print(json.dumps(result.to_dict()))
    elif result.running:
        print(
            f"sandbox running at {result.endpoint} (pid {result.pid}; containers: {result.containers}); "
            f"log: {result.log_file}"
        )
        base = result.base_image or {}
        if base:  # Docker mode: the base image the kit's Dockerfile names, and what making it present took
            built = f", its stand-in built in {base['built_seconds']} s" if base.get("built_seconds") else ""
            print(f"base image {base.get('image')}: {base.get('source')} ({base.get('seconds')} s{built})")
    else:
        print("sandbox stopped" if args.action == "stop" else "sandbox not running")
    return 0


def _fault(args: argparse.Namespace) -> int:
    if args.fault_action == "add":
        fault = sandbox.add_fault(args.service, args.operation, args.error_code, args.times)
        lasting = "until cleared" if fault["times"] is None else f"{fault['times']} time(s)"
        print(
            f"fault {fault['id']}: {fault['service']} {fault['operation']} answers {fault['error_code']} "
            f"(HTTP {fault['http_status']}) {lasting}"
        )
    elif args.fault_action == "list":
        faults = sandbox.list_faults()
        if args.json:
            print(json.dumps(faults))
        for fault in [] if args.json else faults:
            remaining = "until cleared" if fault["remaining"] is None else f"{fault['remaining']} more time(s)"
            print(
                f"{fault['id']}  {fault['service']} {fault['operation']} -> {fault['error_code']} "
                f"(HTTP {fault['http_status']}), fired {fault['fired']}, {remaining}"
            )
        if not faults and not args.json:
            print("no faults injected")
    else:
        print(f"cleared {sandbox.clear_faults()} fault(s)")
    return 0


def _add_sandbox_parser(commands: Any) -> None:
    sandbox_parser = commands.add_parser("sandbox", help="start, stop or inspect the offline AWS sandbox")
    actions = sandbox_parser.add_subparsers(dest="action", required=True)
    helps = {"start": "start the sandbox", "stop": "stop the sandbox", "status": "whether the sandbox runs"}
    for action, text in helps.items():
        action_parser = actions.add_parser(action, help=text)
        action_parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
        if action == "start":
            action_parser.add_argument(
                "--fresh", action="store_true", help="start empty: discard the saved state (says what it discards)"
            )
        action_parser.set_defaults(func=_sandbox)
    fault_parser = actions.add_parser("fault", help="make sandbox API operations answer errors (tests, drills)")
    fault_actions = fault_parser.add_subparsers(dest="fault_action", required=True)
    add = fault_actions.add_parser("add", help="inject a fault")
    add.add_argument("service", help="boto3's service name, e.g. ecs, elbv2, s3, codepipeline")
    add.add_argument("operation", help="the API operation, e.g. DescribeServices, or * for all")
    add.add_argument("error_code", help="e.g. ThrottlingException, AccessDeniedException, InternalFailure")
    add.add_argument("--times", type=int, help="fire this many times, then stop (default: until cleared)")
    listing = fault_actions.add_parser("list", help="the faults in force")
    listing.add_argument("--json", action="store_true", help="print machine-readable JSON")
    fault_actions.add_parser("clear", help="remove every fault")
    fault_parser.set_defaults(func=_fault)


def _say_what_a_fresh_start_discards() -> None:
    counts = sandbox.saved_resources()
    if not counts:
        print("The sandbox has no saved state: starting it empty.")
        return
    print("Starting the sandbox empty. This discards its saved state:")
    for kind, count in counts.items():
        print(f"  {count:4d} {kind}")
    print(
        "Workshops whose state file lists these resources will say so: re-run notebooks 01-03, "
        "or run `python -m helpers cleanup` to forget them."
    )


def _status(args: argparse.Namespace) -> int:
    from .inventory import environments_frame, resources_frame, status_document
    from .resources.presence import gone_message
    from .setup import open_workshop

    workshop = open_workshop(args.prefix, expect_resources=False)
    if args.json:
        print(json.dumps(status_document(workshop), indent=2, default=str))
        return 0
    resources = resources_frame(workshop, check_exists=True)
    print(resources.to_string(index=False))
    print()
    print(environments_frame(workshop).to_string())
    missing = int((resources["exists"] == "NO").sum())
    if missing:
        print()
        print(gone_message(workshop, [f"{missing} of the {len(resources)} recorded resources"]))
    return 0


def _cleanup(args: argparse.Namespace) -> int:
    from .cleanup import cleanup
    from .setup import open_workshop

    report = cleanup(open_workshop(args.prefix, expect_resources=False), progress=not args.json)
    print(json.dumps(report.to_dict(), indent=2) if args.json else repr(report))
    return 0 if report.ok else 1


def _workshop(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .runner import run_workshop

    parameters = {
        "prefix": args.prefix,
        "launch_type": args.launch_type,
        "region": args.region,
        "backend": args.backend,
        "auto_approve": True,
    }
    from papermill.exceptions import PapermillExecutionError

    try:
        timings = run_workshop(Path(args.output), {k: v for k, v in parameters.items() if v is not None})
    except PapermillExecutionError as error:  # the notebook's own one-line error, e.g. a red preflight in 00
        print(f"error: a notebook stopped (its executed copy is in {args.output}/): {error.ename}: {error.evalue}",
              file=sys.stderr)  # fmt: skip
        return 1
    print(f"workshop done in {sum(timings.values()):.1f} s; executed notebooks in {args.output}/")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m helpers``: the sandbox, status, cleanup, workshop and event commands; the exit code to pass to
    ``sys.exit``. A WorkshopError is printed as one ``error:`` line on stderr with exit code 2, not a traceback."""
    parser = argparse.ArgumentParser(prog="python -m helpers", description="ECS continuous-deployment workshop kit")
    commands = parser.add_subparsers(dest="command", required=True)
    _add_sandbox_parser(commands)
    status_parser = commands.add_parser("status", help="the workshop's resources and environment URLs")
    status_parser.add_argument("--prefix", help="the workshop prefix (default: the one notebook 00 chose last)")
    status_parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    status_parser.set_defaults(func=_status)
    cleanup_parser = commands.add_parser("cleanup", help="delete everything the workshop created")
    cleanup_parser.add_argument("--prefix", help="the workshop prefix (default: the one notebook 00 chose last)")
    cleanup_parser.add_argument("--json", action="store_true", help="print the report as JSON (ok, rows, leftovers)")
    cleanup_parser.set_defaults(func=_cleanup)
    workshop_parser = commands.add_parser("workshop", help="run every notebook headless (an instructor's dry run)")
    workshop_parser.add_argument("--prefix", default="ecs-cd-dry-run")
    workshop_parser.add_argument("--launch-type", default="FARGATE", choices=["FARGATE", "EC2"])
    workshop_parser.add_argument("--region")
    workshop_parser.add_argument("--backend", default="sandbox", choices=["sandbox", "aws"])
    workshop_parser.add_argument("--output", default="build")
    workshop_parser.set_defaults(func=_workshop)
    event_cli.add_parser(commands)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except WorkshopError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
