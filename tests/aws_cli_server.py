"""A resident AWS CLI for the tests: imported once, forked for every command.

``aws`` as a new process spends about 0.4 s of CPU starting Python and importing botocore and awscli
before it sends a request; the contract tests run it dozens of times. This process imports awscli once
and forks a child per command, so each command still runs in a process of its own (importing awscli
changes botocore's defaults, which must not leak into the tests' own boto3 clients) with its own
environment, arguments, output and exit status, exactly as the ``aws`` command would.

Protocol: one JSON line per command on stdin (``{"argv": [...], "env": {...}}``), one JSON line per
answer on stdout (``{"returncode": n, "stdout": "...", "stderr": "..."}``).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import traceback

import awscli.clidriver  # imported here, once, for every child
import botocore.session  # after awscli: the CLI's own copy of botocore, which awscli puts under this name

#: What importing awscli put in the environment (where its own data lives), as the aws command has it.
AWSCLI_ENVIRONMENT = {name: os.environ[name] for name in ("AWS_DATA_PATH",) if name in os.environ}
#: The services whose commands the tests run: their models are read here, once, before any fork.
SERVICES = ("autoscaling", "cloudformation", "codebuild", "codecommit", "codepipeline", "ecs", "iam", "sts")


def share_model_loaders() -> None:
    """Every botocore session in this process and its children gets the one model loader of its data path,
    filled here with what a command reads (the CLI's own data, the services list, endpoints, the tests'
    service models). A child would otherwise parse those JSON files again: most of a command's 0.25 s of CPU.
    The files are the same for parent and child, so what a command reads is unchanged."""
    loaders: dict[str | None, object] = {}
    make_loader = botocore.session.create_loader

    def create_loader(search_path_string: str | None = None) -> object:
        if search_path_string not in loaders:
            loaders[search_path_string] = make_loader(search_path_string)
        return loaders[search_path_string]

    botocore.session.create_loader = create_loader  # type: ignore[assignment]
    driver = awscli.clidriver.create_clidriver()
    driver.session.get_available_services()
    for service in SERVICES:
        driver.session.get_service_model(service)
        driver.session.get_paginator_model(service)
    driver.session.get_component("endpoint_resolver")


def run(argv: list[str], env: dict[str, str]) -> dict[str, object]:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        pid = os.fork()
        if pid == 0:  # the child: the aws command
            os.dup2(out.fileno(), 1)
            os.dup2(err.fileno(), 2)
            os.environ.clear()
            os.environ.update({**env, **AWSCLI_ENVIRONMENT})
            if env.get("AWS_DATA_PATH"):  # a test's own models first, as in front of the CLI's own on AWS_DATA_PATH
                os.environ["AWS_DATA_PATH"] = os.pathsep.join(
                    filter(None, [env["AWS_DATA_PATH"], AWSCLI_ENVIRONMENT.get("AWS_DATA_PATH")])
                )
            sys.stdout = sys.__stdout__  # the parent points sys.stdout elsewhere (see main)
            code = 255
            try:
                code = awscli.clidriver.create_clidriver().main(argv)
            except SystemExit as exit:
                code = exit.code if isinstance(exit.code, int) else 1
            except BaseException:  # a crash of the CLI itself: say so on stderr, as the aws command would
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        out.seek(0)
        err.seek(0)
        return {
            "returncode": os.waitstatus_to_exitcode(status),
            "stdout": out.read().decode(errors="replace"),
            "stderr": err.read().decode(errors="replace"),
        }


def main() -> None:
    share_model_loaders()
    answers = sys.stdout
    sys.stdout = sys.stderr  # nothing but answers on the answer channel
    for line in sys.stdin:
        request = json.loads(line)
        answers.write(json.dumps(run(request["argv"], request["env"])) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
