"""JupyterLab in headless Chromium (Debian's chromium, driven by Playwright), as a learner uses it:
notebook 00's widgets render and their changes reach the state file; in notebook 04, clicking Approve
lets Prod deploy."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from helpers.paths import REPO_ROOT
from helpers.state import load_state, state_path
from tests.helpers_for_tests import sandbox_client, unique
from tests.workshop_runs import run_notebook

pytestmark = [pytest.mark.slow, pytest.mark.browser]  # JupyterLab in headless Chromium

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _copy_with_parameters(name: str, folder: Path, **values: object) -> None:
    """A copy of a notebook whose parameters cell sets ``values`` (the committed one stays untouched)."""
    notebook = nbformat.read(REPO_ROOT / "notebooks" / name, as_version=4)
    cell = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    lines = []
    for line in cell.source.splitlines():
        key = line.split("=")[0].strip()
        lines.append(f"{key} = {values[key]!r}" if key in values else line)
    cell.source = "\n".join(lines)
    nbformat.write(notebook, folder / name)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a copy of the notebooks folder, with the test session's sandbox."""
    assert Path(CHROMIUM).exists(), "Chromium is needed for the browser test: apt-get install chromium"
    folder = tmp_path_factory.mktemp("lab")
    port, token = _free_port(), "workshop-browser-test"
    env = {k: v for k, v in os.environ.items() if k != "WORKSHOP_AUTO_APPROVE"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={folder}",
            "--ServerApp.open_browser=False",
            "--allow-root",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield {"folder": folder, "url": base, "token": token, "browser": browser}
        browser.close()
    os.killpg(server.pid, 15)
    server.wait(timeout=20)


def _menu(page, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.get_by_role("menuitem", name=item, exact=True).click()


def _select_cell(page, text: str) -> None:
    cell = page.locator(".jp-CodeCell", has_text=text).first
    cell.scroll_into_view_if_needed()
    cell.locator(".jp-InputPrompt").click()


def _open_and_run_all(lab: dict, name: str, run: bool = True):
    page = lab["browser"].new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{lab['url']}/lab/tree/{name}?reset&token={lab['token']}")
    page.wait_for_selector(".jp-Notebook", timeout=90_000)
    select_kernel = page.locator(".jp-Dialog button", has_text="Select")
    try:
        select_kernel.wait_for(timeout=5_000)
        select_kernel.click()
    except Exception:  # JupyterLab asks only when it cannot tell which kernel the notebook wants
        pass
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']:visible", timeout=90_000)
    if run:
        _menu(page, "Run All Cells")
    return page


def test_setup_widgets_render_and_save_to_the_state_file(lab):
    prefix = unique("web")
    _copy_with_parameters("00-setup.ipynb", lab["folder"], prefix=prefix)
    page = _open_and_run_all(lab, "00-setup.ipynb")
    region = page.locator(".widget-dropdown select").first
    region.wait_for(timeout=120_000)
    assert load_state(prefix).settings.region == "us-east-1"
    region.select_option("eu-west-1")
    page.locator(".widget-toggle-button", has_text="EC2").click()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        settings = load_state(prefix).settings
        if (settings.region, settings.launch_type) == ("eu-west-1", "EC2"):
            break
        time.sleep(0.3)
    assert (settings.region, settings.launch_type) == ("eu-west-1", "EC2")
    page.wait_for_selector("text=All required checks pass", timeout=60_000)
    saved = json.loads(state_path(prefix).read_text())
    assert saved["settings"]["region"] == "eu-west-1"
    page.screenshot(path=str(lab["folder"] / "00-setup.png"))
    page.close()


def test_clicking_approve_lets_prod_deploy(lab, tmp_path):
    prefix = unique("webapp")
    for name in ("00-setup.ipynb", "01-prerequisites.ipynb", "02-build-projects.ipynb", "03-pipelines.ipynb"):
        run_notebook(name, tmp_path, prefix=prefix)
    _copy_with_parameters("04-test-the-pipeline.ipynb", lab["folder"], prefix=prefix, auto_approve=False)
    page = _open_and_run_all(lab, "04-test-the-pipeline.ipynb", run=False)
    # As the notebook says: run the cells up to the approval, click, then run the rest.
    _select_cell(page, "release.approval(workshop")
    _menu(page, "Run All Above Selected Cell")
    _select_cell(page, "release.approval(workshop")
    page.keyboard.press("Control+Enter")  # run the selected cell, stay on it
    approve = page.locator("button", has_text="Approve")
    try:
        approve.wait_for(timeout=int(os.environ.get("BROWSER_WAIT_MS", "180000")))
    except Exception:
        page.screenshot(path=str(tmp_path / "04-no-approve.png"), full_page=True)
        print("screenshot:", tmp_path / "04-no-approve.png")
        raise
    page.locator(".widget-text input").last.fill("approved in the browser")
    approve.click()
    try:
        page.wait_for_selector("text=Approved with comment: approved in the browser", timeout=60_000)
    except Exception:
        page.screenshot(path=str(tmp_path / "04-after-click.png"), full_page=True)
        raise
    _select_cell(page, 'release.watch_environment(workshop, "prod", after)\n')
    _menu(page, "Run Selected Cell and All Below")
    codepipeline = sandbox_client("codepipeline")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        runs = codepipeline.list_pipeline_executions(pipelineName=f"{prefix}-prod")["pipelineExecutionSummaries"]
        if runs[0]["status"] != "InProgress":
            break
        time.sleep(0.5)
    assert runs[0]["status"] == "Succeeded"
    actions = codepipeline.list_action_executions(
        pipelineName=f"{prefix}-prod", filter={"pipelineExecutionId": runs[0]["pipelineExecutionId"]}
    )["actionExecutionDetails"]
    approval = next(a for a in actions if a["actionName"] == "Approval")
    assert approval["status"] == "Succeeded"
    assert approval["output"]["executionResult"]["externalExecutionSummary"] == "approved in the browser"
    page.locator(".jp-OutputArea-output img").last.wait_for(timeout=120_000)  # the timeline: the run reached the end
    page.close()
    run_notebook("05-cleanup.ipynb", tmp_path, prefix=prefix)
