# crmlab: every entry point. `make` (or `make help`) lists the targets.
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
# a failing notebook does not stop the others; make still exits non-zero and names it
MAKEFLAGS += --keep-going
.SECONDARY:
SHELL := /bin/bash

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.crmlab-installed
TEST_STAMP := $(VENV)/.crmlab-test-installed
LAB_STAMP := $(VENV)/.crmlab-lab-installed
export JUPYTER_PREFER_ENV_PATH := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1
# the analyses use small matrices: BLAS threads cost more than they bring on a 2-core machine
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1

NOTEBOOK_DIR ?= notebooks
REPORT_DIR ?= reports
NOTEBOOKS := $(sort $(wildcard $(NOTEBOOK_DIR)/[0-9]*.ipynb))
REPORTS := $(patsubst $(NOTEBOOK_DIR)/%.ipynb,$(REPORT_DIR)/%.html,$(NOTEBOOKS))
CRMLAB_SOURCES := $(shell find crmlab -name '*.py' -o -name '*.tpl' -o -name '*.j2' 2>/dev/null)
RAW_DATA := $(shell find data/raw -type f 2>/dev/null)
# Parameter overrides, papermill style: make reports PARAMS="-p dataset synthetic -p seed 7"
PARAMS ?=
NB ?=
TAG ?=
# teaching kit: a roster CSV (student_id, name) and a folder of submissions. The course key seeding the
# students' data: CRMLAB_COURSE_KEY=... make grade (environment) or COURSE_KEY_FILE=path (mode 600), never
# on a command line others can read in /proc; COURSE_KEY=... still works and is passed on in the environment.
# EXERCISES=ex01_data_overview,ex03_loyalty: only those; TIMEOUT: seconds per notebook; each submission
# runs in a bubblewrap sandbox, UNSAFE_NO_SANDBOX=1 runs it without one (with your rights)
ROSTER ?= roster.csv
SUBMISSIONS ?= submissions
COURSE_KEY ?=
COURSE_KEY_FILE ?=
EXERCISES ?=
TIMEOUT ?= 120
UNSAFE_NO_SANDBOX ?=
TEACHING_OPTS = --roster $(ROSTER) $(if $(COURSE_KEY_FILE),--course-key-file $(COURSE_KEY_FILE)) \
	$(if $(EXERCISES),--exercises $(EXERCISES))
KEY_NOTE = $(if $(filter command line,$(origin COURSE_KEY)),@echo "crmlab: note: COURSE_KEY=... on the make \
	command line is visible to other users (ps); prefer CRMLAB_COURSE_KEY=... make $@ or COURSE_KEY_FILE=path" >&2)

.PHONY: help venv reports report test lint format lab data exercises solutions grade clean FORCE

help: ## show this help
	@echo "crmlab — analytical CRM lab. Usage: make <target> [VAR=value]"
	@awk 'BEGIN {FS = ":.*?## "} /^[a-zA-Z_-]+:.*?## / {printf "  \033[1m%-10s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "Variables: PARAMS=\"-p name value ...\" (notebook parameters), NB=name (make report), TAG=suffix (report name), PYTHON=python3.11"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "crmlab needs Python >= 3.11; run make PYTHON=python3.11 ...")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (crmlab)" > /dev/null
	touch $@

# extras on top of the core: [test] for make test / make lint, [lab] for make lab
$(TEST_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

$(LAB_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[lab]'
	touch $@

venv: $(STAMP) ## create .venv (if missing) and install crmlab with its runtime dependencies

reports: $(REPORTS) $(REPORT_DIR)/index.html ## run every notebook whose notebook, crmlab, data, PARAMS or CRMLAB_PSEUDONYM_KEY changed; write reports/*.html + index.html

# crmlab.reports writes every file of a report under a unique temporary name and moves it into
# place only when the whole build succeeded. So make must never delete a report: not after a failed
# recipe (.DELETE_ON_ERROR), not on Ctrl-C or SIGTERM -- the file it would delete is the previous
# good report, or the one a concurrent build just wrote.
.PRECIOUS: $(REPORT_DIR)/%.html $(REPORT_DIR)/index.html

$(REPORT_DIR)/%.html: $(NOTEBOOK_DIR)/%.ipynb $(CRMLAB_SOURCES) $(RAW_DATA) $(STAMP) $(REPORT_DIR)/.params/%
	$(PY) -m crmlab.reports run $< $(PARAMS) --reports-dir $(REPORT_DIR)

# what a report was built from besides files: the PARAMS and whether ids are pseudonymized (a
# fingerprint of CRMLAB_PSEUDONYM_KEY, never the key); rewritten only when that changes, so a
# change re-executes the notebook
$(REPORT_DIR)/.params/%: FORCE | $(STAMP)
	@$(PY) -m crmlab.reports stamp $@ $(PARAMS)

$(REPORT_DIR)/index.html: $(REPORTS) | $(STAMP)
	$(PY) -m crmlab.reports index --reports-dir $(REPORT_DIR)

report: $(STAMP) ## run one notebook: make report NB=00_data_overview [PARAMS="-p seed 7"] [TAG=s7]
	@test -n "$(NB)" || { echo "usage: make report NB=00_data_overview [PARAMS=...] [TAG=...]"; exit 2; }
	$(PY) -m crmlab.reports run $(NOTEBOOK_DIR)/$(NB:.ipynb=).ipynb $(PARAMS) $(if $(TAG),--tag $(TAG)) --reports-dir $(REPORT_DIR)

test: $(TEST_STAMP) ## run the whole suite: unit tests and every notebook under nbval
	$(PY) -m pytest tests notebooks --nbval-lax --nbval-current-env -p no:cacheprovider

lint: $(TEST_STAMP) ## ruff: lint and format check of crmlab, tests, benchmarks and notebooks
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(TEST_STAMP) ## ruff: fix what can be fixed and format everything
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

lab: $(LAB_STAMP) ## start JupyterLab with the venv's kernel
	$(VENV)/bin/jupyter lab --notebook-dir=. $(if $(filter 0,$(shell id -u)),--allow-root)

data: $(STAMP) ## write the default synthetic population to data/synthetic/ (CSV, gitignored)
	$(PY) -m crmlab.synth --out data/synthetic --n-customers 10000 --seed 0

exercises solutions grade: export CRMLAB_COURSE_KEY := $(or $(COURSE_KEY),$(CRMLAB_COURSE_KEY))

exercises: $(STAMP) ## per-student exercise notebooks and data: make exercises ROSTER=roster.csv -> exercises/<student_id>/
	$(KEY_NOTE)
	$(PY) -m crmlab.teaching exercises $(TEACHING_OPTS) --out exercises

solutions: $(STAMP) ## the answer key per student: make solutions ROSTER=roster.csv -> solutions/<student_id>/
	$(KEY_NOTE)
	$(PY) -m crmlab.teaching solutions $(TEACHING_OPTS) --out solutions

grade: $(STAMP) ## run each submission in a sandbox and grade it: make grade SUBMISSIONS=dir ROSTER=roster.csv -> grades/
	$(KEY_NOTE)
	$(PY) -m crmlab.teaching grade --submissions $(SUBMISSIONS) $(TEACHING_OPTS) --out grades --timeout $(TIMEOUT) \
		$(if $(filter 1 yes true,$(UNSAFE_NO_SANDBOX)),--unsafe-no-sandbox)

clean: ## remove built reports, generated data and caches (keeps .venv and data/raw)
	rm -rf reports data/synthetic .pytest_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -print0 | xargs -0 rm -rf
