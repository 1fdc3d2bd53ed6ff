# Set-up and everyday commands. `make run` and `make test` work on a fresh clone: they create the venv.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# EXTRA=gpu installs paddlepaddle-gpu instead of paddlepaddle (use a fresh VENV: the two cannot coexist).
EXTRA  ?= cpu
STAMP  := $(VENV)/.installed-$(EXTRA)

.PHONY: venv run test lint clean package package-check compat-paddle26

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRA),dev]"
	touch $@

venv: $(STAMP)

# Qt's X11 plugin needs system libraries pip cannot install: gui/xcb_check.py names the missing packages first.
run: venv
	$(BIN)/python -m gui.xcb_check
	$(BIN)/pmscreen

# pytest exits 5 when it collected no test: that must fail loudly, never pass.
# One pytest worker per core (pytest-xdist): most tests wait on one thread (Qt events, a child process), so two
# workers finish the suite in about half the time; tests/conftest.py gives each worker its share of the cores.
TEST_WORKERS ?= auto
test: venv
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; fi; exit $$rc

# The `gpu` extra's Paddle line: paddlepaddle 2.6.2 (the CPU twin of paddlepaddle-gpu 2.6.2, same Python API) in
# its own venv; the core tests and a tiny train + predict on it (.ci/compat_paddle26.sh).
COMPAT_VENV  ?= .venv-paddle26
COMPAT_STAMP := $(COMPAT_VENV)/.installed-paddle26

$(COMPAT_STAMP): pyproject.toml
	$(PYTHON) -m venv $(COMPAT_VENV)
	$(COMPAT_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(COMPAT_VENV)/bin/python -m pip install --quiet -e ".[dicom]" "paddlepaddle==2.6.2" "pytest>=8" "pytest-xdist>=3.5"
	touch $@

compat-paddle26: $(COMPAT_STAMP)
	PY=$(COMPAT_VENV)/bin/python .ci/compat_paddle26.sh

lint: venv
	$(BIN)/ruff check core gui tests bench

clean:
	rm -rf $(VENV) build dist .pytest_cache

# ---- standalone executable (PyInstaller one-folder build; see README "Standalone executable")
# `make package` builds dist/pmscreen/pmscreen and rebuilds only when the program, its resources (including the
# models in resources/models), the spec or the installed packages changed; PyInstaller's work files stay in
# build/pyinstaller between builds.
PACKAGE_EXE    := dist/pmscreen/pmscreen
PACKAGE_INPUTS := pyproject.toml $(STAMP) build_spec/pmscreen.spec build_spec/pmscreen_entry.py \
	$(shell find core gui resources build_spec/hooks -not -path '*/__pycache__*' -not -name '*.pyc' 2>/dev/null)

package: $(PACKAGE_EXE)

$(PACKAGE_EXE): $(PACKAGE_INPUTS)
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
		build_spec/pmscreen.spec
	touch $@

# The frozen program's selftest, its GUI started offscreen and closed again, and no writes inside dist/pmscreen.
package-check: package
	PY=$(BIN)/python build_spec/package_check.sh
