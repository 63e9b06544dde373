"""What the emulator shows about its ECS tasks besides the ECS API: the local processes or containers."""

from __future__ import annotations

from moto.ecs.models import ecs_backends


def task_summaries() -> list[dict[str, object]]:
    """Every task the sandbox's ECS has started and still tracks (its pid, or container and image): what runs where.
    A RunTask task has no service (``service`` None) and its ``group``."""
    rows = []
    for account, region, backend in ecs_backends.iter_backends():
        for service in list(getattr(backend, "services", {}).values()):
            for deployment in service.deployments:
                for task in getattr(backend, "task_processes", {}).get(str(deployment["id"]), []):
                    rows.append(
                        {
                            "account": account,
                            "region": region,
                            "cluster": service.cluster_name,
                            "service": service.name,
                            "deployment": deployment["id"],
                            **task.summary(),
                        }
                    )
        records = getattr(backend, "task_records", {})
        for task_id, task in list(getattr(backend, "standalone_tasks", {}).items()):  # RunTask's (run_tasks.py)
            record = records.get(task_id, {})
            rows.append(
                {
                    "account": account,
                    "region": region,
                    "cluster": str(record.get("clusterArn", "")).split("/")[-1],
                    "service": None,
                    "group": record.get("group"),
                    **task.summary(),
                }
            )
    return rows
