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
STATE = ROOT + "state"


def pipeline_page(region: str, name: str) -> str:
    """Path of the HTML page that shows one pipeline's stages and runs."""
    return f"{PIPELINE_PAGES}{quote(region)}/{quote(name)}"


def git_repository(region: str, name: str) -> str:
    """Path of a CodeCommit repository's git smart-HTTP endpoint."""
    return f"{GIT}{quote(region)}/{quote(name)}"
