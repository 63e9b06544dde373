"""The advanced module (notebooks/advanced/modern-deployments.ipynb) after notebooks 00-04 and before 05, on the
sandbox with Fargate: Prod's Deploy stage gains an onFailure ROLLBACK condition, a release that fails its health
check on purpose is rolled back, Prod still serves the last good release, and 05 then leaves nothing."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from helpers import cleanup, runner, setup
from helpers.runner import NOTEBOOK_DIR
from tests.helpers_for_tests import sandbox_client, unique
from tests.iam_usage import assert_least_privilege
from tests.test_workshop_flow import answers
from tests.workshop_runs import plain_text, run_notebook, status_after

pytestmark = pytest.mark.slow  # runs whole notebooks: `make test`, not `make test-fast`

MODULE = "advanced/modern-deployments.ipynb"


def test_a_failing_release_in_prod_is_rolled_back_by_its_stage_condition(tmp_path):
    prefix = unique("md")
    run_notebook("00-setup.ipynb", tmp_path, prefix=prefix, launch_type="FARGATE")
    for name in ("01-prerequisites.ipynb", "02-build-projects.ipynb", "03-pipelines.ipynb"):
        run_notebook(name, tmp_path, prefix=prefix)
    run_notebook("04-test-the-pipeline.ipynb", tmp_path, prefix=prefix, auto_approve=True)
    good = "Hello from the pipeline"
    assert answers(prefix)["prod"] == good

    seconds = runner.run_notebook(NOTEBOOK_DIR / MODULE, tmp_path, {"prefix": prefix, "auto_continue": True})
    print(f"the module took {seconds:.1f} s")
    module = plain_text(nbformat.read(tmp_path / Path(MODULE).name, as_version=4))

    codepipeline = sandbox_client("codepipeline")
    deploy = next(
        s for s in codepipeline.get_pipeline(name=f"{prefix}-prod")["pipeline"]["stages"] if s["name"] == "Deploy"
    )
    assert deploy["onFailure"] == {"result": "ROLLBACK"}
    listed = codepipeline.list_pipeline_executions(pipelineName=f"{prefix}-prod")["pipelineExecutionSummaries"]
    automated, failed, good_run = listed[1], listed[2], listed[3]  # newest first: the manual rollback is listed[0]
    assert failed["status"] == "Failed" and "circuit breaker" in failed["statusSummary"]
    assert automated["executionType"] == "ROLLBACK" and automated["status"] == "Succeeded"
    assert automated["trigger"]["triggerType"] == "AutomatedRollback"
    assert automated["rollbackMetadata"] == {"rollbackTargetPipelineExecutionId": good_run["pipelineExecutionId"]}
    assert listed[0]["trigger"]["triggerType"] == "ManualRollback" and listed[0]["status"] == "Succeeded"
    assert f"'before the failing release': '{good}'" in module and f"'now': '{good}'" in module
    assert answers(prefix)["prod"] == good  # Prod serves the last good release
    assert status_after(prefix)["environments"]["prod"]["answer"] == good

    # The rollbacks needed no permission the service roles lacked, and every one they have is still used.
    print(assert_least_privilege(prefix, "FARGATE"))

    run_notebook("05-cleanup.ipynb", tmp_path, prefix=prefix)
    assert [r for r in cleanup.leftovers(setup.open_workshop(prefix)) if r.is_problem] == []
    assert status_after(prefix)["resources"] == []
