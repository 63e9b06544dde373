"""ELBv2 backend state with listeners that serve on 127.0.0.1, refusing the load-balancer names AWS
reserves (``internal-*``, the prefix of internal balancers' DNS names).

Each HTTP listener gets a local port for as long as it exists; the sandbox's ECS registers its tasks
with target groups here (``register_local_target``), reports their health checks and deregisters them;
DescribeTargetHealth lists them in AWS's states (``targets.py``).
"""

from __future__ import annotations

import threading
from typing import Any, cast

from moto.elbv2.exceptions import ValidationError
from moto.elbv2.models import ELBv2Backend, FakeHealthStatus, FakeListener, FakeLoadBalancer, elbv2_backends

from . import rules
from .proxy import Endpoint, ListenerProxy
from .targets import DEFAULT_DELAY_SECONDS, LocalTarget, TargetTable


class ServingELBv2Backend(ELBv2Backend):
    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.proxies: dict[str, ListenerProxy] = {}
        self.local_targets = TargetTable()
        self._lock = threading.Lock()

    def reset(self) -> None:
        self.close_all()
        super().reset()

    def create_load_balancer(self, name: str, *args: Any, **kwargs: Any) -> FakeLoadBalancer:
        if name.startswith("internal-"):
            raise ValidationError("Load balancer name cannot begin with 'internal-'")
        return super().create_load_balancer(name, *args, **kwargs)

    # -- persistence: sockets and threads stay with the process; the ports are kept ------------------
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        ports = {**getattr(self, "listener_ports", {}), **{arn: proxy.port for arn, proxy in self.proxies.items()}}
        listening = {arn for balancer in self.load_balancers.values() for arn in balancer.listeners}
        state["listener_ports"] = {arn: port for arn, port in ports.items() if arn in listening}
        state.update(proxies={}, local_targets=None)  # the tasks are registered again as they start again
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.local_targets = TargetTable()
        self._lock = threading.Lock()

    def resume(self) -> list[str]:
        """Listen again, after a restart, on each listener's port from before (so environment URLs do not
        change); a port another program took meanwhile is replaced by a free one, and reported."""
        problems = []
        ports: dict[str, int] = getattr(self, "listener_ports", {})
        for balancer in self.load_balancers.values():
            for arn in balancer.listeners:
                if arn in self.proxies:
                    continue
                targets = lambda method, path, host, arn=arn: self._targets_for(arn, method, path, host)  # noqa: E731
                try:
                    self.proxies[arn] = ListenerProxy(targets, ports.get(arn, 0))
                except OSError as error:
                    self.proxies[arn] = ListenerProxy(targets)
                    problems.append(
                        f"listener {arn} could not listen on port {ports.get(arn)} again ({error}); "
                        f"it now listens on {self.proxies[arn].url}"
                    )
        return problems

    def create_listener(self, *args: Any, **kwargs: Any) -> FakeListener:
        listener = super().create_listener(*args, **kwargs)
        arn = str(listener.arn)

        def targets(method: str, path: str, host: str) -> list[Endpoint]:
            return self._targets_for(arn, method, path, host)

        self.proxies[arn] = ListenerProxy(targets)
        return listener

    def delete_listener(self, listener_arn: str) -> FakeListener:
        listener = super().delete_listener(listener_arn)
        self._close(listener_arn)
        return listener

    def delete_load_balancer(self, arn: str) -> None:
        balancer = self.load_balancers.get(arn)
        for listener_arn in list(balancer.listeners) if balancer else []:
            self._close(listener_arn)
        super().delete_load_balancer(arn)

    # -- what the sandbox's ECS and the kit's helpers use ----------------------------------------
    def register_local_target(self, group_arn: str, target: LocalTarget) -> None:
        """A task registered with a target group: ``initial`` until its health check passes."""
        with self._lock:
            self.local_targets.register(group_arn, target)

    def set_local_target_health(
        self, group_arn: str, endpoint: Endpoint, health: tuple[str, str | None, str | None]
    ) -> None:
        with self._lock:
            self.local_targets.set_health(group_arn, endpoint, health)

    def deregister_local_target(self, group_arn: str, endpoint: Endpoint) -> float:
        """The task's target drains for the group's deregistration delay; the seconds it drains (0 if it was
        not registered), which ECS waits before it stops the task."""
        delay = self.deregistration_delay(group_arn)
        with self._lock:
            return delay if self.local_targets.deregister(group_arn, endpoint, delay) else 0.0

    def finish_draining(self, group_arn: str, endpoint: Endpoint) -> None:
        """The task's target had no request in flight (or its delay passed): it leaves the group now."""
        with self._lock:
            self.local_targets.drained(group_arn, endpoint)

    def deregistration_delay(self, group_arn: str) -> float:
        group = self.target_groups.get(group_arn)
        if group is None:
            return 0.0
        return float(str(group.attributes.get("deregistration_delay.timeout_seconds", DEFAULT_DELAY_SECONDS)))

    def target_type(self, group_arn: str) -> str:
        group = self.target_groups.get(group_arn)
        return str(getattr(group, "target_type", None) or "instance")

    def describe_target_health(self, target_group_arn: str, targets: list[dict[str, Any]]) -> list[FakeHealthStatus]:
        """moto's answer for targets registered with RegisterTargets, and the ECS tasks' targets as they are
        now; a requested target that is an ECS task's is answered with the task's state."""
        with self._lock:
            local = self.local_targets.listed(target_group_arn)
        chosen = [t for t in local if not targets or any(_names(wanted, t) for wanted in targets)]
        others = [wanted for wanted in targets if not any(_names(wanted, t) for t in local)]
        answered = super().describe_target_health(target_group_arn, others) if others or not targets else []
        port = self.target_groups[target_group_arn].health_check_port
        return answered + [
            FakeHealthStatus(
                t.target_id, str(t.port), str(t.port if port in (None, "traffic-port") else port), *t.current()
            )
            for t in chosen
        ]

    def listener_urls(self) -> list[dict[str, Any]]:
        rows = []
        for balancer in self.load_balancers.values():
            for listener in balancer.listeners.values():
                proxy = self.proxies.get(listener.arn)
                if proxy is not None:
                    rows.append(
                        {
                            "loadBalancerArn": balancer.arn,
                            "listenerArn": listener.arn,
                            "port": int(listener.port),
                            "localUrl": proxy.url,
                            "targetGroupArns": _forward_targets(listener),
                        }
                    )
        return rows

    def close_all(self) -> None:
        for arn in list(self.proxies):
            self._close(arn)

    # -- internals -------------------------------------------------------------------------------
    def _targets_for(self, listener_arn: str, method: str, path: str, host: str) -> list[Endpoint]:
        """Where the listener sends this request: its rules decide the target group (``rules.py``)."""
        for balancer in self.load_balancers.values():
            listener = balancer.listeners.get(listener_arn)
            if listener is not None:
                return rules.route(listener, method, path, host, self._serving)
        return []

    def _serving(self, group_arn: str) -> list[Endpoint]:
        with self._lock:
            return self.local_targets.serving(group_arn)

    def _close(self, listener_arn: str) -> None:
        proxy = self.proxies.pop(listener_arn, None)
        if proxy is not None:
            proxy.close()


def _names(wanted: dict[str, Any], target: LocalTarget) -> bool:
    """Whether a DescribeTargetHealth ``Targets`` entry (Id, and Port if given) names ``target``."""
    return str(wanted.get("Id")) == target.target_id and int(wanted.get("Port") or target.port) == target.port


def _forward_targets(listener: FakeListener) -> list[str]:
    arns = []
    for action in listener.default_actions:
        data = action.data
        if data.get("Type") != "forward":
            continue
        if data.get("TargetGroupArn"):
            arns.append(data["TargetGroupArn"])
        for group in data.get("ForwardConfig", {}).get("TargetGroups", []):
            if group.get("TargetGroupArn") not in arns:
                arns.append(group["TargetGroupArn"])
    return arns


def elbv2_backend(account_id: str, region_name: str) -> ServingELBv2Backend:
    """The sandbox's backend for one account and region (``install()`` made moto build this class)."""

    return cast(ServingELBv2Backend, elbv2_backends[account_id][region_name])
