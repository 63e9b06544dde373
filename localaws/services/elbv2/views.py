"""What the emulator shows about its load balancers besides the ELBv2 API."""

from __future__ import annotations

from moto.elbv2.models import elbv2_backends


def listener_urls() -> list[dict[str, object]]:
    """Every sandbox listener with the local URL that serves it, for the kit's environment URLs."""
    rows = []
    for account, region, backend in elbv2_backends.iter_backends():
        for row in getattr(backend, "listener_urls", lambda: [])():
            rows.append({"account": account, "region": region, **row})
    return rows
