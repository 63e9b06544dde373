# The two commands a new user needs: `make lab` (the workshop) and `make test` (the tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LAUNCH_TYPE ?= FARGATE

.PHONY: install lab test browser workshop sandbox-start sandbox-stop clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed (found %s)" % sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	@command -v git >/dev/null || { echo "git is needed: install it, then run make again"; exit 1; }
	@command -v node >/dev/null || { echo "Node.js 18+ is needed: install it, then run make again"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	@# uv (from PyPI) resolves and installs in seconds; plain pip is the fallback.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv \
	  && $(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[sandbox,test,dev]' \
	  || $(BIN)/python -m pip install --quiet -e '.[sandbox,test,dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ipykernel)" >/dev/null
	touch $(STAMP)

# JupyterLab opens on the notebooks folder with the kit's settings (jupyterlab-settings/overrides.json:
# widget clicks answered in a kernel subshell while a cell runs, no news pop-up); your own settings still win.
LAB_SETTINGS := $(CURDIR)/jupyterlab-settings

lab: install
	$(BIN)/python -m helpers sandbox start
	$(BIN)/jupyter lab --ServerApp.root_dir=$(CURDIR) --LabApp.default_url=/lab/tree/notebooks \
	  --LabApp.app_settings_dir=$(LAB_SETTINGS) $$([ "$$(id -u)" = 0 ] && echo --allow-root)

test: install browser
	$(BIN)/python -m pytest

# The browser test drives Debian's Chromium; as root (CI, containers) it is installed when missing.
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is needed for the browser test: sudo apt-get install chromium (or your OS's package)"; exit 1; fi; }

workshop: install
	$(BIN)/python -m helpers sandbox start
	$(BIN)/python -m helpers workshop --launch-type $(LAUNCH_TYPE) --output build

sandbox-start: install
	$(BIN)/python -m helpers sandbox start

sandbox-stop: install
	$(BIN)/python -m helpers sandbox stop

clean:
	-$(BIN)/python -m helpers sandbox stop
	rm -rf build .pytest_cache
