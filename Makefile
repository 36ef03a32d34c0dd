# The two commands of the quick start, `make run` and `make test`, set everything up themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
OUT := out

# `make replay-demo`: every pilot site for a year, replayed into the pilot metrics table.
RUN_CASES ?= 3000
RUN_SEED ?= 2025

.PHONY: install system-packages run replay-demo report-demo test lint unit e2e faults bench schemas clean

# Programs the tests run as real components: socat (the TLS proxy in front of the embedded
# broker), Prometheus (its server and promtool), Chromium (renders the report's page), and
# Node.js with npm (runs the official AsyncAPI parser on schemas/asyncapi.yaml). Installed from
# Debian's packages when missing and allowed.
SYSTEM_PROGRAMS := socat prometheus promtool chromium node npm
SYSTEM_PACKAGES := socat prometheus chromium nodejs npm

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(INSTALLED)

install: $(INSTALLED)

system-packages:
	@missing=""; for program in $(SYSTEM_PROGRAMS); do command -v $$program >/dev/null || missing=1; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
		else \
			echo "make: $(SYSTEM_PROGRAMS) are needed by the tests (Debian: apt-get install $(SYSTEM_PACKAGES))" >&2; exit 1; \
		fi; \
	fi

# `make run`: the live system on the embedded broker, with the simulator, until Ctrl-C; with
# Prometheus and the project's rules when a `prometheus` binary is on PATH.
run: $(INSTALLED)
	$(BIN)/pathfinder up $$(command -v prometheus >/dev/null && echo --prometheus)

replay-demo: $(INSTALLED)
	mkdir -p $(OUT)
	$(BIN)/pathfinder simulate --cases $(RUN_CASES) --seed $(RUN_SEED) \
		--start 2025-01-01 --end 2025-12-31 --noise 0.01 --out $(OUT)/pilot.jsonl.gz
	$(BIN)/pathfinder replay $(OUT)/pilot.jsonl.gz --json $(OUT)/pilot-metrics.json \
		--rejected $(OUT)/pilot-rejected.jsonl

# `make report-demo`: the same year simulated, replayed, and reported into out/report/ with
# per-case rows under a key made for the demo (an evaluator keeps their own key file).
DEMO_KEY := $(OUT)/demo-pseudonym.key

report-demo: $(INSTALLED)
	mkdir -p $(OUT)
	$(BIN)/pathfinder simulate --cases $(RUN_CASES) --seed $(RUN_SEED) \
		--start 2025-01-01 --end 2025-12-31 --noise 0.01 --out $(OUT)/pilot.jsonl.gz
	$(BIN)/pathfinder replay $(OUT)/pilot.jsonl.gz --json $(OUT)/pilot-metrics.json \
		--rejected $(OUT)/pilot-rejected.jsonl --no-progress
	test -s $(DEMO_KEY) || (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > $(DEMO_KEY))
	$(BIN)/pathfinder report $(OUT)/pilot.jsonl.gz --out $(OUT)/report \
		--pseudonym-key-file $(DEMO_KEY) --no-progress
	@echo "open $(OUT)/report/index.html"

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict services/core
	$(BIN)/mypy schemas services
	$(BIN)/python -m schemas.generate --check

# Fast tiers first: no broker in `unit`; `e2e` runs the broker, workers and `pathfinder up`;
# `faults` kills, scales and poisons them.
unit: $(INSTALLED) system-packages
	$(BIN)/python -m pytest tests/unit tests/property tests/corpus tests/static tests/agents \
		tests/integration tests/report

e2e: $(INSTALLED) system-packages
	$(BIN)/python -m pytest tests/e2e tests/stack

faults: $(INSTALLED) system-packages
	$(BIN)/python -m pytest tests/faults

test: lint unit e2e faults

# Every speed and memory figure in one table (benchmarks/speed.py), then the report's.
bench: $(INSTALLED)
	$(BIN)/python benchmarks/speed.py
	$(BIN)/python benchmarks/report_rate.py

schemas: $(INSTALLED)
	$(BIN)/python -m schemas.generate

clean:
	rm -rf $(OUT) .pytest_cache .mypy_cache .ruff_cache .hypothesis tools/asyncapi/node_modules
