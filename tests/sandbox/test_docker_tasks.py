"""Docker mode (issue 23, item 4): a service's tasks are containers of the image the task definition names.

- The image is pulled from the registry behind the sandbox's ECR; the container runs on the host's network with its
  own ``PORT``, the task definition's environment and command, and its CPU and memory limits (``docker inspect``);
  ECS's agent labels name the task; its output lands in the awslogs group, in ECS's stream
  ``PREFIX/CONTAINER/TASK_ID``.
- A container killed from outside (``docker kill``: SIGKILL) is reported as ECS reports it: STOPPED, "Essential
  container in task exited", stopCode EssentialContainerExited and exit code 137 (128 + 9); the service scheduler
  replaces it and the listener serves again.
- A sandbox killed with SIGKILL leaves its containers running; its next start removes them and starts the services'
  tasks again, and a stop removes those: nothing is left orphaned.

AWS: DescribeTasks' ``stopCode`` values and "Essential container in task exited" (ECS developer guide, "Stopped tasks
error codes"); the awslogs stream name ``prefix-name/container-name/ecs-task-id`` (ECS developer guide, "Using the
awslogs log driver"); a container's ``cpu`` units (1024 per vCPU) and ``memory`` hard limit in MiB (task definition
parameters, "Container definitions").

Needs the engine, docker-registry and the base image (`make docker-engine`; `make test` runs it).
"""

from __future__ import annotations

import base64
import os
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from localaws import api
from localaws.buildtools import base_image, engine, engine_tasks
from tests.helpers_for_tests import free_port, sandbox_client, unique, wait_for
from tests.sandbox.test_ecs_serving import get, listener_url, stack  # noqa: F401 - the fixture

pytestmark = pytest.mark.docker  # Docker mode: `make test` runs these with a Docker-mode sandbox

ACCOUNT = "123456789012"
SERVER_JS = """\
const fs = require('fs');
const built = fs.readFileSync('/srv/built.txt', 'utf8').trim();
const server = require('http').createServer((q, s) => {
  console.log(`request ${q.method} ${q.url}`);
  s.end(`${built} ${process.env.GREETING}`);
});
server.listen(Number(process.env.PORT), process.env.HOST, () => console.log(`listening on ${process.env.PORT}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
"""


def docker(*args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([engine.cli() or "docker", *args], capture_output=True, text=True, check=check, **kwargs)


@pytest.fixture(scope="module")
def registry() -> str:
    status = api.status()
    if status.containers != "docker":
        pytest.fail(f"The session's sandbox runs in process mode. {engine.ENGINE_HINT}", pytrace=False)
    config = Path(os.environ["LOCALAWS_HOME"]) / "data" / "registry" / "config.yml"
    return re.search(r"addr: (\S+)", config.read_text()).group(1)  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def image(registry: str, tmp_path_factory) -> str:
    """An image built FROM the kit's node base image with a RUN step, pushed to the registry behind ECR and put into
    ECR as a push does; its ECR URI. The local tag is removed, so ECS has to pull it."""
    ecr = sandbox_client("ecr")
    name = unique("tasks-repo")
    ecr.create_repository(repositoryName=name)
    context = tmp_path_factory.mktemp("image")
    (context / "server.js").write_text(SERVER_JS)
    (context / "Dockerfile").write_text(
        f"FROM {base_image.NODE_IMAGE}\nRUN echo built-by-run > /srv/built.txt\nCOPY server.js /srv/\n"
        'CMD ["node", "/srv/server.js"]\n'
    )
    local = f"{registry}/{name}:v1"
    token = ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    password = base64.b64decode(token).decode().split(":", 1)[1]
    docker("build", "--quiet", "--tag", local, str(context))
    docker("login", "--username", "AWS", "--password-stdin", registry, input=password)
    docker("push", "--quiet", local)
    request = urllib.request.Request(f"http://{registry}/v2/{name}/manifests/v1")
    request.add_header("Accept", "application/vnd.docker.distribution.manifest.v2+json")
    request.add_header("Authorization", "Basic " + base64.b64encode(f"AWS:{password}".encode()).decode())
    with urllib.request.urlopen(request) as answer:
        manifest, digest = answer.read().decode(), answer.headers["Docker-Content-Digest"]
    ecr.put_image(repositoryName=name, imageManifest=manifest, imageTag="v1", imageDigest=digest)
    docker("rmi", local)
    return f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{name}:v1"


def _service(stack: dict, image_uri: str, group: str) -> None:  # noqa: F811 - the fixture's value
    ecs = sandbox_client("ecs")
    sandbox_client("logs").create_log_group(logGroupName=group)
    definition = ecs.register_task_definition(
        family=stack["name"],
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": "web",
                "image": image_uri,
                "memory": 128,
                "environment": [{"name": "GREETING", "value": "hello-from-the-task-definition"}],
                "portMappings": [{"containerPort": 8080}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {"awslogs-group": group, "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs"},
                },
            }
        ],
    )["taskDefinition"]
    ecs.create_service(
        cluster=stack["name"],
        serviceName="web",
        taskDefinition=definition["taskDefinitionArn"],
        desiredCount=1,
        loadBalancers=[{"targetGroupArn": stack["group"], "containerName": "web", "containerPort": 8080}],
    )
    ecs.get_waiter("services_stable").wait(
        cluster=stack["name"], services=["web"], WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )


def _running(cluster: str) -> list[dict]:
    ecs = sandbox_client("ecs")
    arns = ecs.list_tasks(cluster=cluster, serviceName="web")["taskArns"]
    return ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"] if arns else []


def _container_of(task_arn: str) -> dict:
    rows = engine_tasks.labelled("com.amazonaws.ecs.task-arn", task_arn)
    assert len(rows) == 1, rows
    return engine_tasks.inspect(rows[0]["Id"])


def test_a_task_is_a_container_of_its_image_with_its_settings_and_logs(stack, image):  # noqa: F811 - the fixture
    group = f"/ecs/{stack['name']}"
    _service(stack, image, group)
    [task] = _running(stack["name"])
    port = task["containers"][0]["networkBindings"][0]["hostPort"]
    inspected = _container_of(task["taskArn"])

    assert inspected["State"]["Running"]
    assert inspected["Config"]["Image"].endswith(image.split("/", 1)[1])  # pulled from the registry behind ECR
    env = dict(item.split("=", 1) for item in inspected["Config"]["Env"])
    assert env["GREETING"] == "hello-from-the-task-definition" and env["PORT"] == str(port)
    host = inspected["HostConfig"]
    assert host["NetworkMode"] == "host"
    assert host["NanoCpus"] == 256 * 10**9 // 1024  # the task's 256 CPU units: a quarter of a CPU
    assert host["Memory"] == 128 * 1024 * 1024  # the container's hard limit, 128 MiB
    labels = inspected["Config"]["Labels"]
    assert labels["com.amazonaws.ecs.container-name"] == "web"
    assert labels["com.amazonaws.ecs.task-definition-family"] == stack["name"]

    # The image's RUN step ran, the environment reached the app, and it serves through the listener.
    assert get(listener_url(stack["listener"])) == (200, "built-by-run hello-from-the-task-definition")

    stream = f"ecs/web/{task['taskArn'].split('/')[-1]}"
    logs = sandbox_client("logs")

    def logged() -> list[str]:
        """the task's output is in its awslogs stream"""
        events = logs.get_log_events(logGroupName=group, logStreamName=stream)["events"]
        lines = [e["message"] for e in events]
        return lines if f"listening on {port}" in lines and "request GET /" in lines else []

    wait_for(logged, timeout=20)


def test_a_killed_container_is_reported_137_and_replaced(stack, image):  # noqa: F811 - the fixture
    ecs = sandbox_client("ecs")
    _service(stack, image, f"/ecs/{stack['name']}")
    [task] = _running(stack["name"])
    docker("kill", _container_of(task["taskArn"])["Id"])  # SIGKILL, from outside the sandbox

    def stopped() -> dict | None:
        """the killed task is STOPPED"""
        found = ecs.describe_tasks(cluster=stack["name"], tasks=[task["taskArn"]])["tasks"][0]
        return found if found["lastStatus"] == "STOPPED" else None

    record = wait_for(stopped, timeout=60)
    assert record["stoppedReason"] == "Essential container in task exited"
    assert record["stopCode"] == "EssentialContainerExited"
    assert record["containers"][0]["exitCode"] == 137
    assert engine_tasks.labelled("com.amazonaws.ecs.task-arn", task["taskArn"]) == []  # removed, not left behind

    def replaced() -> list[dict]:
        """a new task of the service runs"""
        return [t for t in _running(stack["name"]) if t["taskArn"] != task["taskArn"]]

    [replacement] = wait_for(replaced, timeout=60)
    assert _container_of(replacement["taskArn"])["State"]["Running"]
    assert get(listener_url(stack["listener"])) == (200, "built-by-run hello-from-the-task-definition")


# -- a restart ---------------------------------------------------------------------------------------------------
@pytest.fixture
def own_sandbox(tmp_path, monkeypatch):
    """A Docker-mode sandbox of its own (home and port): stopping or killing it leaves the session's sandbox alone."""
    home = tmp_path / "sandbox"
    monkeypatch.setenv("LOCALAWS_HOME", str(home))
    monkeypatch.setenv("LOCALAWS_CONTAINERS", "docker")
    port = free_port()
    api.start(home, port)
    yield home, port
    api.stop(home)


def _containers_of(home: Path, running_only: bool = False) -> list[dict]:
    rows = engine_tasks.labelled(engine_tasks.LABEL_DATA_DIR, str((home / "data").resolve()))
    return [r for r in rows if r["State"] == "running"] if running_only else rows


def test_a_sandbox_restart_leaves_no_orphaned_container(own_sandbox):
    home, port = own_sandbox
    ecs = sandbox_client("ecs")
    cluster = unique("restart")
    ecs.create_cluster(clusterName=cluster)
    js = "require('http').createServer((q,s)=>s.end('up')).listen(Number(process.env.PORT), process.env.HOST)"
    definition = ecs.register_task_definition(
        family=cluster,
        containerDefinitions=[
            {"name": "web", "image": base_image.NODE_IMAGE, "memory": 64, "command": ["node", "-e", js]}
        ],
    )["taskDefinition"]
    ecs.create_service(
        cluster=cluster, serviceName="web", taskDefinition=definition["taskDefinitionArn"], desiredCount=2
    )
    ecs.get_waiter("services_stable").wait(
        cluster=cluster, services=["web"], WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    before = {row["Id"] for row in _containers_of(home, running_only=True)}
    assert len(before) == 2

    pid = api.status(home).pid
    assert pid is not None
    os.killpg(pid, signal.SIGKILL)  # the sandbox dies; dockerd keeps its containers running
    time.sleep(0.5)
    assert {row["Id"] for row in _containers_of(home, running_only=True)} == before

    api.start(home, port)  # resumes: the killed run's containers go, the service starts its tasks again
    ecs.get_waiter("services_stable").wait(
        cluster=cluster, services=["web"], WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )

    def restarted() -> set[str]:
        """the service runs two new containers and none of the old ones is left"""
        now = {row["Id"] for row in _containers_of(home)}
        return now if len(now) == 2 and not now & before else set()

    wait_for(restarted, timeout=30)
    tasks = _running(cluster)
    assert len(tasks) == 2 and all(
        get(f"http://127.0.0.1:{t['containers'][0]['networkBindings'][0]['hostPort']}")[1] == "up" for t in tasks
    )

    api.stop(home)
    assert _containers_of(home) == []  # a stopped sandbox leaves no container either
