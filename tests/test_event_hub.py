"""`make hub`'s JupyterHub, for real: the hub from PyPI with its proxy from npm. Two participants log in
with the shared event password, each gets a server of their own, and notebook 00 runs in each, through
the server's own kernel API, as a participant's browser would run it."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
import requests
import websocket

from helpers.__main__ import main
from helpers.core import state
from helpers.core.environments import ENVIRONMENTS
from helpers.core.paths import REPO_ROOT
from helpers.event import hub
from tests.helpers_for_tests import free_port, unique


@pytest.fixture(autouse=True, scope="module")
def _event_quota():
    """The sandbox plays a new account (one CodeBuild build at a time); an event raises its quota first,
    as an instructor would (the plan says how), and the account is put back afterwards. IAM's propagation and
    the services' draining are no test's subject here (test_real_account_fixes.py's are): not waited for."""
    from localaws import api

    api.configure_account({"codebuild_concurrency": 20, "iam_propagation_seconds": 0, "service_draining_seconds": 0})
    yield
    api.reset_account()


pytestmark = pytest.mark.slow
PASSWORD = "event-password-" + uuid.uuid4().hex[:8]
INSTRUCTOR_PASSWORD = "instructor-password-" + uuid.uuid4().hex  # JupyterHub wants 32+ characters for an admin
PROXY = REPO_ROOT / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"


@contextlib.contextmanager
def hub_for_an_event(tmp_path: Path, participants: int) -> Iterator[tuple[str, str, Path]]:
    """``event start`` with ``participants``, then JupyterHub for it as ``make hub`` starts it; (event, the hub's
    URL, its log). The hub stops afterwards; the event stays for the test to clean up."""
    if not PROXY.exists():  # `make test` installs it (the hub-proxy target); a bare pytest run may not have
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=REPO_ROOT / "hub", check=True)
    event = unique("hb")
    assert main(["event", "start", "--event", event, "--participants", str(participants)]) == 0
    port = free_port()
    environment = {
        **os.environ,
        "WORKSHOP_EVENT": event,
        "WORKSHOP_EVENT_PASSWORD": PASSWORD,
        "INSTRUCTOR_PASSWORD": INSTRUCTOR_PASSWORD,
        "HUB_IP": "127.0.0.1",
        "HUB_PORT": str(port),
        "HUB_API_PORT": str(free_port()),
        "HUB_PROXY_API_PORT": str(free_port()),
    }
    log = (tmp_path / "hub.log").open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(REPO_ROOT / "hub" / "jupyterhub_config.py")],
        cwd=tmp_path,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: requests.get(f"{url}/hub/login", timeout=2).status_code == 200, 90, process, tmp_path)
        yield event, url, tmp_path / "hub.log"
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def running_hub(tmp_path_factory):
    """One hub for the module's tests, as an event has one: two participants' servers and the instructor's side
    by side (each test started a hub and an event of its own: 15-20 s each, issue 26)."""
    with hub_for_an_event(tmp_path_factory.mktemp("hub"), participants=2) as running:
        yield running


def _wait_for(condition, timeout, process, tmp_path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, (tmp_path / "hub.log").read_text()[-3000:]
        try:
            if condition():
                return
        except requests.RequestException:
            pass
        time.sleep(0.25)
    raise AssertionError("timed out:\n" + (tmp_path / "hub.log").read_text()[-3000:])


def log_in(url: str, user: str, password: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{url}/hub/login", timeout=10)
    answer = session.post(
        f"{url}/hub/login",
        data={"username": user, "password": password, "_xsrf": session.cookies.get("_xsrf", "")},
        allow_redirects=False,
        timeout=30,
    )
    session.login_status = answer.status_code  # type: ignore[attr-defined]
    return session


def start_server(session: requests.Session, url: str, user: str) -> None:
    assert session.get(f"{url}/hub/spawn", timeout=60).status_code < 500
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        # a page, as a browser opens it: the server sends it through the hub's OAuth and sets its cookies
        page = session.get(f"{url}/user/{user}/lab", timeout=30)
        if page.status_code == 200 and page.url.endswith(f"/user/{user}/lab"):
            assert session.get(f"{url}/user/{user}/api/status", timeout=10).status_code == 200
            return
        time.sleep(0.25)
    raise AssertionError(f"{user}'s server did not start")


def run_cells(
    session: requests.Session,
    url: str,
    user: str,
    sources: list[str],
    path: str = "notebooks/00-setup.ipynb",
    keep_kernel: bool = False,
    shown: list[dict[str, str]] | None = None,
) -> list[str]:
    """Run code in a new kernel of the user's server; the text each cell printed or returned. ``keep_kernel``
    leaves the notebook's session open, as a browser tab does (benchmarks/hub_memory.py measures that); ``shown``
    collects every output's MIME bundle as the browser gets it (HTML, SVG, text; displays updated in place
    included)."""
    xsrf = session.cookies.get("_xsrf", path=f"/user/{user}/") or session.cookies.get("_xsrf")
    headers = {"X-XSRFToken": xsrf}
    opened = session.post(  # what JupyterLab does when it opens the notebook: a session with its own kernel
        f"{url}/user/{user}/api/sessions",
        json={"path": path, "type": "notebook", "name": "", "kernel": {"name": "python3"}},
        headers=headers,
        timeout=60,
    )
    assert opened.status_code == 201, opened.text
    session_id, kernel_id = opened.json()["id"], opened.json()["kernel"]["id"]
    cookies = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    channel = websocket.create_connection(
        f"{url.replace('http', 'ws')}/user/{user}/api/kernels/{kernel_id}/channels",
        header=[f"Cookie: {cookies}", f"X-XSRFToken: {xsrf}"],
        origin=url,
        timeout=300,
    )
    outputs = []
    try:
        for source in sources:
            msg_id = uuid.uuid4().hex
            channel.send(
                json.dumps(
                    {
                        "header": {
                            "msg_id": msg_id,
                            "msg_type": "execute_request",
                            "session": uuid.uuid4().hex,
                            "username": user,
                            "version": "5.3",
                        },
                        "parent_header": {},
                        "metadata": {},
                        "content": {
                            "code": source,
                            "silent": False,
                            "store_history": True,
                            "user_expressions": {},
                            "allow_stdin": False,
                            "stop_on_error": True,
                        },
                        "channel": "shell",
                        "buffers": [],
                    }
                )
            )
            text, reply, idle = [], None, False
            while reply is None or not idle:
                message = json.loads(channel.recv())
                if message.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind, content = message["msg_type"], message["content"]
                if kind == "stream":
                    text.append(content["text"])
                elif kind in ("execute_result", "display_data", "update_display_data"):
                    if kind != "update_display_data":
                        text.append(content["data"].get("text/plain", ""))
                    if shown is not None:
                        shown.append(content["data"])
                elif kind == "error":
                    raise AssertionError(f"{user}: {content['ename']}: {content['evalue']}\n{source}")
                elif kind == "execute_reply":
                    reply = content
                elif kind == "status" and content["execution_state"] == "idle":
                    idle = True
            assert reply["status"] == "ok", reply
            outputs.append("".join(text))
    finally:
        channel.close()
        if not keep_kernel:
            session.delete(f"{url}/user/{user}/api/sessions/{session_id}", headers=headers, timeout=30)
    return outputs


def test_two_participants_log_in_and_run_notebook_00_in_their_own_servers(running_hub):
    event, url, _ = running_hub
    users = [f"{event}-01", f"{event}-02"]
    assert log_in(url, users[0], "wrong-password").login_status == 403  # type: ignore[attr-defined]
    assert log_in(url, f"{event}-09", PASSWORD).login_status == 403  # type: ignore[attr-defined]

    sessions = {}
    for user in users:
        session = log_in(url, user, PASSWORD)
        assert session.login_status == 302, user  # type: ignore[attr-defined]
        start_server(session, url, user)
        sessions[user] = session

    pids = set()
    for user, session in sessions.items():
        notebook = nbformat.read(hub.home_folder(user) / "notebooks" / "00-setup.ipynb", as_version=4)
        parameters = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(parameters) == 1 and "injected-parameters" not in str(notebook.cells)  # one cell, as committed
        assert f'prefix = "{user}"' in parameters[0].source
        code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
        run_cells(session, url, user, code)
        [check] = run_cells(
            session,
            url,
            user,
            [
                "import os; from helpers import setup\n"
                "print(setup.open_workshop().prefix, os.getpid(), os.getcwd(), sep='|')"
            ],
        )
        prefix, pid, cwd = check.strip().split("|")
        assert prefix == user  # notebooks 01-05 (prefix=None) open this participant's workshop
        assert Path(cwd) == hub.home_folder(user) / "notebooks"
        pids.add(pid)
        saved = state.load_state(user)
        assert saved.settings.prefix == user and saved.settings.backend == "sandbox"
    assert len(pids) == 2  # two servers, two kernels
    # the instructor's own pointer is untouched by the participants' notebook 00
    assert state.current_prefix() not in users


def test_the_instructor_logs_in_as_admin_and_the_event_notebook_watches_the_running_event(running_hub):
    """The instructor's way in (walkthrough finding 6): an admin user with a password of their own, whose server
    opens the event notebook; Run All with its defaults shows the hub's event and starts no second one. Every hub
    server gets the kit's JupyterLab settings (no news pop-up), and the hub's log shows no password."""
    from helpers.core.paths import workshop_home
    from helpers.event.names import load_record

    event, url, log = running_hub
    assert log_in(url, hub.INSTRUCTOR, PASSWORD).login_status == 403  # type: ignore[attr-defined]
    session = log_in(url, hub.INSTRUCTOR, INSTRUCTOR_PASSWORD)
    assert session.login_status == 302  # type: ignore[attr-defined]
    start_server(session, url, hub.INSTRUCTOR)
    assert (hub.home_folder(hub.INSTRUCTOR) / "event.ipynb").exists()
    admin = session.get(f"{url}/hub/api/user", timeout=10).json()
    assert admin["admin"] is True
    settings = session.get(
        f"{url}/user/{hub.INSTRUCTOR}/lab/api/settings/@jupyterlab/apputils-extension:notification", timeout=10
    ).json()
    assert settings["schema"]["properties"]["fetchNews"]["default"] == "false"

    events_before = sorted(p.name for p in (workshop_home() / "events").iterdir())
    notebook = nbformat.read(hub.home_folder(hub.INSTRUCTOR) / "event.ipynb", as_version=4)
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    outputs = run_cells(session, url, hub.INSTRUCTOR, code, path="event.ipynb")
    text = "\n".join(outputs)
    assert f"Event {event!r} is running: 2 participants" in text and "Nothing was started now" in text
    assert f"{event}-01" in text  # the live table
    assert sorted(p.name for p in (workshop_home() / "events").iterdir()) == events_before  # no second event
    assert load_record(event) is not None
    assert PASSWORD not in log.read_text() and INSTRUCTOR_PASSWORD not in log.read_text()


#: An SVG's namespace: a name, not a link anyone opens.
NAMESPACES = ("http://www.w3.org/",)


def shown_links(bundles: list[dict[str, str]]) -> set[str]:
    """Every link the outputs show: each ``href`` of their HTML and SVG, and each http(s) URL in any of their text."""
    found: set[str] = set()
    for bundle in bundles:
        for mime, data in bundle.items():
            if not isinstance(data, str):
                continue
            if mime in ("text/html", "image/svg+xml"):
                found.update(re.findall(r"""href=["']([^"']+)["']""", data))
            found.update(re.findall(r"""https?://[^\s"'<>)]+""", data))
    return {link.replace("&amp;", "&") for link in found if not link.startswith(NAMESPACES)}


def open_through_the_hub(session: requests.Session, url: str, link: str) -> requests.Response:
    """A link as the participant's browser opens it from the hub's page: a path on the hub's origin."""
    assert link.startswith("/"), f"{link} does not go through the hub"
    return session.get(url + link, timeout=30)


def test_every_link_a_participant_is_shown_opens_through_the_hub(running_hub):
    """Walkthrough finding 5: the pipeline pages and environment URLs listen on the hub machine's 127.0.0.1, which
    a participant's laptop cannot reach. Behind the hub every link goes through the participant's own server
    (jupyter-server-proxy); none names 127.0.0.1 nor the AWS console (no page of it shows the sandbox)."""
    event, url, _ = running_hub
    user = f"{event}-01"
    session = log_in(url, user, PASSWORD)
    start_server(session, url, user)
    folder = hub.home_folder(user) / "notebooks"

    def run(notebook: str) -> set[str]:
        shown: list[dict[str, str]] = []
        cells = nbformat.read(folder / notebook, as_version=4).cells
        run_cells(session, url, user, [c.source for c in cells if c.cell_type == "code"], notebook, shown=shown)
        for bundle in shown:
            text = json.dumps(bundle)
            assert "127.0.0.1" not in text and "localhost:" not in text, f"{notebook}: {text[:2000]}"
            assert "console.aws.amazon.com" not in text, f"{notebook}: {text[:2000]}"
        return shown_links(shown)

    run("00-setup.ipynb")
    after_01 = run("01-prerequisites.ipynb")
    environments = {link for link in after_01 if re.fullmatch(rf"/user/{user}/proxy/\d+/", link)}
    assert len(environments) == len(ENVIRONMENTS), after_01
    for link in after_01:
        answer = open_through_the_hub(session, url, link)
        assert answer.status_code == 200, (link, answer.status_code, answer.text[:300])
        if link in environments:
            assert answer.text.startswith("Placeholder for "), (link, answer.text[:300])
    stranger = requests.get(url + next(iter(environments)), timeout=30)  # the hub's login guards the proxy
    assert "Placeholder" not in stranger.text and stranger.url.startswith(f"{url}/hub/login")

    after_03 = run("03-pipelines.ipynb")
    pages = {link for link in after_03 if "/_sandbox/codepipeline/" in link}
    assert len(pages) == len(ENVIRONMENTS), after_03
    for link in after_03:
        answer = open_through_the_hub(session, url, link)
        assert answer.status_code == 200, (link, answer.status_code, answer.text[:300])
        if link in pages:
            name = link.rstrip("/").rsplit("/", 1)[-1]
            assert f"Pipeline {name}" in answer.text and name.startswith(user), (link, answer.text[:300])
