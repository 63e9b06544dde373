"""A class of three on `make hub`, driven in Chromium through the hub's URL only (issue 22's "done when"): each
participant logs in, runs notebooks 00 to 04 with "Run All Cells" and clicks Approve, then opens Dev, QA, Prod and
the pipeline pages from the links their notebooks show; the instructor's live table in ``event.ipynb`` follows them
without a reload; ``event cleanup`` reports what it deleted.

It takes several minutes of a 2-core machine (three JupyterLab pages and pipelines at once), so it is a tier of its
own: ``make classroom``, not ``make test``."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from helpers.__main__ import main
from helpers.event import hub
from tests.test_browser import CHROMIUM, CHROMIUM_FLAGS, _menu, _wait_until_all_cells_ran, open_notebook
from tests.test_event_hub import INSTRUCTOR_PASSWORD, PASSWORD, hub_for_an_event

pytestmark = [pytest.mark.classroom, pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(2400)]

PARTICIPANTS = 3
NOTEBOOKS = ["00-setup.ipynb", "01-prerequisites.ipynb", "02-build-projects.ipynb", "03-pipelines.ipynb"]
RELEASE = "04-test-the-pipeline.ipynb"


@pytest.fixture(autouse=True)
def _event_quota():
    """As `make hub` does: two CodeBuild builds at once per participant (the plan tells the instructor)."""
    from localaws import api

    api.configure_account({"codebuild_concurrency": 2 * PARTICIPANTS})
    yield
    api.reset_account()


def _log_in(browser, url: str, user: str, password: str):
    """A browser of its own (its own cookies), logged in on the hub's login page."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{url}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", password)
    page.click("#login_submit")
    page.wait_for_url(re.compile(rf".*/user/{re.escape(user)}/lab.*"), timeout=180_000)
    return context, page


def _run_all(page, url: str, user: str, path: str) -> None:
    open_notebook(page, f"{url}/user/{user}/lab/tree/{path}?reset", timeout_ms=120_000)
    _menu(page, "Run All Cells")


def _no_errors(page, what: str) -> None:
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, f"{what}: {errors.first.inner_text()[:2000]}"


def _links(page) -> set[str]:
    return set(page.eval_on_selector_all(".jp-OutputArea-output a[href]", "els => els.map(e => e.href)"))


def _participant(url: str, user: str, results: dict[str, object]) -> None:
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            context, page = _log_in(browser, url, user, PASSWORD)
            links: set[str] = set()
            for name in NOTEBOOKS:
                _run_all(page, url, user, f"notebooks/{name}")
                _wait_until_all_cells_ran(page, timeout=600)
                _no_errors(page, f"{user} {name}")
                links |= _links(page)
            _run_all(page, url, user, f"notebooks/{RELEASE}")
            approve = page.locator("button", has_text="Approve")
            approve.wait_for(timeout=600_000)
            approve.click()
            page.locator("text=Approved with comment").wait_for(timeout=60_000)
            _wait_until_all_cells_ran(page, timeout=600)
            _no_errors(page, f"{user} {RELEASE}")
            links |= _links(page)
            opened = {}
            for link in sorted(links):
                if link.startswith(url):  # each environment and each pipeline page, through the participant's server
                    answer = context.request.get(link)
                    opened[link[len(url) :]] = (answer.status, answer.text()[:200])
            results[user] = opened
            browser.close()
    except BaseException as error:  # reported by the main thread
        results[user] = error


def test_a_class_of_three_through_the_hub(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium is needed: make browser"
    with hub_for_an_event(tmp_path, participants=PARTICIPANTS) as (event, url, _log):
        users = [f"{event}-0{n}" for n in range(1, PARTICIPANTS + 1)]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            _, instructor = _log_in(browser, url, hub.INSTRUCTOR, INSTRUCTOR_PASSWORD)
            _run_all(instructor, url, hub.INSTRUCTOR, "event.ipynb")
            live = instructor.locator(".widget-html", has_text=users[0])
            live.first.wait_for(timeout=180_000)
            assert "00-setup" in live.first.inner_text()

            results: dict[str, object] = {}
            threads = [threading.Thread(target=_participant, args=(url, user, results)) for user in users]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=1800)
            failures = {user: r for user, r in results.items() if isinstance(r, BaseException)}
            assert not failures and len(results) == PARTICIPANTS, failures or results

            # the instructor's page, never reloaded, has followed every participant to 04
            instructor.wait_for_function(
                """users => users.every(u => [...document.querySelectorAll('.widget-html')].some(
                    e => e.innerText.includes(u) && e.innerText.includes('04-test-the-pipeline')))""",
                arg=users,
                timeout=120_000,
            )
            browser.close()

        for user in users:
            opened = results[user]
            assert isinstance(opened, dict)
            proxied = {path: answer for path, answer in opened.items() if path.startswith(f"/user/{user}/proxy/")}
            answers = [body for status, body in proxied.values() if status == 200]
            assert sum(body == "Hello from the pipeline" for body in answers) >= 1, proxied  # Prod after 04
            assert any("<html" in body.lower() for body in answers), proxied  # a pipeline page
            assert all(status == 200 for status, _ in proxied.values()), proxied

    report = _event_cleanup(event)
    assert report["ok"] is True, report
    deleted = {p["prefix"]: p["deleted"] for p in report["participants"]}
    assert set(deleted) == set(users) and all(n > 10 for n in deleted.values()), deleted


def _event_cleanup(event: str) -> dict:
    import contextlib
    import io
    import json

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["event", "cleanup", "--event", event, "--json"]) == 0
    return json.loads(out.getvalue())
