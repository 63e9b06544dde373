"""Notebook 01's steps create independent resources at once (``resources.base.at_once``), as AWS allows:
a step takes as long as its slowest resource. Each test fails if the jobs run one after another (a
barrier that all of them must reach together would time out)."""

from __future__ import annotations

import threading
import time

import pytest

from helpers.resources import base, clusters, image_repositories, roles, services


def _together(parties: int):
    """A job that returns only when ``parties`` jobs wait at the same time (BrokenBarrierError otherwise)."""
    barrier = threading.Barrier(parties, timeout=10)

    def job(value):
        barrier.wait()
        return value

    return job


def test_jobs_run_at_the_same_time_and_answer_in_order(capsys):
    job = _together(3)
    assert base.at_once([(f"job {i}", lambda i=i: job(i)) for i in range(3)]) == [0, 1, 2]
    out = capsys.readouterr().out
    assert all(f"job {i}: ready after" in out for i in range(3))


def test_one_failure_lets_the_others_finish_and_is_raised(capsys):
    finished = []

    def fails():
        raise RuntimeError("quota exceeded")

    def works(i):
        finished.append(i)
        return i

    with pytest.raises(RuntimeError, match="quota exceeded"):
        base.at_once([("a", lambda: works(1)), ("b", fails), ("c", lambda: works(2))])
    assert sorted(finished) == [1, 2]
    assert "b: failed after" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("module", "function", "parties"),
    [
        (image_repositories, "ensure_image_repository", 3),
        (services, "ensure_service", 3),
        (clusters, "_ensure_environment", 3),
    ],
)
def test_each_environments_resource_is_created_at_once(monkeypatch, module, function, parties):
    job = _together(parties)
    monkeypatch.setattr(module, function, lambda workshop, env, *rest: job([{"name": env}]))
    monkeypatch.setattr(services, "wait_for_load_balancer", lambda workshop: None)
    monkeypatch.setattr(services, "wait_for_services", lambda workshop: None)
    workshop = _FakeWorkshop()
    assert len(module.ensure(workshop)) == 3


def test_the_roles_are_created_at_once_the_instance_profile_after_them(monkeypatch):
    specs = roles.required_roles(_FakeWorkshop("EC2"))
    job = _together(len(specs) + 1)  # every role and the service-linked role
    monkeypatch.setattr(roles, "ensure_role", lambda workshop, spec: job({"name": spec.key}))
    monkeypatch.setattr(roles, "ensure_ecs_service_linked_role", lambda workshop: job({"name": "slr"}))
    monkeypatch.setattr(roles, "ensure_instance_profile", lambda workshop: {"name": "profile"})
    names = [r["name"] for r in roles.ensure(_FakeWorkshop("EC2"))]
    assert names == [*(s.key for s in specs), "profile", "slr"]


class _FakeWorkshop:
    """What the ensure functions read before their per-resource work: names and the launch type."""

    def __init__(self, launch_type: str = "FARGATE") -> None:
        from helpers.core.naming import Names
        from helpers.core.settings import WorkshopSettings

        self.settings = WorkshopSettings.build(prefix="par", launch_type=launch_type)
        self.names = Names("par")
        self.prefix = "par"


def test_services_not_stable_in_time_say_where_each_stands():
    """The timeout names each pending service's tasks, deployments and last events (not "see the console")."""

    class _Ecs:
        def describe_services(self, cluster, services):
            stuck = "prod" in cluster
            return {
                "services": [
                    {
                        "runningCount": 0 if stuck else 1,
                        "desiredCount": 1,
                        "deployments": [{"rolloutState": "IN_PROGRESS"}],
                        "events": [{"message": "unable to place a task: no container instance met all of its"}]
                        if stuck
                        else [],
                    }
                ]
            }

    workshop = _FakeWorkshop()
    workshop.client = lambda service: _Ecs()
    workshop.timing = type("T", (), {"services_stable_timeout": 0.2, "poll": 0.05})()
    with pytest.raises(services.WorkshopError) as raised:
        services.wait_for_services(workshop)
    message = str(raised.value)
    assert "['prod'] were not stable after 0 s" in message
    assert "prod runs 0 of 1 tasks in 1 deployment(s)" in message and "unable to place a task" in message


def test_the_capacity_provider_suffix_is_drawn_once_when_the_environments_ask_at_once(monkeypatch):
    """The three clusters are made at once; each asks for its provider's name. One suffix must serve all three
    (a service names its provider by it), however the threads interleave."""
    from helpers.resources import capacity

    saves = threading.Barrier(3, timeout=10)
    draw = capacity.secrets.token_hex

    def slow_draw(n: int) -> str:  # os.urandom lets other threads run, as a loaded machine does for longer
        time.sleep(0.05)
        return draw(n)

    monkeypatch.setattr(capacity.secrets, "token_hex", slow_draw)

    class _State:
        def __init__(self) -> None:
            self.extra: dict[str, str] = {}

        def save(self) -> None:
            pass

    workshop = _FakeWorkshop("EC2")
    workshop.state = _State()

    def name(env: str) -> str:
        saves.wait()  # the three ask together
        return capacity.capacity_provider_name(workshop, env)

    names = base.at_once([(env, lambda env=env: name(env)) for env in ("dev", "qa", "prod")])
    assert len({n.rsplit("-", 1)[-1] for n in names}) == 1, names
