"""A picture of production traffic per revision over one ECS deployment: the old (blue) revision's share and the
new (green) one's, as steps over time, from the samples ``helpers.blue_green.follow_traffic`` took of
DescribeServiceDeployments (``requestedProductionTrafficWeight``), with the lifecycle stages along the bottom."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from .pictures import Picture

WIDTH, HEIGHT = 720, 276
LEFT, RIGHT, TOP, BOTTOM = 60, 20, 52, 70  # the title, then the legend on a line of its own, above the plot
BLUE, GREEN = "#1f6fb2", "#2e8b57"


def _steps(samples: Sequence[Mapping[str, Any]], key: str, x: Any, y: Any, end: float) -> str:
    """An SVG polyline's points: each share held until the next sample (a step), up to ``end`` seconds."""
    points: list[str] = []
    for index, sample in enumerate(samples):
        until = samples[index + 1]["seconds"] if index + 1 < len(samples) else end
        share = float(sample[key])
        points += [f"{x(sample['seconds']):.1f},{y(share):.1f}", f"{x(until):.1f},{y(share):.1f}"]
    return " ".join(points)


def _stage_marks(samples: Sequence[Mapping[str, Any]], x: Any) -> list[str]:
    """A tick and a label at each change of lifecycle stage, labels staggered on three lines."""
    marks, last, row = [], None, 0
    for sample in samples:
        if sample["stage"] == last or not sample["stage"]:
            continue
        last, row = sample["stage"], (row + 1) % 3
        left = x(sample["seconds"])
        marks.append(f"<line x1='{left:.1f}' y1='{TOP}' x2='{left:.1f}' y2='{HEIGHT - BOTTOM}' stroke='#ccc'/>")
        marks.append(
            f"<text x='{left + 2:.1f}' y='{HEIGHT - BOTTOM + 28 + 12 * row}' font-size='9' fill='#555'>"
            f"{escape(str(sample['stage']))}</text>"
        )
    return marks


def draw_traffic(samples: Sequence[Mapping[str, Any]], title: str) -> Picture:
    """Draw the old and new revisions' share of production traffic over the deployment.

    Returns
    -------
    Picture
        The steps as SVG; its text form lists each sample (seconds, stage, old %, new %).
    """
    end = max(1.0, float(samples[-1]["seconds"]) * 1.05) if samples else 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(seconds: float) -> float:
        return LEFT + plot_w * float(seconds) / end

    def y(share: float) -> float:
        return TOP + plot_h * (1 - share / 100)

    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='100%' viewBox='0 0 {WIDTH} {HEIGHT}' "
        "font-family='sans-serif'>",
        f"<text x='{LEFT}' y='20' font-size='13' font-weight='bold'>{escape(title)}</text>",
        f"<rect x='{LEFT}' y='{TOP}' width='{plot_w}' height='{plot_h}' fill='none' stroke='#999'/>",
    ]
    for share in (0, 50, 100):
        parts.append(f"<text x='{LEFT - 6}' y='{y(share) + 4:.1f}' font-size='10' text-anchor='end'>{share} %</text>")
    parts.append(
        f"<text x='{LEFT + plot_w}' y='{HEIGHT - BOTTOM + 14}' font-size='10' text-anchor='end'>{end:.0f} s</text>"
    )
    parts += _stage_marks(samples, x)
    for key, colour, label, row in (("old", BLUE, "old revision (blue)", 0), ("new", GREEN, "new revision (green)", 1)):
        if samples:
            points = _steps(samples, key, x, y, end)
            parts.append(f"<polyline points='{points}' fill='none' stroke='{colour}' stroke-width='3'/>")
        legend_x = LEFT + 170 * row
        parts.append(f"<rect x='{legend_x}' y='28' width='12' height='12' fill='{colour}'/>")
        parts.append(f"<text x='{legend_x + 16}' y='38' font-size='11'>{label}</text>")
    parts.append("</svg>")
    lines = [title, "seconds  stage                          old %   new %"]
    lines += [f"{s['seconds']:>7}  {s['stage']!s:<30} {s['old']:>5.1f}   {s['new']:>5.1f}" for s in samples]
    return Picture("".join(parts), "\n".join(lines), WIDTH, HEIGHT)
