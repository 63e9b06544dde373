"""The three environments, in the order a change is promoted through them: each one's branch, listener port and
label. Every other module asks this table rather than spelling an environment's facts again."""

from __future__ import annotations

ENVIRONMENTS: tuple[str, ...] = ("dev", "qa", "prod")
#: The branch of the CodeCommit repository whose commits start each environment's pipeline.
BRANCHES: dict[str, str] = {"dev": "master", "qa": "qa", "prod": "prod"}
#: One load balancer, one listener port per environment: each environment keeps a stable URL.
LISTENER_PORTS: dict[str, int] = {"dev": 8080, "qa": 8081, "prod": 80}
#: How the notebooks, tables and pictures name each environment.
ENV_LABELS: dict[str, str] = {"dev": "Dev", "qa": "QA", "prod": "Prod"}
#: The test listener of Prod's blue/green deployments (advanced module): the new revision answers here first.
TEST_LISTENER_PORT = 9000
