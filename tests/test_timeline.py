"""Notebook 04's timeline: commit labels never overlap (walkthrough finding 12: Dev's last labels were drawn
over each other), and every lane still names the commits it ran."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from matplotlib.backends.backend_agg import FigureCanvasAgg

from helpers.timeline import draw


def _rows() -> list[dict[str, object]]:
    start = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    rows = []
    for n in range(12):  # a busy Dev: a commit every 3 s, each run 20 s
        at = start + timedelta(seconds=3 * n)
        rows.append({"environment": "dev", "start": at, "end": at + timedelta(seconds=20), "status": "Succeeded",
                     "commit": f"c0ffee{n:02d}", "summary": ""})  # fmt: skip
    for env, offset in (("qa", 60), ("prod", 300)):
        at = start + timedelta(seconds=offset)
        rows.append({"environment": env, "start": at, "end": at + timedelta(seconds=30), "status": "Succeeded",
                     "commit": "c0ffee00", "summary": ""})  # fmt: skip
    return rows


def test_commit_labels_do_not_overlap_and_each_lane_keeps_one():
    figure = draw(_rows(), "test")
    axes = figure.axes[0]
    renderer = FigureCanvasAgg(figure).get_renderer()
    labels = [(text.get_text(), text.get_window_extent(renderer)) for text in axes.texts]
    assert {"c0ffee00"} <= {name for name, _ in labels}
    assert 3 <= len(labels) < 14  # some of Dev's crowded labels are left out
    for index, (_, box) in enumerate(labels):
        for _, other in labels[index + 1 :]:
            assert not box.overlaps(other), labels
