"""The CloudFormation templates are the three the kit deploys and stay what their generator writes.

cfn-lint and checkov check them in ``make lint`` (static gates, like ruff and mypy)."""

from __future__ import annotations

import importlib.util
import re

from helpers.core.paths import DATA_DIR, REPO_ROOT

TEMPLATES = sorted((DATA_DIR / "templates").glob("*.yaml"))


def test_every_template_is_one_the_kit_deploys():
    """A template no step deploys is dead weight that lint keeps checking: each file is named by the helpers' code.
    One a step deploys but that is missing breaks notebook 02 or 03: the build projects' templates and the
    pipelines' exist."""
    from helpers import build_projects

    code = "".join(p.read_text() for p in (REPO_ROOT / "helpers").rglob("*.py"))
    named = set(re.findall(r"[a-z0-9-]+\.yaml", code))
    files = {t.name for t in TEMPLATES}
    assert files <= named, f"no step deploys {sorted(files - named)}"
    deployed = {*build_projects.PROJECTS.values(), "deployment-pipeline-for-all-env.yaml"}  # notebook 02's, 03's
    assert deployed <= files, f"missing in data/templates: {sorted(deployed - files)}"


def test_pipeline_template_matches_its_generator():
    """The generator renders in memory; nothing is written into the working tree."""
    spec = importlib.util.spec_from_file_location("render", REPO_ROOT / "tools" / "render_pipeline_template.py")
    assert spec and spec.loader
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    committed = (DATA_DIR / "templates" / "deployment-pipeline-for-all-env.yaml").read_text()
    assert generator.render() == committed, "run `python tools/render_pipeline_template.py` and commit the template"
