"""Benchmark: CreateService -> its task answering HTTP, and the task's memory, in one runtime (process or Docker mode).

    LOCALAWS_CONTAINERS=docker .venv/bin/python benchmarks/task_start.py [--runs 3]
    LOCALAWS_CONTAINERS=process .venv/bin/python benchmarks/task_start.py [--runs 3]

Each run creates a service of one task (a Node.js HTTP server on the kit's node base image, 256 CPU units and 512 MiB
as the kit's task definitions) and times until the task's own port answers. Memory: the container's cgroup usage
(``docker stats``) in Docker mode, the node process's resident memory in process mode. It uses its own sandbox home
and port, so it never touches a learner's workshop. Prints one JSON document.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

JS = "require('http').createServer((q,s)=>s.end('up')).listen(Number(process.env.PORT), process.env.HOST)"


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as answer:
            return answer.status == 200
    except OSError:
        return False


def _rss_mb(pid: str) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))) / 1024


def _memory_mb(task: dict) -> dict[str, float]:
    """The task's node process's resident memory, and in Docker mode its container's cgroup usage (``docker stats``:
    without the node binary's file pages, which the page cache holds once for every container)."""
    runtime = task["containers"][0]["runtimeId"]
    if runtime.isdigit():  # process mode: the node process
        return {"rss": round(_rss_mb(runtime), 1)}
    pid = subprocess.run(["docker", "inspect", "-f", "{{.State.Pid}}", runtime], capture_output=True, text=True)
    shown = (
        subprocess.run(
            ["docker", "stats", "--no-stream", "--format", "{{.MemUsage}}", runtime], capture_output=True, text=True
        )
        .stdout.split("/")[0]
        .strip()
    )
    units = {"KiB": 1 / 1024, "kB": 1 / 1024, "MiB": 1.0, "MB": 1.0, "GiB": 1024.0}
    unit = next(u for u in units if shown.endswith(u))
    return {"rss": round(_rss_mb(pid.stdout.strip()), 1), "cgroup": round(float(shown[: -len(unit)]) * units[unit], 1)}


def _one_run(ecs, name: str) -> tuple[float, dict[str, float]]:
    ecs.create_cluster(clusterName=name)
    container = {"name": "web", "image": "public.ecr.aws/docker/library/node:22-alpine", "command": ["node", "-e", JS]}
    definition = ecs.register_task_definition(
        family=name, cpu="256", memory="512", containerDefinitions=[{**container, "memory": 512}]
    )["taskDefinition"]
    started = time.monotonic()
    ecs.create_service(cluster=name, serviceName="web", taskDefinition=definition["taskDefinitionArn"], desiredCount=1)
    while True:
        arns = ecs.list_tasks(cluster=name, serviceName="web")["taskArns"]
        if arns:
            task = ecs.describe_tasks(cluster=name, tasks=arns)["tasks"][0]
            if _answers(task["containers"][0]["networkBindings"][0]["hostPort"]):
                break
        time.sleep(0.05)
    seconds = time.monotonic() - started
    time.sleep(2)  # let the app settle before reading its memory
    memory = _memory_mb(task)
    ecs.delete_service(cluster=name, service="web", force=True)
    return seconds, memory


def main() -> None:
    import argparse

    import boto3

    from localaws import api
    from tests.helpers_for_tests import free_port

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    home = Path(tempfile.mkdtemp(prefix="task-start-")) / "sandbox"
    os.environ["LOCALAWS_PERSIST"] = "0"
    status = api.start(home, free_port())
    ecs = boto3.client(
        "ecs", endpoint_url=status.endpoint, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    try:
        results = [_one_run(ecs, f"bench{i}") for i in range(runs)]
    finally:
        api.stop(home)
    print(
        json.dumps(
            {
                "containers": status.containers,
                "seconds_to_http": [round(s, 2) for s, _ in results],
                "median_seconds_to_http": round(statistics.median(s for s, _ in results), 2),
                "memory_mb_per_task": [m for _, m in results],
                "load_average": os.getloadavg(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
