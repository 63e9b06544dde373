"""``python -m helpers event plan|start|status|cleanup``: the instructor's commands."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..core.settings import BACKENDS, LAUNCH_TYPES, WorkshopSettings
from .plan import DEFAULT_HOURS


def add_parser(commands: Any) -> None:
    """Add the ``event`` command and its subcommands to the kit's CLI."""
    event_parser = commands.add_parser("event", help="plan, start, watch and clean up a guided event")
    actions = event_parser.add_subparsers(dest="event_action", required=True)

    def settings_options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--participants", type=int, required=True, help="how many participants")
        parser.add_argument("--backend", default="sandbox", choices=list(BACKENDS))
        parser.add_argument("--region", help="default us-east-1")
        parser.add_argument("--launch-type", choices=list(LAUNCH_TYPES), help="default FARGATE")
        parser.add_argument("--instance-type", help="EC2 only; default t2.micro")
        parser.add_argument("--hours", type=float, default=DEFAULT_HOURS, help="how long the event runs")
        parser.add_argument("--json", action="store_true", help="print machine-readable JSON")

    plan = actions.add_parser("plan", help="quotas and cost for N participants; exit 0 only when it fits")
    settings_options(plan)
    plan.set_defaults(func=_plan)
    start = actions.add_parser("start", help="a prefix, state file and IAM policy per participant")
    start.add_argument("--event", required=True, help="the event's name: participants get NAME-01 ... NAME-NN")
    start.add_argument(
        "--workshop-studio",
        action="store_true",
        help="on the sandbox, each participant an IAM role of their own with the Workshop Studio policy",
    )
    start.add_argument(
        "--identities",
        action="store_true",
        help="on AWS too: make each participant's IAM user (or, with --workshop-studio, role) with their policy, "
        "and print what was made (the sandbox always makes them)",
    )
    settings_options(start)
    start.set_defaults(func=_start)
    status = actions.add_parser("status", help="each participant's step, environments, failures, leftovers")
    status.add_argument("--event", required=True)
    status.add_argument("--json", action="store_true", help="print machine-readable JSON")
    status.set_defaults(func=_status)
    credentials = actions.add_parser(
        "credentials", help="a participant's sandbox identity: access key, secret, profile and config file"
    )
    credentials.add_argument("--event", required=True)
    credentials.add_argument("--prefix", required=True, help="the participant's prefix, NAME-NN")
    credentials.add_argument("--json", action="store_true", help="print machine-readable JSON")
    credentials.set_defaults(func=_credentials)
    cleanup = actions.add_parser("cleanup", help="delete every participant's resources; exit 0 only when none is left")
    cleanup.add_argument("--event", required=True)
    cleanup.add_argument("--json", action="store_true", help="print machine-readable JSON")
    cleanup.set_defaults(func=_cleanup)


def _settings(args: argparse.Namespace) -> WorkshopSettings:
    values = {
        "backend": args.backend,
        "region": args.region,
        "launch_type": args.launch_type,
        "instance_type": args.instance_type,
    }
    return WorkshopSettings.build(**{k: v for k, v in values.items() if v is not None})


def _plan(args: argparse.Namespace) -> int:
    from ..core.naming import PREFIX_MAX_LENGTH
    from .names import check_event
    from .plan import plan_event

    check_event("e" * (PREFIX_MAX_LENGTH - 4), args.participants)  # the count alone must be possible
    plan = plan_event(args.participants, _settings(args), args.hours)
    print(json.dumps(plan.to_dict(), indent=2) if args.json else plan)
    return 0 if plan.fits else 1


def _start(args: argparse.Namespace) -> int:
    from .start import start_event

    started = start_event(
        args.event,
        args.participants,
        backend=args.backend,
        region=args.region,
        launch_type=args.launch_type,
        instance_type=args.instance_type,
        hours=args.hours,
        workshop_studio=args.workshop_studio,
        identities_on_aws=args.identities,
    )
    if args.json:
        print(json.dumps(started.to_dict(), indent=2, default=str))
    else:
        print(repr(started.show()))
        print()
        print(started.plan.summary())
        made = started.made()
        if made:
            print()
            print(made)
    return 0


def _status(args: argparse.Namespace) -> int:
    from .status import event_status, status_frame

    _require_event(args.event)
    document = event_status(args.event)
    if args.json:
        print(json.dumps(document, indent=2, default=str))
    else:
        print(status_frame(document).to_string())
    return 0


def _credentials(args: argparse.Namespace) -> int:
    from ..core.errors import StateFileError
    from .identities import identity
    from .studio_roles import session_credentials, studio_role

    _require_event(args.event)
    role = studio_role(args.event, args.prefix)
    if role is not None:  # Workshop Studio: the role, and a session of it
        document = session_credentials(role)
        if args.json:
            print(json.dumps(document, indent=2))
        else:
            print(
                f"{role.role_arn}\n  profile {role.profile} in {role.config_file} (assumes the role)\n"
                f"  AWS_CONFIG_FILE={role.config_file} aws --profile {role.profile} sts get-caller-identity"
            )
        return 0
    found = identity(args.event, args.prefix)
    if found is None:
        raise StateFileError(
            f"No sandbox identity for {args.prefix!r} in event {args.event!r}: `event start` makes one per "
            "participant on the sandbox (on AWS participants sign in with the account's own means)."
        )
    if args.json:
        print(json.dumps(found.to_dict(), indent=2))
    else:
        print(
            f"{found.user_arn}\n  profile {found.profile} in {found.config_file}\n"
            f"  AWS_CONFIG_FILE={found.config_file} aws --profile {found.profile} sts get-caller-identity"
        )
    return 0


def _cleanup(args: argparse.Namespace) -> int:
    from .teardown import cleanup_event

    _require_event(args.event)
    result = cleanup_event(args.event, progress=not args.json)
    if args.json:
        participants = [{**vars(p), "deleted": p.deleted, "spared": p.spared} for p in result.participants]
        document = {"event": args.event, "ok": result.ok, "participants": participants}
        print(json.dumps(document, indent=2, default=str))
    else:
        print(repr(result.show()))
    return 0 if result.ok else 1


def _require_event(event: str) -> None:
    from ..core.errors import StateFileError
    from .names import known_prefixes, record_path

    if not known_prefixes(event):
        raise StateFileError(
            f"No event {event!r} here: no {record_path(event)} and no state files {event}-NN.json. "
            "Start it with `python -m helpers event start --event NAME --participants N`, or set WORKSHOP_HOME "
            "to the folder it was started in."
        )
