"""Command line: ``python -m helpers sandbox start|stop|status [--json]``."""

from __future__ import annotations

import argparse
import json
import sys

from .errors import WorkshopError
from .sandbox import process as sandbox


def _sandbox(args: argparse.Namespace) -> int:
    action = {"start": sandbox.start, "stop": sandbox.stop, "status": sandbox.status}[args.action]
    result = action()
    if args.json:
        print(json.dumps(result.to_dict()))
    elif result.running:
        print(f"sandbox running at {result.endpoint} (pid {result.pid}); log: {result.log_file}")
    else:
        print("sandbox stopped" if args.action == "stop" else "sandbox not running")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers", description="ECS continuous-deployment workshop kit")
    commands = parser.add_subparsers(dest="command", required=True)
    sandbox_parser = commands.add_parser("sandbox", help="start, stop or inspect the offline AWS sandbox")
    sandbox_parser.add_argument("action", choices=["start", "stop", "status"])
    sandbox_parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    sandbox_parser.set_defaults(func=_sandbox)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except WorkshopError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
