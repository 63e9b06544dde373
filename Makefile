# The two commands a new user needs: `make lab` (the workshop) and `make test` (the tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LAUNCH_TYPE ?= FARGATE
# Python keeps its compiled bytecode (__pycache__), as it does by default. With PYTHONDONTWRITEBYTECODE=1 (some
# images set it) every sandbox, kernel and test worker would compile the kit's and moto's modules again.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install lock upgrade lab test test-fast lint format browser docker-engine workshop sandbox-start sandbox-stop clean hub hub-proxy classroom

install: $(STAMP)

# requirements.lock pins every package of every extra, with hashes, for every platform and Python >= 3.11
# (uv pip compile --universal). `make install` installs exactly the lock; pyproject.toml keeps the ranges for
# people who install the kit as a library. `make lock` re-locks after an edit of pyproject.toml (keeping every pin
# it can); `make upgrade` moves to the newest versions the ranges allow and tests the kit against them.
LOCK := requirements.lock
UV_VERSION := $(shell sed -n 's/^uv==\([0-9.]*\).*/\1/p' $(LOCK))
LOCK_COMPILE = $(BIN)/uv pip compile pyproject.toml --all-extras --universal --generate-hashes --python-version 3.11 \
  --quiet --custom-compile-command "make lock" --output-file $(LOCK)

$(BIN)/uv:
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed (found %s)" % sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(STAMP): $(LOCK) pyproject.toml
	@command -v git >/dev/null || { echo "git is needed: install it, then run make again"; exit 1; }
	@command -v node >/dev/null || { echo "Node.js 18+ is needed: install it, then run make again"; exit 1; }
	@# uv installs the lock in seconds; plain pip (--require-hashes, as the lock has hashes) is the fallback. Both
	@# compile the installed modules once here, so that no process compiles them when it starts (a sandbox: 2.1 s of
	@# CPU -> 1.4 s). The kit itself is installed editable, without dependencies: the lock brought them.
	$(MAKE) --no-print-directory $(BIN)/uv \
	  && $(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python $(LOCK) \
	  && $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python --no-deps -e . \
	  || { test -d $(VENV) || $(PYTHON) -m venv $(VENV); \
	       $(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r $(LOCK) \
	       && $(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .; }
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ipykernel)" >/dev/null
	touch $(STAMP)

lock: $(BIN)/uv
	$(LOCK_COMPILE)

# Run it when a dependency has a release you want (a security fix, a moto patch release), and at least once a
# month: it re-locks to the newest versions pyproject.toml's ranges allow, prints which packages moved, installs
# them, and runs the fast tier and one whole workshop (Fargate) against them. Commit requirements.lock if it passes.
upgrade: $(BIN)/uv
	cp $(LOCK) $(VENV)/lock.before
	$(LOCK_COMPILE) --upgrade
	$(BIN)/python tools/lock_changes.py $(VENV)/lock.before $(LOCK)
	$(MAKE) --no-print-directory install test-fast
	$(BIN)/python -m pytest -q -p no:randomly tests/test_participant_identities.py
	$(BIN)/python tools/lock_changes.py $(VENV)/lock.before $(LOCK)

# JupyterLab opens on the notebooks folder with the kit's settings (jupyterlab-settings/overrides.json:
# widget clicks answered in a kernel subshell while a cell runs, no news pop-up); your own settings still win.
LAB_SETTINGS := $(CURDIR)/jupyterlab-settings

lab: install
	$(BIN)/python -m helpers sandbox start
	$(BIN)/jupyter lab --ServerApp.root_dir=$(CURDIR) --LabApp.default_url=/lab/tree/notebooks \
	  --LabApp.app_settings_dir=$(LAB_SETTINGS) $$([ "$$(id -u)" = 0 ] && echo --allow-root)

# `make test` = the gates, then every test, with the new-account defaults (IAM propagates in 5 s, ...). Three
# pytest-xdist workers, each with a sandbox of its own (tests of one file stay on one worker, with its fixtures, and
# the files that share a workshop go to one worker together: --dist loadgroup, tests/file_order.py):
# most of a workshop flow is waiting for builds, deployments and AWS's delays, so three flows share two cores well.
# Two sessions: everything in process mode (tasks as local processes, Dockerfiles read, not run), then the tests
# marked `docker` with Docker-mode sandboxes (a real engine builds the images, a real registry behind ECR).
test: install browser hub-proxy lint
	LOCALAWS_CONTAINERS=process $(BIN)/python -m pytest -m "not classroom and not docker" -n 3 --dist loadgroup
	@if tools/docker-engine; then LOCALAWS_CONTAINERS=docker $(BIN)/python -m pytest -m "docker" -n 3 --dist loadgroup; \
	else $(DOCKER_UNTESTED); fi

# `make classroom`: a class of three on the hub, driven in Chromium through the hub's URL (several minutes).
classroom: install browser hub-proxy
	$(BIN)/python -m pytest -m classroom -q

# `make test-fast` (about 2 minutes): all but the notebook and workshop flows and the browser. Three workers, each with
# a sandbox of its own (on two cores: much of a test is waiting for builds), in an account whose IAM changes
# propagate and whose services drain in 1 s instead of 5. Tests of those delays set their own; the flows in
# `make test` prove the kit waits out the full ones. As in `make test`, the tests run in process mode and the
# docker-marked ones in a second session in Docker mode (a process-mode test reads a task's pid, which a container
# does not have).
FAST_ACCOUNT := LOCALAWS_IAM_PROPAGATION_SECONDS=1 LOCALAWS_SERVICE_DRAINING_SECONDS=1
test-fast: install
	LOCALAWS_CONTAINERS=process $(FAST_ACCOUNT) $(BIN)/python -m pytest -m "not slow and not browser and not docker" \
	  -q -n 3 --dist loadgroup
	@if tools/docker-engine; then \
	  LOCALAWS_CONTAINERS=docker $(FAST_ACCOUNT) $(BIN)/python -m pytest -m "docker and not slow" -q -n 3 --dist loadgroup; \
	else $(DOCKER_UNTESTED); fi

# Static gates: Python (ruff, mypy) and the CloudFormation templates (cfn-lint, checkov; offline).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/cfn-lint data/templates/*.yaml
	BC_SKIP_MAPPING=TRUE CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false $(BIN)/checkov -d data/templates \
	  --framework cloudformation --skip-download --quiet --compact

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The browser test drives Debian's Chromium; as root (CI, containers) it is installed when missing.
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is needed for the browser test: sudo apt-get install chromium (or your OS's package)"; exit 1; fi; }

# Docker mode (issue 23): the sandbox uses a Docker engine when one answers (DOCKER_HOST or the default socket). As
# root (CI, containers) `tools/docker-engine` installs Debian's docker.io, docker-registry and mmdebstrap when missing
# and starts dockerd when no engine answers (clearing a dead dockerd's leftovers first; log: DOCKERD_LOG).
export DOCKERD_LOG ?= /var/log/localaws-dockerd.log
docker-engine:
	@tools/docker-engine

# The Docker-mode session of `make test` and `make test-fast`. Where no engine can be started on the machine, it says
# so in capitals at the end instead of failing the process-mode results: those still stand, Docker mode is untested.
DOCKER_UNTESTED := echo; echo "*** DOCKER MODE NOT TESTED: no Docker engine could be started here (see above). ***"
workshop: install
	$(BIN)/python -m helpers sandbox start
	$(BIN)/python -m helpers workshop --launch-type $(LAUNCH_TYPE) --output build

# A classroom on this machine: `make hub EVENT=ws PARTICIPANTS=10 PASSWORD=a-shared-password`. Participants
# open http://<this machine>:$(HUB_PORT)/ and log in as ws-01 ... ws-10 with the password; the instructor logs in
# as "instructor" (INSTRUCTOR_PASSWORD, or the file the hub names) and gets the event notebook.
EVENT ?= workshop
PARTICIPANTS ?= 10
HUB_PORT ?= 8000
hub-proxy: hub/node_modules/.installed

hub/node_modules/.installed: hub/package.json hub/package-lock.json
	cd hub && npm ci --no-audit --no-fund --silent
	touch $@

hub: install hub-proxy
	@[ -n "$(PASSWORD)" ] || { echo "Set the event password: make hub PASSWORD=... (8 characters or more)"; exit 1; }
	@# The sandbox plays a new account (one CodeBuild build at a time); a classroom needs two per participant.
	$(BIN)/python -m helpers sandbox stop
	LOCALAWS_CODEBUILD_CONCURRENCY=$$(( 2 * $(PARTICIPANTS) )) $(BIN)/python -m helpers sandbox start
	$(BIN)/python -m helpers event start --event $(EVENT) --participants $(PARTICIPANTS) --launch-type $(LAUNCH_TYPE)
	@# The passwords stay off the screen: make does not echo this line. The instructor logs in as "instructor"
	@# with INSTRUCTOR_PASSWORD (32+ characters) or, unset, the one the hub makes (its log names the file).
	@echo "JupyterHub for event $(EVENT) on port $(HUB_PORT): participants log in as $(EVENT)-01 ... with the event password"
	@WORKSHOP_EVENT=$(EVENT) WORKSHOP_EVENT_PASSWORD='$(PASSWORD)' INSTRUCTOR_PASSWORD='$(INSTRUCTOR_PASSWORD)' \
	  HUB_PORT=$(HUB_PORT) $(BIN)/jupyterhub -f hub/jupyterhub_config.py

sandbox-start: install
	$(BIN)/python -m helpers sandbox start

sandbox-stop: install
	$(BIN)/python -m helpers sandbox stop

clean:
	-$(BIN)/python -m helpers sandbox stop
	rm -rf build .pytest_cache
