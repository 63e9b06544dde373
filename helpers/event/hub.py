"""One machine for a classroom: what ``hub/jupyterhub_config.py`` needs from the kit.

Participants log in to JupyterHub with their prefix as user name (``ws-01``) and the event's shared
password. Each gets a server of their own with a home folder holding a copy of the learners' notebooks
(theirs to edit), notebook 00's ``prefix`` parameter set to theirs in its one parameters cell, and
``WORKSHOP_PREFIX`` set, so notebooks 01-05 (``prefix = None``) open their workshop. All servers share one
WORKSHOP_HOME, hence one sandbox: one account, one prefix per participant, as in a shared AWS account.

The instructor logs in as ``instructor`` with a password of their own (JupyterHub's admin password, which
must differ from the participants'): their server opens the event notebook, which follows the event the hub
runs (``WORKSHOP_EVENT``) and, with its defaults, never starts another.
"""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

import nbformat

from ..core.paths import REPO_ROOT, workshop_home
from ..core.state import PREFIX_VARIABLE
from ..runner import NOTEBOOK_DIR
from .names import known_prefixes


def hub_folder() -> Path:
    """``$WORKSHOP_HOME/hub``: the hub's database, cookie secret and the participants' home folders."""
    return workshop_home() / "hub"


#: The instructor's user name on the hub (an admin).
INSTRUCTOR = "instructor"
#: JupyterHub's minimum length for an admin password.
INSTRUCTOR_PASSWORD_LENGTH = 32
#: The settings ``make lab`` gives JupyterLab (no news pop-up, comms over subshells); every hub server gets them.
LAB_SETTINGS = REPO_ROOT / "jupyterlab-settings"


def participants(event: str) -> set[str]:
    """The user names allowed to log in: the event's participant prefixes."""
    return set(known_prefixes(event))


def home_folder(user: str) -> Path:
    """``user``'s home on this machine's hub (``$WORKSHOP_HOME/hub/users/<user>``, the spawner's notebook_dir);
    it may not exist before ``prepare_home`` makes it."""
    return hub_folder() / "users" / user


def prepare_home(user: str, home: Path | None = None) -> Path:
    """Copy the notebooks into the participant's home once (later logins keep their work), with notebook
    00's ``prefix`` set in its parameters cell (one parameters cell, as committed; not a second injected
    one). ``home`` defaults to the participant's folder on this machine's hub; a Kubernetes pod passes its own."""
    if user == INSTRUCTOR:
        return prepare_instructor_home(home)
    folder = (home or home_folder(user)) / "notebooks"
    folder.mkdir(parents=True, exist_ok=True)
    for source in sorted(NOTEBOOK_DIR.glob("[0-9][0-9]-*.ipynb")):
        target = folder / source.name
        if target.exists():
            continue
        if source.name.startswith("00-"):
            notebook = nbformat.read(source, as_version=nbformat.NO_CONVERT)
            _set_parameter(notebook, "prefix", user)
            nbformat.write(notebook, target)
        else:
            shutil.copyfile(source, target)
    return folder


def prepare_instructor_home(home: Path | None = None) -> Path:
    """The instructor's home: the event notebook, once (their edits stay)."""
    folder = home or home_folder(INSTRUCTOR)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "event.ipynb"
    if not target.exists():
        shutil.copyfile(NOTEBOOK_DIR / "instructor" / "event.ipynb", target)
    return folder


def _set_parameter(notebook: nbformat.NotebookNode, name: str, value: str) -> None:
    cell = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    lines = cell.source.splitlines()
    for index, line in enumerate(lines):
        if line.partition("=")[0].strip() == name:
            assignment = f'{name} = "{value}"'
            column = line.find("#")
            lines[index] = assignment if column < 0 else f"{assignment.ljust(column - 1)} {line[column:]}"
    cell.source = "\n".join(lines)


def instructor_password(given: str | None = None) -> str:
    """The instructor's password: the one given, or one made once and kept (mode 600) in the hub's folder, so
    ``make hub`` never prints a password; the hub's log says which file holds it."""
    if given:
        if len(given) < INSTRUCTOR_PASSWORD_LENGTH:
            raise ValueError(
                f"INSTRUCTOR_PASSWORD must be at least {INSTRUCTOR_PASSWORD_LENGTH} characters (JupyterHub's rule "
                "for an admin password); leave it unset and the hub makes one."
            )
        return given
    path = instructor_password_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(30) + "\n")
    return path.read_text().strip()


def instructor_password_file() -> Path:
    """Where the password the hub made for the instructor is kept (mode 600): the hub's log prints this path,
    never the password."""
    return hub_folder() / "instructor-password"


def default_url(user: str) -> str:
    """The page a server opens on: the event notebook for the instructor, notebook 00 for everyone else (any
    name but ``instructor`` is a participant)."""
    return "/lab/tree/event.ipynb" if user == INSTRUCTOR else "/lab/tree/notebooks/00-setup.ipynb"


#: The server extension that proxies this machine's ports under each server's own path (``proxy/<port>/``): the
#: sandbox's pages and the environments' URLs listen on 127.0.0.1 here, which a participant's laptop cannot reach.
PROXY_EXTENSION = "jupyter_server_proxy"


def server_arguments() -> list[str]:
    """What every server is started with besides JupyterHub's own: the kit's JupyterLab settings, and the proxy
    extension enabled by name (pip enables it through a config file, which an image or an admin may leave out;
    every link ``helpers.core.links`` gives in a hub goes through it)."""
    return [f"--LabApp.app_settings_dir={LAB_SETTINGS}", f"--ServerApp.jpserver_extensions={PROXY_EXTENSION}=True"]


def server_environment(user: str, event: str = "") -> dict[str, str]:
    """What each server and its kernels see besides the hub's environment: a participant's prefix; for the
    instructor, the event the hub runs."""
    if user == INSTRUCTOR:
        return {"WORKSHOP_EVENT": event, "WORKSHOP_HOME": str(workshop_home())}
    return {PREFIX_VARIABLE: user, "WORKSHOP_HOME": str(workshop_home())}


if __name__ == "__main__":  # a pod's start hook on Zero to JupyterHub (hub/z2jh-values.yaml)
    import os

    prepare_home(os.environ["JUPYTERHUB_USER"], Path.home())
