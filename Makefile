# Two commands on a fresh machine: `make run` (the main job) and `make test`.
PYTHON ?= python3.12
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast mutate bench bench-sweep bench-batch bench-app install lint clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (see README)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

## Simulate one campaign end to end: summary printed, trajectory and figure in results/
run: $(STAMP)
	$(BIN)/civres run --seed 1 --out results/example

## The whole test suite (browser test included where chromium is installed)
test: $(STAMP)
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow and not browser"

## Mutation testing (mutmut) in parts (mutation/parts.toml), each with its fast tests;
## the score, less the equivalent mutants in mutation/EQUIVALENT.md, must be >= 90%.
## PARTS="engine runner" runs some parts only.
PARTS ?=
mutate: $(STAMP)
	$(BIN)/python mutation/run.py $(PARTS)

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py

bench-sweep: $(STAMP)
	$(BIN)/python benchmarks/bench_sweep.py --runs 240

bench-batch: $(STAMP)
	$(BIN)/python benchmarks/bench_batch.py --against 85ec2b8

bench-app: $(STAMP)
	$(BIN)/python benchmarks/bench_app.py
	$(BIN)/python benchmarks/bench_app_start.py

lint: $(STAMP)
	$(BIN)/ruff check civres model experiments viz seeds tests benchmarks mutation

clean:
	rm -rf $(VENV) .pytest_cache mutants build
