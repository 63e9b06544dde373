"""Notebook 04's Dockerfile exercise and the container tables of notebooks 03 and 04, without a sandbox: the block
the exercise adds (and replaces on a re-run), and the tables' columns with and without the engine's view."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from helpers.changes.dockerfile import with_build_note
from helpers.views.containers import ENGINE_COLUMNS, container_table, image_table

DOCKERFILE = (Path(__file__).resolve().parents[1] / "data" / "sample-app" / "Dockerfile").read_text()
DIGEST = "sha256:" + "ab" * 32


def test_the_exercise_adds_a_label_an_env_and_a_run_step_before_user_and_a_rerun_replaces_them():
    changed = with_build_note(DOCKERFILE, "Built by the pipeline")
    lines = changed.splitlines()
    user = lines.index("USER node")
    assert 'LABEL workshop.note="Built by the pipeline"' in lines[:user]
    assert 'ENV BUILD_NOTE="Built by the pipeline"' in lines[:user]
    assert 'RUN echo "$BUILD_NOTE" > /usr/src/app/build-note.txt' in lines[:user]
    assert with_build_note(changed, "Built by the pipeline") == changed
    again = with_build_note(changed, "another note")
    assert "another note" in again and "Built by the pipeline" not in again
    assert with_build_note(again, "Built by the pipeline") == changed
    assert with_build_note("FROM node\n", "x").endswith('RUN echo "$BUILD_NOTE" > /usr/src/app/build-note.txt\n')


def test_the_image_table_shows_short_digests_megabytes_and_repositories_without_images():
    pushed = datetime(2026, 12, 6, 18, 0, 5, tzinfo=UTC)
    table = image_table(
        [
            {
                "environment": "dev",
                "repository": "p-dev",
                "tag": "abcd1234",
                "digest": DIGEST,
                "size": 12_345_678,
                "pushed": pushed,
            },
            {"environment": "prod", "repository": "p-prod"},
        ]
    )
    text = repr(table)
    assert "sha256:abababababab" in text and DIGEST not in text
    assert "12.3" in text and "2026-12-06 18:00:05" in text
    assert "(no image yet)" in text


def test_the_container_table_adds_the_engines_columns_only_when_given():
    row = {
        "environment": "dev",
        "arn": "arn:task/c/1",
        "task": "1",
        "revision": "3",
        "digest": DIGEST,
        "started": None,
        "health": "UNKNOWN",
        "status": "RUNNING",
    }
    plain = container_table([row], None).frame
    assert not set(ENGINE_COLUMNS) & set(plain.columns)
    engine = {"arn:task/c/1": {"Id": "f" * 64, "Image": "127.0.0.1:5000/p-dev:abcd1234", "Status": "Up 3 seconds"}}
    docker = container_table([row, {"environment": "qa"}], engine).frame
    assert docker.loc["dev", "container id"] == "f" * 12 and docker.loc["dev", "engine status"] == "Up 3 seconds"
    assert docker.loc["qa", "task"] == "(no task)" and docker.loc["qa", "container id"] == ""
