"""ECS canary and linear deployments in Docker mode: the contract tests of ``test_ecs_canary_linear.py``, collected
again here under the ``docker`` marker, so that `make test` runs them once with tasks as processes and once with tasks
as containers (issue 25: the sandbox does it all in both container runtimes). Blue/green's are in
``test_ecs_blue_green_in_docker.py``: a file each, so that two of the Docker session's workers share them (the two
together were its longest file, 74 s, which the session waited for alone)."""

from __future__ import annotations

import pytest

from tests.sandbox.test_ecs_canary_linear import *  # noqa: F403 (the tests and their fixtures, collected again here)

# Docker mode: `make test` runs these in its second session. `slow` too: `make test-fast` runs the same contract tests
# once, in process mode, and leaves their second runtime to `make test`.
pytestmark = [pytest.mark.docker, pytest.mark.slow]
