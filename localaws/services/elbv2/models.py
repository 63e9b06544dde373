"""ELBv2 backend state with listeners that serve on 127.0.0.1, refusing the load-balancer names AWS
reserves (``internal-*``, the prefix of internal balancers' DNS names).

Each HTTP listener gets a local port for as long as it exists; the sandbox's ECS registers the
local endpoints of healthy tasks with target groups here (``set_local_targets``).
"""

from __future__ import annotations

import threading
from typing import Any, cast

from moto.elbv2.exceptions import ValidationError
from moto.elbv2.models import ELBv2Backend, FakeListener, FakeLoadBalancer, elbv2_backends

from .proxy import Endpoint, ListenerProxy


class ServingELBv2Backend(ELBv2Backend):
    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.proxies: dict[str, ListenerProxy] = {}
        self.local_targets: dict[str, dict[str, Endpoint]] = {}
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
        state.update(proxies={}, local_targets={})
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
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
                targets = lambda arn=arn: self._targets_for(arn)  # noqa: E731
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

        def targets() -> list[Endpoint]:
            return self._targets_for(arn)

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
    def set_local_targets(self, target_group_arn: str, owner: str, endpoints: list[Endpoint]) -> None:
        """Replace the endpoints that ``owner`` (an ECS service) serves through a target group."""
        with self._lock:
            group = self.local_targets.setdefault(target_group_arn, {})
            for key in [k for k in group if k.startswith(owner + "#")]:
                del group[key]
            for index, endpoint in enumerate(endpoints):
                group[f"{owner}#{index}"] = endpoint

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
    def _targets_for(self, listener_arn: str) -> list[Endpoint]:
        for balancer in self.load_balancers.values():
            listener = balancer.listeners.get(listener_arn)
            if listener is not None:
                with self._lock:
                    return [e for tg in _forward_targets(listener) for e in self.local_targets.get(tg, {}).values()]
        return []

    def _close(self, listener_arn: str) -> None:
        proxy = self.proxies.pop(listener_arn, None)
        if proxy is not None:
            proxy.close()


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
