"""JupyterLab in headless Chromium (Debian's chromium, driven by Playwright), as a learner uses it, with
the settings ``make lab`` gives it: notebook 00's widgets render and their changes reach the state file;
notebook 04 runs with "Run All Cells", and one click on Approve, while the next cell already waits, lets
Prod deploy. Before 04, its workshop goes through a sandbox stop and start and a kill -9 while a pipeline runs
(tests/test_persistence.py), so that 04's Run All also shows a workshop that works after both.

``WORKSHOP_SCREENSHOTS=docs`` saves the README's screenshots (the approval, a pipeline picture) there."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from helpers import setup
from helpers.core.paths import REPO_ROOT
from helpers.core.state import load_state, state_path
from helpers.inventory import environment_urls, fetch
from tests.helpers_for_tests import free_port, sandbox_client, unique
from tests.test_persistence import assert_a_workshop_survives_a_stop_and_start_then_a_kill
from tests.workshop_runs import run_notebook

pytestmark = [pytest.mark.slow, pytest.mark.browser]  # JupyterLab in headless Chromium

#: The settings folder ``make lab`` passes as ``--LabApp.app_settings_dir`` (see the Makefile).
LAB_SETTINGS = REPO_ROOT / "jupyterlab-settings"
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
    port, token = free_port(), "workshop-browser-test"
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
            f"--LabApp.app_settings_dir={LAB_SETTINGS}",
            "--allow-root",
        ],
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


def open_notebook(page, address: str, timeout_ms: int = 90_000) -> None:
    """Open a notebook at ``address`` in JupyterLab and wait until its kernel is idle (choosing the kernel when
    JupyterLab asks: it does only when it cannot tell which one the notebook wants)."""
    page.goto(address)
    page.wait_for_selector(".jp-Notebook", timeout=timeout_ms)
    select_kernel = page.locator(".jp-Dialog button", has_text="Select")
    try:
        select_kernel.wait_for(timeout=5_000)
        select_kernel.click()
    except PlaywrightTimeout:
        pass
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']:visible", timeout=timeout_ms)


def _open_and_run_all(lab: dict, name: str, run: bool = True, width: int = 1400, height: int = 1000):
    page = lab["browser"].new_page(viewport={"width": width, "height": height})
    open_notebook(page, f"{lab['url']}/lab/tree/{name}?reset&token={lab['token']}")
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


def test_make_lab_and_this_test_use_the_kits_settings(lab):
    """The settings reach JupyterLab: comms over subshells (what answers a click while a cell runs) and no
    news pop-up; ``make lab`` passes the same folder."""
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert "LAB_SETTINGS := $(CURDIR)/jupyterlab-settings" in makefile
    assert "--LabApp.app_settings_dir=$(LAB_SETTINGS)" in makefile

    def composite(plugin: str) -> dict:
        """The plugin's defaults as JupyterLab serves them (overrides replace the schema's defaults)."""
        url = f"{lab['url']}/lab/api/settings/{plugin}?token={lab['token']}"
        with urllib.request.urlopen(url, timeout=10) as answer:
            properties = json.loads(answer.read())["schema"]["properties"]
        return {name: spec.get("default") for name, spec in properties.items()}

    assert composite("@jupyterlab/apputils-extension:kernels-settings")["commsOverSubshells"] == "perCommTarget"
    notification = composite("@jupyterlab/apputils-extension:notification")
    assert (notification["fetchNews"], notification["checkForUpdates"]) == ("false", False)


def _screenshot_folder(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("WORKSHOP_SCREENSHOTS") or tmp_path)
    folder = folder if folder.is_absolute() else REPO_ROOT / folder
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _small_png(path: Path, width: int = 1000) -> None:
    """Shrink a screenshot for the README (matplotlib brings Pillow)."""
    from PIL import Image

    with Image.open(path) as image:
        if image.width > width:
            image = image.resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)
        image.convert("P", palette=Image.Palette.ADAPTIVE, colors=256).save(path, optimize=True)


def _wait_until_all_cells_ran(page, timeout: float) -> None:
    """No cell running or queued ("[*]") for three seconds in a row."""
    deadline, quiet_since = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        busy = page.locator(".jp-InputPrompt", has_text="[*]").count()
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 3:
            return
        time.sleep(0.5)
    raise AssertionError("notebook 04 did not finish")


def test_run_all_then_one_click_on_approve_deploys_prod(lab, tmp_path):
    """As a learner: "Run All Cells" on notebook 04, one click on Approve, nothing else; after a sandbox stop and
    start, and a kill -9 while Dev's pipeline ran, between 03 and 04 (the persistence flow, on this workshop)."""
    prefix = unique("webapp")
    for name in ("00-setup.ipynb", "01-prerequisites.ipynb", "02-build-projects.ipynb", "03-pipelines.ipynb"):
        run_notebook(name, tmp_path, prefix=prefix)
    assert_a_workshop_survives_a_stop_and_start_then_a_kill(prefix)
    message = "Hello from the browser"
    _copy_with_parameters(
        "04-test-the-pipeline.ipynb", lab["folder"], prefix=prefix, auto_approve=False, new_message=message
    )
    screenshots = _screenshot_folder(tmp_path)
    page = _open_and_run_all(lab, "04-test-the-pipeline.ipynb")
    approve = page.locator("button", has_text="Approve")
    try:
        approve.wait_for(timeout=int(os.environ.get("BROWSER_WAIT_MS", "180000")))
    except Exception:
        page.screenshot(path=str(tmp_path / "04-no-approve.png"), full_page=True)
        print("screenshot:", tmp_path / "04-no-approve.png")
        raise
    # The cell after the buttons is already running: Prod cannot deploy until the click is handled.
    waiting_cell = page.locator(".jp-CodeCell", has=page.locator(".jp-InputPrompt", has_text="[*]")).first
    waiting_cell.wait_for(timeout=30_000)
    waiting_cell.scroll_into_view_if_needed()
    assert (waiting_cell.locator(".cm-content").text_content() or "").strip() == "run.watch()"
    approval_cell = page.locator(".jp-CodeCell", has_text="release.approval(workshop").first
    approval_cell.scroll_into_view_if_needed()
    page.mouse.wheel(0, -250)  # show the pipeline picture above the buttons too
    time.sleep(1)
    page.screenshot(path=str(screenshots / "approval-in-jupyterlab.png"))
    _small_png(screenshots / "approval-in-jupyterlab.png")

    clicked = time.monotonic()
    approve.click()
    page.locator("text=Approved with comment: -").wait_for(timeout=30_000)
    handled_in = time.monotonic() - clicked

    codepipeline = sandbox_client("codepipeline")
    deadline = time.monotonic() + 180
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
    assert approval["output"]["executionResult"]["externalExecutionSummary"] == "Approved"
    _wait_until_all_cells_ran(page, timeout=300)
    deadline = time.monotonic() + 60
    while True:
        urls = environment_urls(setup.open_workshop(prefix))
        status, body = fetch(urls["prod"])
        if (status, body) == (200, message) or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert (status, body) == (200, message), f"Prod at {urls['prod']} (all URLs: {urls})"
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, errors.first.inner_text()
    print(f"click handled in {handled_in:.1f} s while the next cell waited")

    picture = page.locator(".jp-CodeCell", has_text='pictures.pipeline(workshop, "dev")').last
    picture.scroll_into_view_if_needed()
    picture.locator(".jp-OutputArea-output").screenshot(path=str(screenshots / "pipeline-picture.png"))
    _small_png(screenshots / "pipeline-picture.png")
    page.close()
    run_notebook("05-cleanup.ipynb", tmp_path, prefix=prefix)


def test_the_instructors_live_status_follows_a_participant_and_the_cost_keeps_its_dollars(lab, tmp_path):
    """The instructor's view in a real browser (classroom walkthrough, findings 1 and 3): the live table moves
    from 00 to 01 while the page stays open, shown once; the plan's cost headline keeps its "$" signs."""
    from helpers.event.start import start_event
    from localaws import api

    event = unique("lv")
    api.configure_account({"codebuild_concurrency": 2})  # the quota a classroom of one asks for
    try:
        start_event(event, 1)
    finally:
        api.reset_account()
    prefix = f"{event}-01"
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "from helpers import event as events\nfrom helpers.core.settings import WorkshopSettings\n"
            "events.plan_event(1, WorkshopSettings.build()).show()"
        ),
        nbformat.v4.new_code_cell(f"events.live_status({event!r}, every=1)"),
    ]
    nbformat.write(notebook, lab["folder"] / "live.ipynb")
    page = _open_and_run_all(lab, "live.ipynb")
    headline = page.locator("caption", has_text="per participant per hour").first
    headline.wait_for(timeout=120_000)
    assert "$" in headline.inner_text() and "for 4 hours" in headline.inner_text()
    live = page.locator(".widget-html", has_text=prefix)
    live.first.wait_for(timeout=60_000)
    assert "00-setup" in live.first.inner_text() and live.count() == 1  # shown once
    run_notebook("01-prerequisites.ipynb", tmp_path, prefix=prefix)  # the participant moves on
    page.wait_for_function(
        """prefix => [...document.querySelectorAll('.widget-html')].some(
            e => e.innerText.includes(prefix) && e.innerText.includes('01-prerequisites'))""",
        arg=prefix,
        timeout=60_000,
    )
    page.close()
    run_notebook("05-cleanup.ipynb", tmp_path, prefix=prefix)


def test_the_architecture_fits_a_1280_pixel_screen_with_the_file_browser_open(lab):
    """Walkthrough finding 7: the 1240 px drawing sat in an 848 px output area, its ECS column hidden."""
    prefix = unique("wide")
    _copy_with_parameters("00-setup.ipynb", lab["folder"], prefix=prefix)
    page = _open_and_run_all(lab, "00-setup.ipynb", run=False, width=1280, height=800)
    if not page.locator(".jp-FileBrowser").first.is_visible():
        page.keyboard.press("Control+Shift+F")  # the file browser open, as a learner has it
    _menu(page, "Run All Cells")
    page.wait_for_selector("text=All required checks pass", timeout=120_000)
    output = page.locator(".jp-RenderedSVG, .jp-RenderedImage").first
    output.scroll_into_view_if_needed(timeout=30_000)
    drawing = output.locator("svg, img").first
    page.screenshot(path=str(lab["folder"] / "architecture-1280.png"))
    shown, room = drawing.bounding_box(), output.bounding_box()
    assert shown and room and shown["width"] <= room["width"] + 1, (shown, room)
    assert shown["width"] > 600  # drawn, not squeezed to nothing
    page.close()
