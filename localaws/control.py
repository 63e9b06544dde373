"""The sandbox's control token: what a caller must show to change how the sandbox behaves.

``/_sandbox/account``, ``/faults``, ``/clock`` and resetting ``/iam/usage`` change the emulated account for every
caller (switch off the new account's refusals, inject failures, move time on). They answer only a request that
carries the token the sandbox wrote, readable by its own user only, into its data folder; ``localaws.api`` reads
it from there. Reading stays open: the settings and faults in force are no secret.
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path

HEADER = "X-Localaws-Token"
WSGI_HEADER = "HTTP_X_LOCALAWS_TOKEN"
FILE_NAME = "control-token"


def ensure_token(data_dir: Path) -> str:
    """The data folder's token, made (mode 600) when it has none yet."""
    path = data_dir / FILE_NAME
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32) + "\n")
    return path.read_text().strip()


def read_token(data_dir: Path) -> str | None:
    """The token a sandbox wrote into ``data_dir``, for ``localaws.api`` to send; None when none was written there."""
    path = data_dir / FILE_NAME
    return path.read_text().strip() if path.exists() else None


def allows(presented: str | None, token: str) -> bool:
    """Whether a request carries the sandbox's token. Compared in constant time, so that a wrong guess learns nothing
    from how long the refusal took; a request without a token is refused."""
    return presented is not None and hmac.compare_digest(presented, token)
