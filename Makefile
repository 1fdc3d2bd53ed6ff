# Set-up and everyday commands. `make run` and `make test` work on a fresh clone: they create the venv.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# EXTRA=gpu installs paddlepaddle-gpu instead of paddlepaddle (use a fresh VENV: the two cannot coexist).
EXTRA  ?= cpu
STAMP  := $(VENV)/.installed-$(EXTRA)

.PHONY: venv run test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRA),dev]"
	touch $@

venv: $(STAMP)

run: venv
	$(BIN)/pmscreen

# pytest exits 5 when it collected no test: that must fail loudly, never pass.
test: venv
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; fi; exit $$rc

lint: venv
	$(BIN)/ruff check core gui tests bench

clean:
	rm -rf $(VENV) build dist .pytest_cache
