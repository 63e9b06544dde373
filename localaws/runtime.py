"""What the running sandbox holds in memory besides moto's backends, and how to reset it: the one place that
answers "where does process-wide state live".

The sandbox's state has four homes (``persistence`` saves the first):

1. moto's backends, one ``BackendDict`` per service, with the kit's classes (``services/``); saved per service;
2. files under the data folder: bare git repositories, image layers, build and task work folders;
3. process-bound objects the backends own (task processes, listener sockets, execution and build threads),
   left out of snapshots and rebuilt by ``services.resume()``;
4. the module-level holders below, none of them saved: a restarted sandbox starts them from its environment.

Each holder stays implemented beside the code that uses it; this table names them and resets them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import account, clock, faults
from .iam_enforcement import sessions, usage
from .services import loopback
from .services.codebuild import local_builds


@dataclass(frozen=True)
class Holder:
    """One module-level piece of state: where it lives, what it holds, how it goes back to start-up's value
    (``None``: it cannot while the sandbox runs, and why is said in ``holds``)."""

    where: str
    holds: str
    reset: Callable[[], object] | None


HOLDERS: tuple[Holder, ...] = (
    Holder("account._current", "the account's limits and delays (/_sandbox/account)", account.reset),
    Holder("faults.FAULTS", "the injected faults (/_sandbox/faults)", faults.FAULTS.clear),
    Holder("clock._offset", "how far the sandbox's clock was moved on (/_sandbox/clock)", clock.reset),
    Holder(
        "clock._on_advance",
        "what runs when the clock moves on (ECR's lifecycle policies), registered once by install(); not reset",
        None,
    ),
    Holder(
        "iam_enforcement.usage", "the permissions each role used and the refusals (/_sandbox/iam/usage)", usage.reset
    ),
    Holder("iam_enforcement.sessions", "the role sessions services assumed, by access key", sessions.forget_sessions),
    Holder(
        "services.codebuild.local_builds._slots",
        "the machine's build slots; not reset, as running builds hold them (sized once, from LOCALAWS_LOCAL_BUILDS)",
        None,
    ),
    Holder(
        "iam_enforcement.signer._SIGNER",
        "who signed the request each thread serves (a context variable every request sets); not reset",
        None,
    ),
    Holder(
        "services.elbv2.inflight._open",
        "the requests the listeners are forwarding to each target now; not reset, as they are live connections",
        None,
    ),
    Holder(
        "services.loopback._endpoint",
        "the sandbox's own endpoint, set once by services.install(); not reset",
        None,
    ),
)


def endpoint() -> str:
    """The endpoint the sandbox serves on (what its own clients call)."""
    return loopback.endpoint()


def build_slots_limit() -> int:
    """How many builds run their commands at once on this machine."""
    return local_builds.limit()


def reset() -> list[str]:
    """Put every holder that can be reset back to start-up's value (tests do, between cases); the holders reset."""
    done = []
    for holder in HOLDERS:
        if holder.reset is not None:
            holder.reset()
            done.append(holder.where)
    return done
