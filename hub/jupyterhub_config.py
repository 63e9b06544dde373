"""JupyterHub for a local event: `make hub EVENT=ws PARTICIPANTS=10 PASSWORD=...` (see the README).

Participants log in with their prefix (ws-01, ws-02, ...) and the shared event password; each gets a
JupyterLab of their own on a copy of the kit's notebooks with their prefix preset, all against the one
sandbox this machine runs. The instructor logs in as "instructor" with a password of their own
(INSTRUCTOR_PASSWORD, 32+ characters; unset, the hub makes one and its log names the file that holds it)
and gets the event notebook. Settings come from the environment: WORKSHOP_EVENT, WORKSHOP_EVENT_PASSWORD,
HUB_IP (default 0.0.0.0: the classroom's laptops connect to this machine), HUB_PORT (default 8000),
WORKSHOP_HOME and WORKSHOP_SANDBOX_PORT (shared by every participant's server). The hub's internal API
and proxy ports are free ones chosen at start unless HUB_API_PORT / HUB_PROXY_API_PORT say otherwise.
"""

import os
import socket
import sys
from pathlib import Path

from helpers.event import hub

c = get_config()  # type: ignore[name-defined]  # noqa: F821  (JupyterHub provides it)

HERE = Path(__file__).resolve().parent
event = os.environ["WORKSHOP_EVENT"]
users = hub.participants(event)
if not users:
    sys.exit(f"Event {event!r} has no participants: run `python -m helpers event start --event {event} ...` first.")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


state = hub.hub_folder()
state.mkdir(parents=True, exist_ok=True)
c.JupyterHub.bind_url = f"http://{os.environ.get('HUB_IP', '0.0.0.0')}:{os.environ.get('HUB_PORT', '8000')}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("HUB_API_PORT") or _free_port())
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ.get('HUB_PROXY_API_PORT') or _free_port()}"
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")
c.ConfigurableHTTPProxy.command = [str(HERE / "node_modules" / ".bin" / "configurable-http-proxy")]

c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = os.environ["WORKSHOP_EVENT_PASSWORD"]
c.SharedPasswordAuthenticator.admin_users = {hub.INSTRUCTOR}
c.SharedPasswordAuthenticator.admin_password = hub.instructor_password(os.environ.get("INSTRUCTOR_PASSWORD"))
c.Authenticator.allowed_users = users | {hub.INSTRUCTOR}
if not os.environ.get("INSTRUCTOR_PASSWORD"):
    print(f"Instructor: log in as {hub.INSTRUCTOR!r} with the password in {hub.instructor_password_file()}", flush=True)

# Every participant's server runs as this machine's user, in a home folder of its own: enough for a
# classroom on one machine (participants can reach each other's files); use Zero to JupyterHub on
# Kubernetes for isolation and larger events.
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(state / "users" / "{username}")
c.Spawner.cmd = [str(Path(sys.executable).parent / "jupyterhub-singleuser")]
c.Spawner.default_url = hub.default_url("participant")
c.Spawner.notebook_dir = str(state / "users" / "{username}")
c.Spawner.args = hub.server_arguments() + (["--allow-root"] if os.geteuid() == 0 else [])
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 120
c.Spawner.env_keep = ["JUPYTERHUB_SINGLEUSER_APP", "PATH", "LANG", "WORKSHOP_SANDBOX_PORT"]


def _prepare(spawner):
    hub.prepare_home(spawner.user.name)
    spawner.environment.update(hub.server_environment(spawner.user.name, event))
    spawner.default_url = hub.default_url(spawner.user.name)


c.Spawner.pre_spawn_hook = _prepare
