"""The CloudFormation templates pass cfn-lint and checkov, and stay what their generator writes."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

from helpers.paths import DATA_DIR, REPO_ROOT

TEMPLATES = sorted((DATA_DIR / "templates").glob("*.yaml"))


def test_there_are_three_templates():
    assert [t.name for t in TEMPLATES] == [
        "code-build-container-image.yaml",
        "code-build-nodejs.yaml",
        "deployment-pipeline-for-all-env.yaml",
    ]


def test_cfn_lint_finds_no_errors_or_warnings():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), *map(str, TEMPLATES)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_checkov_finds_no_failed_check():
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "checkov"),
            "-d",
            str(DATA_DIR / "templates"),
            "--framework",
            "cloudformation",
            "--skip-download",
            "-o",
            "json",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    report = json.loads(result.stdout)
    summary = report["summary"] if isinstance(report, dict) else report[0]["summary"]
    assert summary["failed"] == 0 and summary["parsing_errors"] == 0, result.stdout[-3000:]
    assert summary["resource_count"] == 8  # 2 projects + 3 pipelines + 3 rules: every template was read


def test_pipeline_template_matches_its_generator():
    """The generator renders in memory; nothing is written into the working tree."""
    spec = importlib.util.spec_from_file_location("render", REPO_ROOT / "tools" / "render_pipeline_template.py")
    assert spec and spec.loader
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    committed = (DATA_DIR / "templates" / "deployment-pipeline-for-all-env.yaml").read_text()
    assert generator.render() == committed, "run `python tools/render_pipeline_template.py` and commit the template"
