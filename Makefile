# Every routine task has a name here. A fresh clone needs nothing but `make test` or `make local`:
# the first target that needs them creates the venv and installs the pinned CLI (stamp files keep it idempotent).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

## ENV=dev|prod      the environment synth, deploy, diff and destroy act on (default dev)
ENV ?= dev
# One cloud assembly per environment: a dev synth never lists, diffs or deploys what a prod synth left.
CDK_OUT = cdk.out/$(ENV)
VENV := .venv
STAMPS := .make
# The venv and the Lambda runtime use the same Python (3.13); pyenv's copy is preferred when present.
PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) $(shell command -v python3.13 2>/dev/null) python3)
PY := $(VENV)/bin/python
CDK := node_modules/.bin/cdk

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_CLI_TELEMETRY := true
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help setup synth deploy deploy-access smoke diff destroy local-synth local local-reset token docs test test-infra test-unit test-local-cloud test-e2e lint fmt bench openapi clean constraints constraints-checkov

help: ## List the targets and the variables they take
	@echo "Targets:"
	@grep -hE '^[A-Za-z0-9_.-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-20s %s\n", $$1, $$2}'
	@echo "Variables (make TARGET VARIABLE=value):"
	@grep -hE '^## [A-Z_]+=' $(MAKEFILE_LIST) | sed 's/^## /  /'

$(STAMPS)/venv: requirements.txt requirements-dev.txt lambdas/layers/auth/requirements.txt constraints.txt local_cloud/pyproject.toml
	@mkdir -p $(STAMPS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --editable ./local_cloud
	@touch $@

# checkov pins a boto3 the project's pin excludes, so it gets a venv of its own; the infra tests run it from there.
CHECKOV_VENV := $(STAMPS)/checkov-venv
$(STAMPS)/checkov: requirements-checkov.txt constraints-checkov.txt
	@mkdir -p $(STAMPS)
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt -c constraints-checkov.txt
	@touch $@

# npm's summary goes to stderr, so `TOKEN=$(make -s token NAME=alice)` keeps only the token, even on a first run.
$(STAMPS)/node: package.json package-lock.json
	@mkdir -p $(STAMPS)
	npm ci --no-audit --no-fund --loglevel=error >&2
	@touch $@

# The browser test drives Debian's Chromium and its driver, never a browser that a tool downloads.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
$(STAMPS)/browser:
	@mkdir -p $(STAMPS)
	test -x /usr/bin/chromium -a -x /usr/bin/chromedriver || { $(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }
	@touch $@

setup: $(STAMPS)/venv $(STAMPS)/node ## Create the venv and install the pinned CDK CLI (idempotent)

synth: setup ## Synthesize every stack of ENV (dev|prod) into cdk.out/ENV
	rm -rf $(CDK_OUT)
	$(CDK) synth --quiet -c env=$(ENV) -o $(CDK_OUT)
	@echo "Synthesized into $(CDK_OUT): $$(ls $(CDK_OUT)/*.template.json | xargs -n1 basename | tr '\n' ' ')"

# The local cloud serves an unstaged synth (assets point at the source), so code edits reload without a synth.
LOCAL_CDK_OUT := .local/cdk.out
## PORT=4510         make local: the port of the REST and WebSocket APIs
PORT ?= 4510
## AWS_PORT=4511     make local: the port of the embedded AWS (moto server)
AWS_PORT ?= 4511
## NAME=alice        make token: the user to sign in, created on first use (on the command line)
## GROUPS=admins     make token: Cognito groups to add the user to (several: GROUPS="admins editors")
GROUPS ?=
# NAME counts only on the command line: USER is the login name, and some systems export NAME (WSL: the host's).
TOKEN_USER = $(if $(filter command line,$(origin NAME)),$(NAME))

local-synth: setup ## Synthesize dev unstaged into .local/cdk.out (what `make local` and the benchmarks serve)
	$(CDK) synth --quiet --no-staging -c env=dev -o $(LOCAL_CDK_OUT)

# cdk-local synthesizes the app itself, unstaged, and skips the synth when no source changed since the last.
# The embedded AWS's data (boards, users, tasks, files) is kept in .local/state from one run to the next.
LOCAL_SERVE = $(VENV)/bin/cdk-local serve --app "$(PY) app.py" --cdk $(CDK) --context env=dev \
	--cdk-out $(LOCAL_CDK_OUT) --port $(PORT) --aws-port $(AWS_PORT) --outputs-file cdk-outputs.local.json \
	--token-command "make -s token NAME=alice" --state-dir .local/state --reset-command "make local-reset"

local: setup ## Serve the dev app on localhost: REST + WebSocket on moto, auth and IAM enforced (Ctrl-C stops); keeps its data
	$(LOCAL_SERVE)

local-reset: setup ## Like make local, but starting with an empty embedded AWS (deletes the data that make local kept)
	$(LOCAL_SERVE) --reset

# Only the venv: a token never needs the CDK CLI, so it never waits for (or prints) an npm install.
token: $(STAMPS)/venv ## Print an ID token from the running local cloud: make token NAME=alice [GROUPS=admins]
	@if [ "$(origin USER)" = "command line" ]; then \
		echo "make token takes NAME=, not USER= (USER is your login name): make token NAME=$(USER)" >&2; exit 2; fi
	@if [ -z "$(TOKEN_USER)" ]; then \
		echo "make token needs a user name: make token NAME=alice [GROUPS=admins]" >&2; exit 2; fi
	@$(VENV)/bin/cdk-local token --outputs-file cdk-outputs.local.json --user "$(TOKEN_USER)" $(if $(GROUPS),--groups $(GROUPS))

# The pipeline passes APPROVAL=never: its GitHub environment's reviewers have approved the change already.
APPROVAL ?= broadening

deploy: setup ## Deploy every stack of ENV with your AWS credentials; writes cdk-outputs.ENV.json
	$(CDK) deploy --all -c env=$(ENV) -o $(CDK_OUT) --require-approval $(APPROVAL) --outputs-file cdk-outputs.$(ENV).json

REPOSITORY ?=

deploy-access: setup ## Once per account: the OIDC roles GitHub Actions deploy with (REPOSITORY=owner/name)
	@test -n "$(REPOSITORY)" || { echo "make deploy-access needs REPOSITORY=owner/name (your GitHub repository)" >&2; exit 2; }
	$(CDK) deploy Corkboard-DeployAccess -c githubRepository=$(REPOSITORY) --require-approval broadening


CONFIRM ?=

smoke: setup ## Smoke-test a deployment from its outputs file: make smoke ENV=dev|prod|local [CONFIRM=prod]
	$(PY) -m smoke --outputs-file cdk-outputs.$(ENV).json --environment $(ENV) --confirm "$(CONFIRM)"

# Pull requests pass DIFF_METHOD=template: it compares templates with the read-only bootstrap lookup role.
DIFF_METHOD ?= auto

diff: setup ## Show what `make deploy ENV=...` would change
	$(CDK) diff -c env=$(ENV) -o $(CDK_OUT) --method $(DIFF_METHOD)

destroy: setup ## Destroy ENV's stacks (refuses prod; prod data is RETAINed anyway)
	@if [ "$(ENV)" = "prod" ]; then echo "make destroy refuses ENV=prod: see docs/operations.md" >&2; exit 2; fi
	$(CDK) destroy --all -c env=$(ENV) -o $(CDK_OUT)

## WORKERS=n         make test and test-*: how many processes run the tests (default: the cores plus one)
# One more than the cores: the workers running local clouds and the fresh install mostly wait on other processes.
WORKERS ?= $(shell echo $$(( $$(getconf _NPROCESSORS_ONLN) + 1 )))
# pytest-xdist spreads the tests over the workers; with --dist loadgroup the tests that share a synth or a
# local cloud run on one worker, so that each is built once (tests/worker_groups.py).
PYTEST := $(PY) -m pytest -q -n $(WORKERS) --dist loadgroup
STARTED := $(shell date +%s)
# Runs pytest on $(1), then says how long the target took since make started (set-up and lint included),
# whether the tests passed or not.
run_tests = @echo "$(PYTEST) $(1)"; $(PYTEST) $(1) || status=$$?; \
	elapsed=$$(( $$(date +%s) - $(STARTED) )); \
	echo "make $@: $$((elapsed / 60)) min $$((elapsed % 60)) s wall clock"; \
	exit $${status:-0}

test: setup $(STAMPS)/browser $(STAMPS)/checkov lint ## Lint, then every test (infra, unit, the local cloud's own, e2e through the local cloud); prints its wall time
	$(call run_tests)

test-infra: setup $(STAMPS)/checkov ## Only the synthesized-template tests
	$(call run_tests,tests/infra)

test-unit: setup ## Only the Lambda code tests on moto
	$(call run_tests,tests/unit)

test-local-cloud: setup ## Only the local cloud's own tests (local_cloud/tests)
	$(call run_tests,local_cloud/tests)

test-e2e: setup $(STAMPS)/browser ## Only the end-to-end tests: the dev app through the local cloud, real HTTP, WebSocket and a headless browser
	$(call run_tests,tests/e2e)

lint: setup ## ruff check and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: setup ## Format and autofix
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

openapi: setup ## Regenerate docs/openapi.json from the code
	PYTHONPATH=lambdas $(PY) -m tools.openapi_document docs/openapi.json

docs: synth ## Draw docs/architecture.png from the synthesized templates (needs Graphviz: apt-get install graphviz)
	$(PY) -m cdk_local_cloud.diagram --cdk-out $(CDK_OUT) --output docs/architecture.png

bench: local-synth ## Run the benchmarks; each prints its figures
	$(PY) bench/cold_import.py
	$(PY) bench/fanout.py
	$(PY) bench/stalled_subscriber.py
	$(PY) bench/status_query.py
	$(PY) bench/local_overhead.py --cdk-out $(LOCAL_CDK_OUT)
	$(PY) bench/local_fanout.py --cdk-out $(LOCAL_CDK_OUT)
	$(PY) bench/local_restart.py

clean: ## Remove build output (keeps the venv and node_modules)
	rm -rf cdk.out .local .pytest_cache .ruff_cache

constraints: ## Re-pin every transitive dependency after a change to requirements*.txt
	rm -rf .make/constraints-venv
	$(PYTHON) -m venv .make/constraints-venv
	.make/constraints-venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	{ echo "# Every transitive dependency, pinned. Regenerate after changing requirements*.txt: make constraints"; \
	  .make/constraints-venv/bin/pip freeze --exclude-editable | grep -v '^pip=='; } > constraints.txt
	rm -rf .make/constraints-venv

constraints-checkov: ## Re-pin checkov's transitive dependencies after a change to requirements-checkov.txt
	rm -rf .make/constraints-checkov-venv
	$(PYTHON) -m venv .make/constraints-checkov-venv
	.make/constraints-checkov-venv/bin/pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	{ echo "# Every transitive dependency of requirements-checkov.txt, pinned. Regenerate after changing it: make constraints-checkov"; \
	  .make/constraints-checkov-venv/bin/pip freeze --exclude-editable | grep -v '^pip=='; } > constraints-checkov.txt
	rm -rf .make/constraints-checkov-venv
