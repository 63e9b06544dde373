"""How the kit draws its pictures, as SVG with a plain-text form: a pipeline from a ``get_pipeline`` declaration
coloured by a ``get_pipeline_state`` answer, and the architecture labelled with a workshop's names and URLs.

``helpers.pictures`` asks AWS for what to draw; this module only draws it. Each picture also has a plain-text form,
so a notebook run headless (papermill) records what it showed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

from ..core import links
from ..core.environments import BRANCHES, ENV_LABELS, ENVIRONMENTS, LISTENER_PORTS
from ..core.naming import Names
from ..core.settings import WorkshopSettings

#: Fill and border colour of a stage or action by its latest status; "waiting" is an approval that waits.
STATUS_COLOURS: dict[str, tuple[str, str]] = {
    "Succeeded": ("#e6f4ea", "#2e7d32"),
    "Failed": ("#fce8e6", "#c62828"),
    "InProgress": ("#e8f0fe", "#1565c0"),
    "Waiting": ("#fef7e0", "#b26a00"),
    "Stopped": ("#eeeeee", "#616161"),
    "Stopping": ("#eeeeee", "#616161"),
    "Abandoned": ("#eeeeee", "#616161"),
    "Superseded": ("#eeeeee", "#9e9e9e"),
    "": ("#fafafa", "#9e9e9e"),
}
_ICONS = {"Succeeded": "✅", "Failed": "❌", "InProgress": "⏳", "Waiting": "✋", "Stopped": "⏹", "": "·"}
FONT = "font-family='Helvetica, Arial, sans-serif'"


@dataclass
class Picture:
    """An SVG picture that JupyterLab draws, with a text form for headless runs and logs."""

    svg: str
    text: str
    width: int = 0
    height: int = 0

    def _repr_svg_(self) -> str:
        return self.svg

    def __repr__(self) -> str:
        return self.text


# -- a pipeline, from its definition and its state ---------------------------------------------------
def stack(pictures: list[Picture]) -> Picture:
    """Put pictures one under the other in one SVG.

    Returns
    -------
    Picture
        The pictures stacked, and their texts one after the other.
    """
    width, height, inner = max(p.width for p in pictures), 0, []
    for picture in pictures:
        # A nested picture keeps its own size in the parent's units (its 100% would be the parent's).
        sized = picture.svg.replace("width='100%'", f"width='{picture.width}' height='{picture.height}'", 1)
        inner.append(sized.replace("<svg ", f"<svg x='0' y='{height}' ", 1))
        height += picture.height
    svg = (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='100%' "
        f"viewBox='0 0 {width} {height}' style='max-width:{width}px'>{''.join(inner)}</svg>"
    )
    return Picture(svg, "\n".join(p.text for p in pictures), width, height)


def _action_status(action_state: dict[str, Any]) -> str:
    latest = action_state.get("latestExecution") or {}
    if latest.get("status") == "InProgress" and latest.get("token"):
        return "Waiting"
    return str(latest.get("status", ""))


#: A pipeline's geometry: a stage's width, an action's height, the gap between stages, where the stages start.
_STAGE_WIDTH, _ACTION_HEIGHT, _GAP, _PIPELINE_TOP = 200, 58, 34, 58


def draw_pipeline(declaration: Mapping[str, Any], state: Mapping[str, Any], title: str = "") -> Picture:
    """Draw a ``get_pipeline`` declaration coloured by a ``get_pipeline_state`` answer.

    Returns
    -------
    Picture
        The drawing and its text form.
    """
    states = {s["stageName"]: s for s in state.get("stageStates", [])}
    stages = declaration["stages"]
    tallest = max(len(s["actions"]) for s in stages)
    height = _PIPELINE_TOP + 40 + tallest * (_ACTION_HEIGHT + 10) + 20
    width = 20 + len(stages) * (_STAGE_WIDTH + _GAP) - _GAP + 20
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='100%' "
        f"viewBox='0 0 {width} {height}' style='max-width:{width}px' {FONT}>",
        f"<text x='20' y='24' font-size='15' font-weight='bold'>{escape(title)}</text>",
        f"<text x='20' y='44' font-size='11' fill='#555'>{escape(_pipeline_caption(declaration, state))}</text>",
    ]
    lines = [f"{title} ({_pipeline_caption(declaration, state)})"]
    newest = (states.get(stages[0]["name"], {}).get("latestExecution") or {}).get("pipelineExecutionId")
    for index, stage in enumerate(stages):
        drawn, line = _draw_stage(stage, states.get(stage["name"], {}), index, newest)
        parts.append(drawn)
        lines.append(line)
    parts.append("</svg>")
    return Picture("".join(parts), "\n".join(lines), width, height)


def _draw_stage(stage: Mapping[str, Any], stage_state: Mapping[str, Any], index: int, newest: Any) -> tuple[str, str]:
    """One stage as a box of its actions, with an arrow from the stage before it; the SVG and its line of text."""
    parts = []
    x = 20 + index * (_STAGE_WIDTH + _GAP)
    top = _PIPELINE_TOP
    latest = stage_state.get("latestExecution") or {}
    status = str(latest.get("status", ""))
    # A stage the newest run has not reached shows the run before it: say so, and draw it faded.
    earlier = bool(status) and latest.get("pipelineExecutionId") != newest
    if earlier:
        parts.append("<g opacity='0.55'>")
    action_states = {a["actionName"]: a for a in stage_state.get("actionStates", [])}
    if any(_action_status(a) == "Waiting" for a in action_states.values()):
        status = "Waiting"
    fill, stroke = STATUS_COLOURS.get(status, STATUS_COLOURS[""])
    box_height = 40 + len(stage["actions"]) * (_ACTION_HEIGHT + 10)
    parts.append(
        f"<rect x='{x}' y='{top}' width='{_STAGE_WIDTH}' height='{box_height}' rx='8' "
        f"fill='{fill}' stroke='{stroke}' stroke-width='2'/>"
    )
    parts.append(
        f"<text x='{x + 10}' y='{top + 22}' font-size='14' font-weight='bold'>{escape(stage['name'])}</text>"
        f"<text x='{x + _STAGE_WIDTH - 10}' y='{top + 22}' font-size='11' text-anchor='end' "
        f"fill='{stroke}'>{escape(status or 'no run yet')}{' (earlier run)' if earlier else ''}</text>"
    )
    if index:
        arrow_y = top + 20
        parts.append(
            f"<line x1='{x - _GAP + 4}' y1='{arrow_y}' x2='{x - 8}' y2='{arrow_y}' stroke='#555' stroke-width='2'/>"
            f"<polygon points='{x - 8},{arrow_y - 5} {x - 2},{arrow_y} {x - 8},{arrow_y + 5}' fill='#555'/>"
        )
    drawn, described = _draw_actions(stage, action_states, x, top + 34, _STAGE_WIDTH, _ACTION_HEIGHT)
    parts.append(drawn)
    if earlier:
        parts.append("</g>")
    line = (
        f"  {_ICONS.get(status, '·')} {stage['name']}"
        + (" (earlier run)" if earlier else "")
        + ": "
        + ", ".join(described)
    )
    return "".join(parts), line


def _draw_actions(
    stage: Mapping[str, Any],
    action_states: Mapping[str, Any],
    x: int,
    first_y: int,
    stage_width: int,
    action_height: int,
) -> tuple[str, list[str]]:
    """A stage's actions by runOrder, one box each (an approval's dashed); the SVG and a line of text per action."""
    parts, described = [], []
    for row, action in enumerate(sorted(stage["actions"], key=lambda a: a.get("runOrder", 1))):
        action_status = _action_status(action_states.get(action["name"], {}))
        a_fill, a_stroke = STATUS_COLOURS.get(action_status, STATUS_COLOURS[""])
        y = first_y + row * (action_height + 10)
        kind = action["actionTypeId"]
        approval = kind["category"] == "Approval"
        dash = " stroke-dasharray='5,3'" if approval else ""
        label = action["name"]
        service, resource = _action_detail(action)
        parts.append(
            f"<rect x='{x + 8}' y='{y}' width='{stage_width - 16}' height='{action_height}' rx='5' "
            f"fill='{a_fill}' stroke='{a_stroke}' stroke-width='1.5'{dash}/>"
            f"<text x='{x + 16}' y='{y + 18}' font-size='12' font-weight='bold'>{escape(label)}</text>"
            f"<text x='{x + stage_width - 14}' y='{y + 18}' font-size='10' text-anchor='end' "
            f"fill='#666'>#{action.get('runOrder', 1)}</text>"
            f"<text x='{x + 16}' y='{y + 34}' font-size='10' fill='#444'>{escape(service)}</text>"
            f"<text x='{x + 16}' y='{y + 48}' font-size='10' fill='#444'>"
            f"{escape(_fit(resource, stage_width - 32, 10))}</text>"
        )
        described.append(f"{'✋ ' if approval else ''}{label} [{action_status or 'no run yet'}]")
    return "".join(parts), described


def _pipeline_caption(declaration: Mapping[str, Any], state: Mapping[str, Any]) -> str:
    source = declaration["stages"][0]["actions"][0].get("configuration", {})
    branch = source.get("BranchName")
    started_by = f"started by commits on {branch}" if branch else "started by its source"
    return (
        f"{declaration.get('pipelineType', 'V1')}, execution mode {declaration.get('executionMode', 'SUPERSEDED')}, "
        f"{started_by}"
    )


def _action_detail(action: dict[str, Any]) -> tuple[str, str]:
    """What runs the action, and on what (drawn on two lines under the action's name)."""
    kind, configuration = action["actionTypeId"], action.get("configuration", {})
    if kind["category"] == "Approval":
        topic = str(configuration.get("NotificationArn", "")).rsplit(":", 1)[-1]
        return "Manual approval, notifies", topic
    if kind["provider"] == "CodeBuild":
        return f"CodeBuild ({kind['category'].lower()})", str(configuration.get("ProjectName", ""))
    if kind["provider"] == "CodeCommit":
        return f"CodeCommit, branch {configuration.get('BranchName', '')}", str(configuration.get("RepositoryName", ""))
    if kind["provider"] == "ECS":
        return "ECS deploy", f"{configuration.get('ClusterName', '')}/{configuration.get('ServiceName', '')}"
    return f"{kind['provider']} ({kind['category'].lower()})", ""


def _fit(text: str, pixels: int, font_size: int) -> str:
    """Shorten ``text`` with an ellipsis in the middle so it fits ``pixels`` (an average glyph is ~0.52 em)."""
    room = int(pixels / (font_size * 0.52))
    return text if len(text) <= room else text[: room // 2 - 1] + "…" + text[-(room - room // 2) :]


def _linked(element: str, link: str | None) -> str:
    """``element`` inside an SVG link: a frontend that draws the SVG inline (not JupyterLab, which draws it as an
    image) opens it on a click; the tables beside the picture carry the same link as ``<a href>``."""
    if not link:
        return element
    return f"<a href='{escape(link, quote=True)}' target='_blank'>{element}</a>"


def _approval_box(topic: str, x: int, box_width: int, y: int) -> str:
    """Under Prod's pipeline: the manual approval and the SNS topic it notifies."""
    return (
        f"<rect x='{x}' y='{y}' width='{box_width}' height='40' rx='6' fill='#fef7e0' "
        f"stroke='#b26a00' stroke-dasharray='5,3'/>"
        f"<text x='{x + 8}' y='{y + 17}' font-size='11' font-weight='bold'>manual approval first</text>"
        f"<text x='{x + 8}' y='{y + 33}' font-size='10' fill='#444'>"
        f"{escape(_fit('SNS ' + topic, box_width - 14, 10))}</text>"
    )


# -- the architecture, with a workshop's names ------------------------------------------------------
#: The architecture's geometry: where each column starts, a row's height, where the rows start, the width.
_COLUMNS = [20, 200, 390, 650, 830, 1050]
_ROW_HEIGHT, _ARCHITECTURE_TOP, _ARCHITECTURE_WIDTH = 76, 70, 1240
_ENVIRONMENT_COLOURS = {"dev": "#1565c0", "qa": "#6a1b9a", "prod": "#2e7d32"}


def draw_architecture(prefix: str, settings: WorkshopSettings, urls: Mapping[str, str | None]) -> Picture:
    """Draw what a workshop builds, one row per environment, labelled with its names and its environments' URLs
    (an environment without one yet shows its listener port).

    Returns
    -------
    Picture
        The drawing (SVG); its text form lists the same names, one environment per line.
    """
    launch = settings.launch_type
    width, height = _ARCHITECTURE_WIDTH, _ARCHITECTURE_TOP + 3 * _ROW_HEIGHT + 50
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='100%' "
        f"viewBox='0 0 {width} {height}' style='max-width:{width}px' {FONT}>",
        "<defs><marker id='arrow' markerWidth='8' markerHeight='8' refX='7' refY='4' orient='auto'>"
        "<path d='M0,0 L8,4 L0,8 z' fill='#555'/></marker></defs>",
        f"<text x='20' y='24' font-size='16' font-weight='bold'>Workshop {escape(prefix)}: "
        f"what it builds ({escape(settings.backend)}, {escape(settings.region)}, "
        f"{escape(launch)})</text>",
    ]
    headers = ["CodeCommit", "CodePipeline", "CodeBuild (shared)", "ECR", f"ECS ({launch})", "URL"]
    for x, header in zip(_COLUMNS, headers, strict=True):
        parts.append(f"<text x='{x}' y='54' font-size='12' fill='#555' font-weight='bold'>{escape(header)}</text>")
    lines = [f"Workshop {prefix} ({settings.backend}, {settings.region}, {launch})"]
    names = Names(prefix)  # every name drawn here is known without asking AWS for the account
    for row, env in enumerate(ENVIRONMENTS):
        drawn, line = _architecture_row(names, env, _ARCHITECTURE_TOP + row * _ROW_HEIGHT, urls.get(env))
        parts.append(drawn)
        lines.append(line)
    parts.append("</svg>")
    return Picture("".join(parts), "\n".join(lines), width, height)


def _architecture_row(names: Names, env: str, y: int, found_url: str | None) -> tuple[str, str]:
    """One environment's row: a box per column, arrows between them (Prod's approval under its pipeline)."""
    colour = _ENVIRONMENT_COLOURS[env]
    link = links.for_browser(found_url)  # what the learner's browser opens (behind a hub: their server)
    url = link or f"port {LISTENER_PORTS[env]}, after 01"
    cells = [
        (names.repository, f"branch {BRANCHES[env]}"),
        (names.pipeline(env), "Source → Build → Deploy"),
        (names.nodejs_project, names.container_image_project),
        (names.ecr_repository(env), "image tagged by commit"),
        (names.cluster(env), names.service(env)),
        (ENV_LABELS[env], url),
    ]
    parts = []
    for column, ((first, second), x) in enumerate(zip(cells, _COLUMNS, strict=True)):
        last = column + 1 == len(_COLUMNS)
        box_width = (_COLUMNS[column + 1] - x - 30) if not last else _ARCHITECTURE_WIDTH - x - 20
        parts.append(
            f"<rect x='{x}' y='{y}' width='{box_width}' height='52' rx='6' fill='white' "
            f"stroke='{colour}' stroke-width='1.5'/>"
            f"<text x='{x + 8}' y='{y + 21}' font-size='12' font-weight='bold'>"
            f"{escape(_fit(first, box_width - 14, 12))}</text>"
            + _linked(
                f"<text x='{x + 8}' y='{y + 40}' font-size='11' fill='#444'>"
                f"{escape(_fit(second, box_width - 14, 11))}</text>",
                link if last else None,
            )
        )
        if column:
            parts.append(
                f"<line x1='{_COLUMNS[column - 1] + (x - _COLUMNS[column - 1] - 30)}' y1='{y + 26}' "
                f"x2='{x - 3}' y2='{y + 26}' stroke='#555' stroke-width='1.5' marker-end='url(#arrow)'/>"
            )
    if env == "prod":
        parts.append(_approval_box(names.approval_topic, _COLUMNS[1], _COLUMNS[2] - _COLUMNS[1] - 30, y + 62))
    line = (
        f"  {ENV_LABELS[env]}: {names.repository}@{BRANCHES[env]} → pipeline {names.pipeline(env)}"
        + (f" (approval via {names.approval_topic})" if env == "prod" else "")
        + f" → {names.nodejs_project}, {names.container_image_project} → ECR {names.ecr_repository(env)}"
        + f" → ECS {names.cluster(env)}/{names.service(env)} → {url}"
    )
    return "".join(parts), line
