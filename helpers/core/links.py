"""Every link the kit shows, as the learner's browser can open it: the one place that decides.

The sandbox's pages and the environments' URLs listen on 127.0.0.1 of the machine that runs the kernel. On your
own machine (``make lab``) the browser is there too, so ``http://127.0.0.1:<port>/...`` opens. Behind a
JupyterHub (``make hub``, Binder, Zero to JupyterHub) the browser sits on a laptop, where 127.0.0.1 is the laptop:
there each such link goes through the learner's own server, whose jupyter-server-proxy extension forwards
``<JUPYTERHUB_SERVICE_PREFIX>proxy/<port>/<path>`` to ``127.0.0.1:<port>/<path>``. That link is a path on the
hub's origin, so it opens from wherever the hub's page opened, and the hub's login guards it.

The AWS console cannot show the sandbox's resources, so on the sandbox no console link is shown: the sandbox's
own page where there is one (a pipeline's), else a note that the console applies on AWS.

The kernel itself keeps fetching the local URLs (``inventory.fetch``): only what is *shown* goes through here.
"""

from __future__ import annotations

import html
import os
import re
from urllib.parse import parse_qs, urlsplit

from . import sandbox
from .context import Workshop
from .regions import console_url, is_console_url

#: What a JupyterHub single-user server (and so each of its kernels and terminals) has set: its path on the hub.
HUB_PREFIX_VARIABLE = "JUPYTERHUB_SERVICE_PREFIX"
#: The hosts that mean "this machine": a browser elsewhere cannot open them.
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
#: What the sandbox shows where AWS would give a console link it has no page for.
CONSOLE_ON_AWS = "the AWS console (on AWS only)"
_CONSOLE_PIPELINE = re.compile(r"/codesuite/codepipeline/pipelines/(?P<name>[^/]+)/view")


class Link(str):
    """A URL to show as a link: ``StatusTable`` draws it as ``<a href>``, its text form is the URL itself."""

    def html(self, text: str | None = None) -> str:
        """``<a href>`` that opens in a new tab (the notebook stays where it is)."""
        return (
            f'<a href="{html.escape(self, quote=True)}" target="_blank" rel="noopener">'
            f"{html.escape(text if text is not None else self)}</a>"
        )


def hub_prefix() -> str | None:
    """The learner's server's path on the hub (``/user/ws-01/``), or None outside a hub."""
    prefix = os.environ.get(HUB_PREFIX_VARIABLE, "").strip()
    if not prefix:
        return None
    return "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"


def for_browser(url: str | None) -> Link | None:
    """``url`` as the learner's browser opens it: a URL of this machine goes through the learner's server behind
    a hub (``<prefix>proxy/<port>/<path>``); outside a hub, and for any other host, the URL as it is."""
    if not url:
        return None
    parts = urlsplit(url)
    prefix = hub_prefix()
    if prefix is None or parts.hostname not in LOCAL_HOSTS:
        return Link(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = parts.path or "/"
    query = f"?{parts.query}" if parts.query else ""
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    return Link(f"{prefix}proxy/{port}{path}{query}{fragment}")


def endpoint_text(url: str | None) -> str:
    """An API endpoint of this machine (the sandbox's) as the notebooks name it: a URL for programs here (the
    kernel, a terminal), not a page. Behind a hub it is named by its port, so no one is shown a 127.0.0.1 URL
    that their laptop would open as its own."""
    parts = urlsplit(url or "")
    if hub_prefix() is None or parts.hostname not in LOCAL_HOSTS or parts.port is None:
        return str(url)
    return f"port {parts.port} of the hub's machine"


def pipeline_page(workshop: Workshop, name: str) -> Link:
    """Where to look at pipeline ``name``: the sandbox's own page for it, or its page in the AWS console."""
    region = workshop.settings.region
    if workshop.on_sandbox:
        return Link(for_browser(sandbox.pipeline_page_url(region, name)))
    return Link(console_url(region, f"codesuite/codepipeline/pipelines/{name}/view?region={region}"))


def shown_value(workshop: Workshop, value: str) -> str:
    """A value the kit shows (a stack output, say) with its links made openable: on the sandbox, a console
    pipeline page becomes the sandbox's page and any other console URL a note; other URLs as ``for_browser``."""
    if not value.startswith(("http://", "https://")):
        return value
    if workshop.on_sandbox and is_console_url(value):
        parts = urlsplit(value)
        match = _CONSOLE_PIPELINE.search(parts.path)
        if match is None:
            return CONSOLE_ON_AWS
        region = parse_qs(parts.query).get("region", [workshop.settings.region])[0]
        return Link(for_browser(sandbox.pipeline_page_url(region, match["name"])))
    return Link(for_browser(value))
