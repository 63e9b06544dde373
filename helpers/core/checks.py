"""A check's result, as the preflight table shows it (the preflight's checks and the permissions check)."""

from __future__ import annotations

from dataclasses import dataclass

OK, WARN, FAIL = "ok", "warn", "fail"


@dataclass
class Check:
    check: str
    status: str
    detail: str
    next_step: str = ""
    #: The notebook-00 parameter (and widget) that fixes this check when it fails, if a setting does.
    setting: str = ""
