#!/usr/bin/env bash
# The `gpu` extra installs paddlepaddle-gpu 2.6.x; its CPU twin paddlepaddle 2.6.2 has the same Python API. On it
# (PY: the python of a venv holding it, made by `make compat-paddle26`): the core tests, then a tiny train and
# predict through the command line on a synthetic PALM folder.
set -euo pipefail
: "${PY:?PY must name the python of the Paddle 2.6 venv}"
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export PMSCREEN_DATA_DIR="$work/userdata" QT_QPA_PLATFORM=offscreen

"$PY" -c 'import paddle, sys; print("compat: paddle", paddle.__version__); sys.exit(not paddle.__version__.startswith("2.6."))'
# The API check runs on the synthetic images: the tests on the real PALM images (long trainings) already ran on
# Paddle 3 in `make test`, and would double this job's time in CI.
# shellcheck disable=SC2086
env -u PALM_ROOT "$PY" -m pytest -q -p no:cacheprovider -n "${TEST_WORKERS:-auto}" --dist worksteal tests/core \
    ${PYTEST_ARGS:-}

"$PY" -c 'import sys; from pathlib import Path; from tests.synthetic import make_palm_root
make_palm_root(Path(sys.argv[1]), n_train=12, n_val=6, label_format="csv")' "$work/palm"
"$PY" -m core train --data "$work/palm" --depth 18 --variant D --epochs 1 --limit 8 --batch-size 4 \
    --out "$work/run"
"$PY" -m core predict --model "$work/run" --json --no-audit --no-quality-gate "$work/palm/PALM-Validation400" \
    > "$work/predict.json"
"$PY" - "$work/predict.json" <<'PYEOF'
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
assert len(rows) == 6, rows
assert all(0.0 <= r["probability"] <= 1.0 for r in rows), rows
print(f"compat: train and predict on Paddle 2.6 passed ({len(rows)} images diagnosed)")
PYEOF
