"""ELBv2 backend state with listeners that serve on 127.0.0.1, refusing the load-balancer names AWS
reserves (``internal-*``, the prefix of internal balancers' DNS names).

Each HTTP listener gets a local port for as long as it exists; the sandbox's ECS registers the
local endpoints of healthy tasks with target groups here (``set_local_targets``).
"""

from __future__ import annotations

import threading
from typing import Any, cast

from moto.elbv2.exceptions import ValidationError
from moto.elbv2.models import ELBv2Backend, FakeListener, FakeLoadBalancer

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
    from moto.elbv2.models import elbv2_backends

    return cast(ServingELBv2Backend, elbv2_backends[account_id][region_name])
