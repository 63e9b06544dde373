"""The CloudFormation templates are the three the kit deploys and stay what their generator writes.

cfn-lint and checkov check them in ``make lint`` (static gates, like ruff and mypy)."""

from __future__ import annotations

import importlib.util

from helpers.paths import DATA_DIR, REPO_ROOT

TEMPLATES = sorted((DATA_DIR / "templates").glob("*.yaml"))


def test_there_are_three_templates():
    assert [t.name for t in TEMPLATES] == [
        "code-build-container-image.yaml",
        "code-build-nodejs.yaml",
        "deployment-pipeline-for-all-env.yaml",
    ]


def test_pipeline_template_matches_its_generator():
    """The generator renders in memory; nothing is written into the working tree."""
    spec = importlib.util.spec_from_file_location("render", REPO_ROOT / "tools" / "render_pipeline_template.py")
    assert spec and spec.loader
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    committed = (DATA_DIR / "templates" / "deployment-pipeline-for-all-env.yaml").read_text()
    assert generator.render() == committed, "run `python tools/render_pipeline_template.py` and commit the template"
