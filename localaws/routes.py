"""Every ``/_sandbox/...`` path the emulator serves besides AWS's own APIs, defined once.

``serve.py`` dispatches on these; ``api.py`` builds URLs from them; nothing else spells them out.
"""

from __future__ import annotations

from urllib.parse import quote

ROOT = "/_sandbox/"
HEALTH = ROOT + "health"
GIT = ROOT + "git/"
PIPELINE_PAGES = ROOT + "codepipeline/"
ECS_TASKS = ROOT + "ecs/tasks"
LISTENERS = ROOT + "elbv2/listeners"
IAM_USAGE = ROOT + "iam/usage"
#: GET: the account's settings (see account.py); POST a JSON object to change some; DELETE: back to start-up's.
ACCOUNT = ROOT + "account"
#: GET: the injected faults; POST {"service", "operation", "error_code", "times"?, "message"?}: add; DELETE: clear.
FAULTS = ROOT + "faults"
STATE = ROOT + "state"
#: GET: the sandbox's time; POST {"advance_seconds": N}: move it on (an approval's 7 days pass in a test).
CLOCK = ROOT + "clock"


def pipeline_page(region: str, name: str, account: str | None = None) -> str:
    """Path of the HTML page that shows one pipeline's stages and runs (of ``account``'s pipeline, when named)."""
    return f"{PIPELINE_PAGES}{quote(region)}/{quote(name)}" + (f"?account={quote(account)}" if account else "")


def git_repository(region: str, name: str) -> str:
    """Path of a CodeCommit repository's git smart-HTTP endpoint."""
    return f"{GIT}{quote(region)}/{quote(name)}"


def clone_url(endpoint: str, region: str, name: str) -> str:
    """A CodeCommit repository's ``cloneUrlHttp`` on the sandbox at ``endpoint``."""
    return endpoint + git_repository(region, name)
