"""The one place that decides where a link the kit shows points (helpers/core/links.py): inside or outside a JupyterHub,
on the sandbox or on AWS; and the tables that draw those links to click."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from helpers.core import links, sandbox
from helpers.core.links import Link
from helpers.event import hub
from helpers.resources.deploy_stack import StackResult
from helpers.views.table import StatusTable

SANDBOX_PAGE = "http://127.0.0.1:4750/_sandbox/codepipeline/us-east-1/ws-01-dev-pipeline"
CONSOLE_PAGE = (
    "https://us-east-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/ws-01-dev-pipeline/view?region=us-east-1"
)


def _workshop(backend: str, region: str = "us-east-1") -> SimpleNamespace:
    return SimpleNamespace(on_sandbox=backend == "sandbox", settings=SimpleNamespace(region=region, backend=backend))


@pytest.fixture
def outside_a_hub(monkeypatch):
    monkeypatch.delenv(links.HUB_PREFIX_VARIABLE, raising=False)


@pytest.fixture
def inside_a_hub(monkeypatch):
    monkeypatch.setenv(links.HUB_PREFIX_VARIABLE, "/user/ws-01/")


@pytest.fixture
def sandbox_pages(monkeypatch):
    """The sandbox's own page for a pipeline, as its api names it (port 4750), without a running sandbox."""
    monkeypatch.setattr(
        sandbox,
        "pipeline_page_url",
        lambda region, name: f"http://127.0.0.1:4750/_sandbox/codepipeline/{region}/{name}",
    )


def test_outside_a_hub_a_local_url_stays_as_it_is(outside_a_hub):
    assert links.hub_prefix() is None
    assert links.for_browser("http://127.0.0.1:8080/") == "http://127.0.0.1:8080/"
    assert isinstance(links.for_browser("http://127.0.0.1:8080/"), Link)
    assert links.for_browser(None) is None and links.for_browser("") is None


def test_inside_a_hub_a_local_url_goes_through_the_learners_server(inside_a_hub):
    assert links.for_browser("http://127.0.0.1:8080/") == "/user/ws-01/proxy/8080/"
    assert links.for_browser("http://127.0.0.1:8080") == "/user/ws-01/proxy/8080/"
    assert links.for_browser("http://localhost:80/") == "/user/ws-01/proxy/80/"
    assert links.for_browser(SANDBOX_PAGE + "?a=1#top") == (
        "/user/ws-01/proxy/4750/_sandbox/codepipeline/us-east-1/ws-01-dev-pipeline?a=1#top"
    )


def test_inside_a_hub_another_hosts_url_stays_as_it_is(inside_a_hub):
    url = "http://ws-01-alb-123.us-east-1.elb.amazonaws.com:8080"
    assert links.for_browser(url) == url
    assert links.for_browser(CONSOLE_PAGE) == CONSOLE_PAGE


@pytest.mark.parametrize("prefix", ["/user/ws-01", "user/ws-01/", " /user/ws-01/ "])
def test_the_hubs_prefix_is_read_with_or_without_its_slashes(monkeypatch, prefix):
    monkeypatch.setenv(links.HUB_PREFIX_VARIABLE, prefix)
    assert links.for_browser("http://127.0.0.1:8081/") == "/user/ws-01/proxy/8081/"


def test_a_pipelines_page_on_the_sandbox_is_the_sandboxs_own(outside_a_hub, sandbox_pages):
    assert links.pipeline_page(_workshop("sandbox"), "ws-01-dev-pipeline") == SANDBOX_PAGE


def test_a_pipelines_page_on_the_sandbox_in_a_hub_goes_through_the_learners_server(inside_a_hub, sandbox_pages):
    page = links.pipeline_page(_workshop("sandbox"), "ws-01-dev-pipeline")
    assert page == "/user/ws-01/proxy/4750/_sandbox/codepipeline/us-east-1/ws-01-dev-pipeline"


@pytest.mark.parametrize("where", ["outside_a_hub", "inside_a_hub"])
def test_a_pipelines_page_on_aws_is_the_console_inside_a_hub_or_not(request, where):
    request.getfixturevalue(where)
    assert links.pipeline_page(_workshop("aws"), "ws-01-dev-pipeline") == CONSOLE_PAGE


def test_on_the_sandbox_a_stack_outputs_console_link_becomes_the_sandboxs_page_or_a_note(inside_a_hub, sandbox_pages):
    workshop = _workshop("sandbox")
    assert links.shown_value(workshop, CONSOLE_PAGE) == (
        "/user/ws-01/proxy/4750/_sandbox/codepipeline/us-east-1/ws-01-dev-pipeline"
    )
    elsewhere = "https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/ws-01-dev"
    assert links.shown_value(workshop, elsewhere) == links.CONSOLE_ON_AWS
    assert not isinstance(links.shown_value(workshop, elsewhere), Link)  # a note, nothing to click
    assert links.shown_value(workshop, "arn:aws:codebuild:us-east-1:123456789012:project/x") == (
        "arn:aws:codebuild:us-east-1:123456789012:project/x"
    )


def test_on_aws_a_stack_outputs_console_link_stays_and_is_a_link(outside_a_hub):
    shown = links.shown_value(_workshop("aws"), CONSOLE_PAGE)
    assert shown == CONSOLE_PAGE and isinstance(shown, Link)


def test_console_urls_of_every_partition_are_recognised():
    from helpers.core.regions import is_console_url

    assert is_console_url(CONSOLE_PAGE)
    assert is_console_url("https://cn-north-1.console.amazonaws.cn/x")
    assert is_console_url("https://console.amazonaws-us-gov.com/x")
    assert not is_console_url("http://127.0.0.1:4750/_sandbox/codepipeline/us-east-1/p")
    assert not is_console_url("https://evilconsole.aws.amazon.com.example/x")


def test_a_table_draws_links_to_click_and_its_text_keeps_the_url(inside_a_hub):
    frame = pd.DataFrame(
        [
            {"environment": "dev", "url": links.for_browser("http://127.0.0.1:8080/"), "note": "<b>"},
            {"environment": "qa", "url": "", "note": ""},
        ]
    ).set_index("environment")
    table = StatusTable(frame, "caption")
    html = table._repr_html_()
    assert '<a href="/user/ws-01/proxy/8080/" target="_blank" rel="noopener">/user/ws-01/proxy/8080/</a>' in html
    assert "/user/ws-01/proxy/8080/" in repr(table)
    assert "127.0.0.1" not in html + repr(table)


def test_a_link_is_escaped_in_its_href_and_its_text():
    assert Link('http://x/?a="1"&b=<2>').html() == (
        '<a href="http://x/?a=&quot;1&quot;&amp;b=&lt;2&gt;" target="_blank" rel="noopener">'
        "http://x/?a=&quot;1&quot;&amp;b=&lt;2&gt;</a>"
    )


def test_a_stack_result_shows_its_outputs_as_shown_values(inside_a_hub, sandbox_pages):
    outputs = {"PipelineUrlForDevEnv": CONSOLE_PAGE}
    shown = {k: links.shown_value(_workshop("sandbox"), v) for k, v in outputs.items()}
    result = StackResult("ws-01-pipelines", "CREATE_COMPLETE", "created", [], outputs, shown)
    html, text = result._repr_html_(), repr(result)
    assert "console.aws.amazon.com" not in html + text
    assert 'href="/user/ws-01/proxy/4750/_sandbox/codepipeline/us-east-1/ws-01-dev-pipeline"' in html
    assert result.outputs == outputs  # what the kit reads stays AWS's answer


def test_every_hub_server_loads_the_proxy_extension():
    """jupyterhub_config.py starts each server with the extension named; pip's config file enables it too."""
    assert f"--ServerApp.jpserver_extensions={hub.PROXY_EXTENSION}=True" in hub.server_arguments()
    # What ``jupyter server extension list`` reads and checks for this one extension, in this process: the command
    # also imports and validates every other extension installed (JupyterLab's among them), seconds of CPU.
    from jupyter_server.extension.config import ExtensionConfigManager
    from jupyter_server.extension.manager import ExtensionPackage

    pips_config = Path(sys.prefix, "etc", "jupyter")  # where pip installs an extension's enabling file
    enabled = ExtensionConfigManager(read_config_path=[str(pips_config)]).get_jpserver_extensions()
    assert enabled.get(hub.PROXY_EXTENSION) is True
    assert ExtensionPackage(name=hub.PROXY_EXTENSION, enabled=True).validate()


def test_the_sandboxs_api_endpoint_is_named_by_its_port_in_a_hub(monkeypatch):
    """It is for programs on the hub's machine (the kernel, a terminal), not a page: no URL a laptop would open."""
    monkeypatch.delenv(links.HUB_PREFIX_VARIABLE, raising=False)
    assert links.endpoint_text("http://127.0.0.1:4750") == "http://127.0.0.1:4750"
    monkeypatch.setenv(links.HUB_PREFIX_VARIABLE, "/user/ws-01/")
    assert links.endpoint_text("http://127.0.0.1:4750") == "port 4750 of the hub's machine"
