# Two commands do all the set-up on a fresh Debian 12 machine:
#   make demo   - install what is missing, start the virtual hut, run the kiosk
#   make test   - install what is missing, run the whole test suite on every core (two workers each)
#   make check  - ruff, mypy and the in-process tests (tests/tiers.py): the quick loop
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
STAMPS := .stamps
BIN := $(VENV)/bin
PYTEST_ARGS ?=
PYTEST := $(BIN)/python -m pytest
# Workers: two per core for both targets.  make check's in-process tier waits on
# device threads, serial lines and timeouts more than it computes (1,848 tests
# took 148 s on two workers and 104 s on four, docs/PERFORMANCE.md); make test's
# process-starting tests wait too (a heartbeat's idle span, a worker killed and
# started 30 times, a hut or an app starting): four workers on two cores took
# 9 min 10 s where three took 10 min 19 s on the same code, and every worker had
# a test running from the first report to the last (docs/PERFORMANCE.md).
# A module is one unit of work, the ones that start processes first (tests/tiers.py).
# A worker that crashes ends the run (--max-worker-restart=0): pytest-xdist's
# module-at-a-time scheduling can wait forever for a replaced worker
# (pytest-xdist issues 784, 1378), which ran a CI job into its time limit.
# And the run as a whole has a ceiling under CI's 90 minutes (install included), so a hang
# fails in words rather than by the CI clock.
XDIST := --dist loadfile --max-worker-restart=0
SUITE_LIMIT ?= 70m
JOBS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) * 2 )))
TEST_JOBS ?= $(JOBS)
# The in-process tier: nothing that starts a process or needs a display, nothing slow.
CHECK_MARKERS := not procs and not slow and not soak
export KIVY_NO_ARGS := 1
export KIVY_NO_CONSOLELOG := 1
export KIVY_NO_FILELOG := 1

.PHONY: install lint check demo test bench bench-load soak sim clean

install: $(STAMPS)/venv $(STAMPS)/locale

$(STAMPS)/apt: provisioning/install-deps.sh
	@mkdir -p $(STAMPS)
	@sh provisioning/install-deps.sh
	@touch $@

$(STAMPS)/venv: pyproject.toml $(STAMPS)/apt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing the kiosk and its Python packages into $(VENV) ..."
	@$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip > $(STAMPS)/pip.log 2>&1 \
		|| { cat $(STAMPS)/pip.log; exit 1; }
	@$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[test]' >> $(STAMPS)/pip.log 2>&1 \
		|| { cat $(STAMPS)/pip.log; echo "pip could not install the project (log above)" >&2; exit 1; }
	@$(BIN)/python -c "import kiosk, kivy, serial, smartcard, escpos, cv2, requests" \
		|| { echo "Python packages did not install (see $(STAMPS)/pip.log)" >&2; exit 1; }
	@touch $@

$(STAMPS)/locale: $(STAMPS)/venv $(wildcard screens/locale/*/LC_MESSAGES/*.po)
	@$(BIN)/python -m screens.i18n
	@touch $@

demo: install
	$(BIN)/kiosk demo --out demo-out

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

# check and test: ruff first (seconds), then mypy beside the tests rather than
# before them (it is one process for half a minute, and the tests leave a core
# idle while they wait on processes); its report comes after theirs, and
# either failing fails the target.  The second argument: a test run beside them
# the same way (make test's contract test).
#
# Bytecode: this machine (and CI) sets PYTHONDONTWRITEBYTECODE=1, so every process the tests start
# (a kiosk command, a probe app, a simulator: hundreds) compiled the project's modules from source
# again, about 0.2 s of CPU per start; they are compiled once here (only what changed), and Python
# reads them even with that variable set.  Pytest's rewritten test modules are cached the same way
# for the run's workers (PYTHONDONTWRITEBYTECODE cleared for pytest: its workers share the cache).
define with_mypy_beside
	$(BIN)/ruff check .
	@$(BIN)/python -m compileall -q -j 0 kiosk drivers screens simulators tests bench > /dev/null
	@$(BIN)/mypy > $(STAMPS)/mypy.log 2>&1 & mypy=$$!; \
	contract=; if [ -n "$(2)" ]; then \
		PYTHONDONTWRITEBYTECODE= timeout -k 30s $(SUITE_LIMIT) $(2) > $(STAMPS)/contract.log 2>&1 & contract=$$!; fi; \
	PYTHONDONTWRITEBYTECODE= timeout -k 30s $(SUITE_LIMIT) $(1); tests=$$?; \
	if [ $$tests -eq 124 ]; then echo "the tests did not finish within $(SUITE_LIMIT): one hangs (the last ones started are above)" >&2; fi; \
	agreed=0; if [ -n "$$contract" ]; then wait $$contract; agreed=$$?; echo "the contract test ($(CONTRACT_TEST)):"; \
		cat $(STAMPS)/contract.log; fi; \
	wait $$mypy; typed=$$?; echo "mypy:"; cat $(STAMPS)/mypy.log; \
	if [ $$tests -ne 0 ]; then exit $$tests; fi; if [ $$agreed -ne 0 ]; then exit $$agreed; fi; exit $$typed
endef

check: install
	$(call with_mypy_beside,$(PYTEST) -q -n $(JOBS) $(XDIST) -m "$(CHECK_MARKERS)" $(PYTEST_ARGS))

# The contract test (schemathesis, tests/kiosk/central/) runs beside the rest, in a pytest of its
# own: its schema makes every operation's coverage cases while its module is collected, 6 s of
# CPU in each xdist worker (every worker collects every module) though one worker runs it.
# PYTEST_ARGS apply to the rest.
CONTRACT_TEST := tests/kiosk/central/test_central_schemathesis.py
test: install
	$(call with_mypy_beside,$(PYTEST) -n $(TEST_JOBS) $(XDIST) --ignore=$(CONTRACT_TEST) $(PYTEST_ARGS),$(PYTEST) -q -p no:cacheprovider $(CONTRACT_TEST))

bench: install
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# The platform's load test (issue 27): minutes of locust against SQLite and PostgreSQL; not in bench.
bench-load: install
	@$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[bench]' >> $(STAMPS)/pip.log 2>&1
	$(BIN)/python bench/load_platform.py $(LOAD_ARGS)

soak: install
	$(PYTEST) -m soak -p no:cacheprovider $(PYTEST_ARGS)

sim: install
	$(BIN)/kiosk sim --dir hut

clean:
	rm -rf $(STAMPS) $(VENV) demo-out hut .pytest_cache
