# make demo / make test work on a fresh clone: they create .venv and install everything first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
OUT ?= out/demo

.PHONY: install lint typecheck test demo bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	# compile the labelling kernel once (numba caches it beside its module)
	$(BIN)/python -c "from optimizer.roster.pricing import warm_up; warm_up()"
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check models optimizer scenarios api benchmarks tests

typecheck: install
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest

demo: install
	$(BIN)/legalaid demo --out $(OUT)
	$(BIN)/legalaid deploy demo --time-limit 20 --out $(OUT)/deploy
	$(BIN)/legalaid roster demo --time-limit 30 --out $(OUT)/roster

bench: install
	$(BIN)/python -m benchmarks.assignment --which province nation

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
