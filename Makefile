# One entry point for everything: `make demo` and `make test` work on a fresh machine
# with only Python 3.11 and make.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
BUILD := build
# ansible-test only runs from a path ending ansible_collections/<namespace>/<name>.
COLL_DIR := $(BUILD)/ansible-test/ansible_collections/ncp/mp_to_policy
PIP_VERSION := 24.2
# Beside the bootstrap script in ansible-test's cache ($HOME): the script names the wheel's path, and a wheel
# inside one checkout would vanish with it (make clean, another clone) while the cached script still pointed there.
PIP_WHEEL_DIR := $(HOME)/.ansible/test/cache/pip-wheel
PIP_WHEEL := $(PIP_WHEEL_DIR)/pip-$(PIP_VERSION)-py3-none-any.whl
GET_PIP_CACHE := $(HOME)/.ansible/test/cache/get_pip_$(subst .,_,$(PIP_VERSION)).py
STAMP := $(VENV)/.installed
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/$(BUILD)/collections
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help venv core-venvs awx-collection changelog-lint ssh-tools test unit lab-test ruff sanity lint ansible-lint build demo bench clean collection-link test-faults molecule molecule-test molecule-scenarios

help:
	@echo "make demo    - run the strategy-1 migration against the built-in lab (DEMO_SSH=1: masters over SSH)"
	@echo "make test    - everything CI runs (ruff, unit + lab + integration tests, molecule, sanity, ansible-lint, build)"
	@echo "make unit | sanity | lint | build | bench | clean"

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(STAMP)

# The ansible-core versions the collection supports (meta/runtime.yml, README): each gets a clean virtual
# environment with only that ansible-core and requirements.txt, in which the tests run the Galaxy tarball's
# install and a strategy-1 lab migration (tests/unit/test_galaxy_build.py, tests/integration/test_ansible_core_versions.py).
# 2.19 is the newest ansible-core that runs on the controller's Python 3.11 (2.20 needs 3.12).
CORE_VERSIONS := 2.16 2.17 2.18 2.19
CORE_VENV_DIR := $(BUILD)/core
CORE_STAMPS := $(foreach v,$(CORE_VERSIONS),$(CORE_VENV_DIR)/$(v)/.installed)
export NCP_CORE_VENVS := $(foreach v,$(CORE_VERSIONS),$(CURDIR)/$(CORE_VENV_DIR)/$(v))

$(CORE_VENV_DIR)/%/.installed: requirements.txt
	rm -rf $(CORE_VENV_DIR)/$*
	$(PYTHON) -m venv $(CORE_VENV_DIR)/$*
	$(CORE_VENV_DIR)/$*/bin/pip install --quiet --disable-pip-version-check "ansible-core==$*.*" -r requirements.txt
	touch $@

# The four venvs install at once (pip mostly waits on downloads and unpacking): ~30 s instead of ~80 s.
core-venvs:
	@$(MAKE) --no-print-directory -j$(words $(CORE_VERSIONS)) $(CORE_STAMPS)

# The real awx.awx that extensions/awx/requirements.yml pins, for tests/unit/test_awx_api_path.py: Galaxy is not
# reachable from every CI, PyPI is, and the `ansible` package below bundles exactly that awx.awx release.
AWX_ANSIBLE_PACKAGE := ansible==11.13.0
AWX_COLLECTIONS := $(BUILD)/awx-collections
AWX_STAMP := $(AWX_COLLECTIONS)/.installed
export NCP_AWX_COLLECTIONS := $(CURDIR)/$(AWX_COLLECTIONS)

$(AWX_STAMP): extensions/awx/requirements.yml $(STAMP)
	rm -rf $(AWX_COLLECTIONS) $(BUILD)/awx-wheel
	$(BIN)/pip download --quiet --disable-pip-version-check --no-deps --dest $(BUILD)/awx-wheel "$(AWX_ANSIBLE_PACKAGE)"
	$(BIN)/python -c "import glob, sys, zipfile; z = zipfile.ZipFile(glob.glob(sys.argv[1] + '/ansible-*.whl')[0]); z.extractall(sys.argv[2], [n for n in z.namelist() if n.startswith('ansible_collections/awx/awx/')])" $(BUILD)/awx-wheel $(AWX_COLLECTIONS)
	rm -rf $(BUILD)/awx-wheel
	touch $@

awx-collection: $(AWX_STAMP)

# pytest and ansible-playbook find the collection through this link (a copy is made for ansible-test).
collection-link:
	@mkdir -p $(BUILD)/collections/ansible_collections/ncp
	@ln -sfn $(CURDIR) $(BUILD)/collections/ansible_collections/ncp/mp_to_policy

# pytest uses both cores (-n 2); the checks after it are single-process, so they run two at a time
# (molecule beside sanity, then ansible-lint and the build), each target's output kept together.
test: ruff changelog-lint unit
	@$(MAKE) --no-print-directory -j2 --output-sync=target molecule-test sanity ansible-lint build
	@echo "make test: all checks passed"

ruff: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check plugins tests tools

# Integration tests share one lab per module: --dist loadfile keeps a module on one worker (loadgroup, in
# pytest-xdist 3.8, set a module-scoped lab up again for every test of the module). The fault suite's labs
# take a lock (tests/faults/harness.py: lab_lock), so one runs at a time across the workers.
# --durations lists the slowest tests (the 20-minute budget of make test).
changelog-lint: $(STAMP)
	$(BIN)/antsibull-changelog lint

unit: $(STAMP) core-venvs awx-collection collection-link ssh-tools
	$(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder -q --durations=15

# End-to-end scenarios (extensions/molecule) against the lab, run from the collection root, one at a time.
# make test runs the two whose paths no pytest test runs end to end (strategy 2 on TKGI, a resume after an
# interrupted run); strategy1, preflight_blocker, import_rc1 and import_rc2 repeat tests/integration's
# strategy-1, blocker, rc-1 and rc-2 runs (keeps make test under its 20-minute budget): make molecule runs all.
MOLECULE_SCENARIOS := strategy1 strategy2_tkgi preflight_blocker import_rc2 import_rc1 resume
MOLECULE_TEST_SCENARIOS := strategy2_tkgi resume
molecule: $(STAMP) collection-link
	@$(MAKE) --no-print-directory molecule-scenarios SCENARIOS="$(MOLECULE_SCENARIOS)"

molecule-test: $(STAMP) collection-link
	@$(MAKE) --no-print-directory molecule-scenarios SCENARIOS="$(MOLECULE_TEST_SCENARIOS)"

molecule-scenarios:
	@for scenario in $(SCENARIOS); do \
	  echo "molecule test -s $$scenario"; \
	  $(BIN)/molecule test -s $$scenario || exit 1; \
	done

# Offline pip bootstrap for ansible-test (see tools/get_pip_offline.py).
$(PIP_WHEEL): $(STAMP)
	@mkdir -p $(PIP_WHEEL_DIR)
	$(BIN)/pip download --quiet --no-deps --dest $(PIP_WHEEL_DIR) pip==$(PIP_VERSION)

$(GET_PIP_CACHE): tools/get_pip_offline.py $(PIP_WHEEL)
	@mkdir -p $(dir $@)
	sed "s|@WHEEL@|$(PIP_WHEEL)|" $< > $@

# A real copy of the files git would ship (tracked + untracked, not ignored).
$(COLL_DIR): FORCE
	@rm -rf $(COLL_DIR) && mkdir -p $(COLL_DIR)
	@git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} sh -c 'test -e "{}" && cp --parents -P "{}" $(COLL_DIR)/ || true'
	@cd $(COLL_DIR) && git init -q && git add -A

sanity: $(STAMP) $(GET_PIP_CACHE) $(COLL_DIR)
	cd $(COLL_DIR) && $(CURDIR)/$(BIN)/ansible-test sanity --python 3.11 --venv --color no

ansible-lint: $(STAMP)
	$(BIN)/ansible-lint --offline --profile production

lint: ruff ansible-lint sanity

build: $(STAMP)
	@mkdir -p $(BUILD)/dist
	$(BIN)/ansible-galaxy collection build --force --output-path $(BUILD)/dist .

# Real SSH masters (python -m tests.lab up --ssh, tests/integration/test_ssh_masters.py, tests/faults) need sshd and
# ip: installed from Debian when missing (root and apt-get; ~20 s once). Without them those tests skip and say why.
SSH_TOOLS := $(BIN)/python -c "from tests.lab.hosts.netns import ensure_packages; print(ensure_packages() or 'ssh/netns tools present')"
ssh-tools: $(STAMP)
	@$(SSH_TOOLS)

# The long fault matrix (tests/faults, pytest marker `long`; the default subset runs under `make test`), and the
# long cases of the preflight's window-prerequisite matrix (tests/integration/test_preflight_window_matrix.py).
# One lab at a time; the real-SSH masters need root, iproute2 and openssh-server (installed from Debian if missing).
test-faults: $(STAMP) collection-link ssh-tools
	$(BIN)/pytest -q -p no:cacheprovider -m long --durations=10 tests/faults tests/integration/test_preflight_window_matrix.py tests/integration/test_inv10_strategy2_finish.py tests/integration/test_tkgi_importer_result.py tests/integration/test_inv11_every_cluster_stopped.py tests/integration/test_tkgi_phases.py

# DEMO_SSH=1: the masters are real SSH hosts and the NSX password is only in the controller's environment.
demo: $(STAMP) collection-link
	@if [ -n "$(DEMO_SSH)" ] && [ "$(DEMO_SSH)" != 0 ]; then $(SSH_TOOLS); fi
	DEMO_SSH=$(DEMO_SSH) $(BIN)/python -m tests.lab.demo

bench: $(STAMP) collection-link
	$(BIN)/python -m tests.bench

clean:
	rm -rf $(BUILD) $(VENV) tests/output

FORCE:
