#!/bin/sh
# The O/B/C/D study and the training-refinement ablation of docs/results.md, one run after another.
# Every run is checkpointed each epoch: running this again continues unfinished runs and skips finished ones.
#
#   bench/study.sh ../shared/palm runs/study [RUN ...]      (default: every run below, in order)
#   PMSCREEN="python -m core" by default; two queues can share the machine (OMP_NUM_THREADS=1 each).
set -eu
PALM=${1:?PALM root}
OUT=${2:?folder for the run folders}
shift 2
PMSCREEN=${PMSCREEN:-python -m core}
# The study recipe: one for every depth and variant.
RECIPE="--epochs 12 --batch-size 16 --optimizer adamw --lr 1e-3 --weight-decay 0.05 --schedule cosine
 --warmup-epochs 2 --label-smoothing 0.1 --rotate 15 --scale 0.1 --shift 0.05 --color-jitter 0.2
 --best-metric auc --seed 0 --device cpu"

run() {  # run NAME [train options that differ from the recipe]
    name=$1; shift
    if [ -f "$OUT/$name/checkpoint/state.json" ]; then
        $PMSCREEN train --out "$OUT/$name" --resume --device cpu
    else
        # shellcheck disable=SC2086  # RECIPE is a list of words
        $PMSCREEN train --data "$PALM" --out "$OUT/$name" $RECIPE "$@"
    fi
}

RUNS=${*:-"r50o r50b r50c r50d r34d r18d r18d-constant-lr r18d-no-smoothing r18d-mixup r18d-bn-decay r18d-no-augment"}
for name in $RUNS; do
    case $name in
        r50o) run r50o --depth 50 --variant O ;;
        r50b) run r50b --depth 50 --variant B ;;
        r50c) run r50c --depth 50 --variant C ;;
        r50d) run r50d --depth 50 --variant D ;;
        r34d) run r34d --depth 34 --variant D ;;
        r18d) run r18d --depth 18 --variant D ;;
        # Each ablation changes one refinement of the recipe (the r18d run is their reference).
        r18d-constant-lr) run "$name" --depth 18 --variant D --schedule constant --warmup-epochs 0 ;;
        r18d-no-smoothing) run "$name" --depth 18 --variant D --label-smoothing 0 ;;
        r18d-mixup) run "$name" --depth 18 --variant D --mixup 0.2 ;;
        r18d-bn-decay) run "$name" --depth 18 --variant D --decay-bn ;;
        r18d-no-augment) run "$name" --depth 18 --variant D --no-flip --rotate 0 --scale 0 --shift 0 --color-jitter 0 ;;
        *) echo "unknown run $name" >&2; exit 2 ;;
    esac
done
