"""One machine for a classroom: what ``hub/jupyterhub_config.py`` needs from the kit.

Participants log in to JupyterHub with their prefix as user name (``ws-01``) and the event's shared
password. Each gets a server of their own with a home folder holding a copy of the learners' notebooks
(theirs to edit), notebook 00's ``prefix`` parameter preset to theirs, and ``WORKSHOP_PREFIX`` set, so
notebooks 01-05 (``prefix = None``) open their workshop. All servers share one WORKSHOP_HOME, hence one
sandbox: one account, one prefix per participant, as in a shared AWS account.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from ..paths import workshop_home
from ..runner import NOTEBOOK_DIR
from ..state import PREFIX_VARIABLE
from .names import known_prefixes


def hub_folder() -> Path:
    """``$WORKSHOP_HOME/hub``: the hub's database, cookie secret and the participants' home folders."""
    return workshop_home() / "hub"


def participants(event: str) -> set[str]:
    """The user names allowed to log in: the event's participant prefixes."""
    return set(known_prefixes(event))


def home_folder(user: str) -> Path:
    return hub_folder() / "users" / user


def prepare_home(user: str, home: Path | None = None) -> Path:
    """Copy the notebooks into the participant's home once (later logins keep their work), with notebook
    00's ``prefix`` preset by an injected parameters cell, as papermill does. ``home`` defaults to the
    participant's folder on this machine's hub; a Kubernetes pod passes its own home."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    folder = (home or home_folder(user)) / "notebooks"
    folder.mkdir(parents=True, exist_ok=True)
    for source in sorted(NOTEBOOK_DIR.glob("[0-9][0-9]-*.ipynb")):
        target = folder / source.name
        if target.exists():
            continue
        if source.name.startswith("00-"):
            notebook = parameterize_notebook(load_notebook_node(str(source)), {"prefix": user})
            nbformat.write(notebook, target)
        else:
            shutil.copyfile(source, target)
    return folder


def server_environment(user: str) -> dict[str, str]:
    """What each participant's server and kernels see besides the hub's environment."""
    return {PREFIX_VARIABLE: user, "WORKSHOP_HOME": str(workshop_home())}


if __name__ == "__main__":  # a pod's start hook on Zero to JupyterHub (hub/z2jh-values.yaml)
    import os

    prepare_home(os.environ["JUPYTERHUB_USER"], Path.home())
