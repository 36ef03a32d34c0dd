# The two commands of the quick start, `make run` and `make test`, set everything up themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
OUT := out

# `make replay-demo`: every pilot site for a year, replayed into the pilot metrics table.
RUN_CASES ?= 3000
RUN_SEED ?= 2025

.PHONY: install run replay-demo test lint unit bench schemas clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(INSTALLED)

install: $(INSTALLED)

# `make run`: the live system on the embedded broker, with the simulator, until Ctrl-C.
run: $(INSTALLED)
	$(BIN)/pathfinder up

replay-demo: $(INSTALLED)
	mkdir -p $(OUT)
	$(BIN)/pathfinder simulate --cases $(RUN_CASES) --seed $(RUN_SEED) \
		--start 2025-01-01 --end 2025-12-31 --noise 0.01 --out $(OUT)/pilot.jsonl.gz
	$(BIN)/pathfinder replay $(OUT)/pilot.jsonl.gz --json $(OUT)/pilot-metrics.json \
		--rejected $(OUT)/pilot-rejected.jsonl

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict services/core
	$(BIN)/mypy schemas services
	$(BIN)/python -m schemas.generate --check

unit: $(INSTALLED)
	$(BIN)/python -m pytest tests

test: lint unit

bench: $(INSTALLED)
	$(BIN)/python benchmarks/replay_rate.py
	$(BIN)/python benchmarks/stream_rate.py

schemas: $(INSTALLED)
	$(BIN)/python -m schemas.generate

clean:
	rm -rf $(OUT) .pytest_cache .mypy_cache .ruff_cache .hypothesis
