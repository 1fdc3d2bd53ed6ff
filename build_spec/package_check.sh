#!/usr/bin/env bash
# `make package-check`: prove that the frozen program in dist/pmscreen works on its own.
#
#  1. `pmscreen selftest` diagnoses a synthetic fundus with the bundled model (one JSON line, exit 0, through
#     Paddle Inference, with its Grad-CAM heatmap and a spawned child process like the GUI's diagnosis
#     engine). While resources/models holds no bundled model, it must fail with that reason instead, and the
#     selftest runs with a generated test model (--model).
#  2. The GUI starts offscreen and closes itself after a few seconds (PMSCREEN_QUIT_AFTER) with exit code 0 and no
#     Python traceback.
#  3. The end-to-end walkthroughs of tests/e2e against the frozen program: a training started from the Training
#     view, dropped images diagnosed with a heatmap and a PDF export, a close during training.
#  4. User data (engine cache, settings, model library) lands in the user's folders - a throwaway HOME here - and
#     nothing inside dist/pmscreen is created, changed or removed.
# Linux (CI): it uses GNU find and coreutils' timeout.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DIST=dist/pmscreen
EXE=$DIST/pmscreen
WORK=$ROOT/build/package-check
PY=${PY:-.venv/bin/python}
GUI_SECONDS=${GUI_SECONDS:-4}
[ -x "$EXE" ] || { echo "package-check: $EXE not found (run make package)" >&2; exit 1; }

fail() { echo "package-check: FAILED: $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
snapshot() { (cd "$DIST" && find . -printf '%p %s %T@\n' | LC_ALL=C sort); }

rm -rf "$WORK/home" && mkdir -p "$WORK/home"
export HOME="$WORK/home"  # platformdirs and QSettings resolve the user's folders from here
unset XDG_DATA_HOME XDG_CONFIG_HOME XDG_CACHE_HOME PMSCREEN_DATA_DIR QT_QPA_PLATFORM
snapshot > "$WORK/dist-before.txt"

# ---- 1. selftest
if compgen -G "$DIST/_internal/resources/models/*/model.json" > /dev/null; then
  t0=$(now)
  out=$("$EXE" selftest) || fail "frozen selftest with the bundled model exited $?"
  echo "frozen selftest (bundled model, $(since "$t0") s): $out"
else
  echo "package-check: WARNING: the build holds no bundled model (resources/models is empty)" >&2
  if err=$("$EXE" selftest 2>&1 >/dev/null); then fail "selftest passed without a bundled model"; fi
  case "$err" in *"no bundled model found in"*) echo "frozen selftest without a model fails as it should: $err" ;;
                 *) fail "selftest without a bundled model gave: $err" ;; esac
  [ -f "$WORK/test-model/model.json" ] || "$PY" build_spec/make_test_model.py "$WORK/test-model"
  t0=$(now)
  out=$("$EXE" selftest --model "$WORK/test-model") || fail "frozen selftest --model exited $?"
  echo "frozen selftest (generated test model, $(since "$t0") s): $out"
fi
[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "selftest printed more than one line on stdout"
case "$out" in *'"verdict": "PM"'* | *'"verdict": "not PM"'*) ;; *) fail "no verdict in: $out" ;; esac
case "$out" in *'"engine": "paddle-inference"'*) ;; *) fail "fell back from Paddle Inference: $out" ;; esac
case "$out" in *'"gradcam": "ok"'*) ;; *) fail "no Grad-CAM heatmap in: $out" ;; esac
case "$out" in *'"child_process": "ok"'*) ;; *) fail "no spawned child process in: $out" ;; esac
case "$out" in *'"engine_check": "ok"'*) ;; *) fail "the engine was not checked against the weights in: $out" ;; esac

# ---- 2. GUI, offscreen, closing itself
t0=$(now)
rc=0
QT_QPA_PLATFORM=offscreen PMSCREEN_QUIT_AFTER=$GUI_SECONDS timeout 300 "$EXE" > "$WORK/gui.log" 2>&1 || rc=$?
echo "frozen GUI: exit code $rc after $(since "$t0") s (closes itself after ${GUI_SECONDS} s)"
[ "$rc" -eq 0 ] || { cat "$WORK/gui.log" >&2; fail "frozen GUI exited $rc"; }
if grep -q "Traceback" "$WORK/gui.log"; then cat "$WORK/gui.log" >&2; fail "Python traceback in the frozen GUI"; fi

# ---- 3. the end-to-end walkthroughs, driven through the frozen program's widgets
t0=$(now)
PMSCREEN_E2E_EXE="$ROOT/$EXE" "$PY" -m pytest -q -p no:cacheprovider tests/e2e ||
  fail "the end-to-end walkthroughs failed on the frozen program"
echo "frozen end-to-end walkthroughs: passed in $(since "$t0") s"

# ---- 4. user data in the user's folders, nothing in the program folder
snapshot > "$WORK/dist-after.txt"
diff -u "$WORK/dist-before.txt" "$WORK/dist-after.txt" > "$WORK/dist-changes.txt" ||
  { cat "$WORK/dist-changes.txt" >&2; fail "the frozen program wrote inside $DIST"; }
if [ "$(uname -s)" = Linux ]; then
  ls "$HOME"/.local/share/PMScreen/engine-cache/*/model.pdiparams > /dev/null 2>&1 ||
    fail "no engine cache under \$HOME/.local/share/PMScreen"
  [ -f "$HOME/.config/PMScreen/PMScreen.ini" ] || fail "no settings file under \$HOME/.config/PMScreen"
fi
echo "user data written only under the user's folders:"
(cd "$HOME" && find . -type f | LC_ALL=C sort | sed 's|^\./|  ~/|')
echo "package-check: OK ($(du -sh "$DIST" | cut -f1) in $DIST)"
