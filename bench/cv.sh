#!/usr/bin/env bash
# Cross-validation study (issue 15): every labelled PALM image (training 400 + validation 201 pooled) scored
# out-of-fold by 5-fold CV, one recipe for all networks (the study recipe of bench/study.sh, last epoch kept).
# Each run resumes where it stopped when started again with the same arguments. A run kept in the repository
# (bench/results/cv/NAME, by bench/cv_records.py save) is restored first when OUT has none, so a study longer
# than one session goes on from its finished folds on another machine.
#
#   bench/cv.sh PALM_ROOT OUT [r18d r18d-s1 r50o r50b r50c r50d r18d-tone r18d-tone-s1 ...]     (NAME-sN: the same
#   run with --seed N; r18d-tone: the default model's recipe with random gamma and colour cast, docs/results.md)
#   .venv/bin/pmscreen cv --compare OUT/r50o OUT/r50d     (paired bootstrap of the OOF AUC difference)
#   .venv/bin/python bench/cv_options.py OUT/r18d OUT/r18d-s1     (candidates for the default model)
set -euo pipefail
PALM=${1:?PALM root}
OUT=${2:?output folder}
shift 2
PMSCREEN=${PMSCREEN:-.venv/bin/pmscreen}
PYTHON=${PYTHON:-.venv/bin/python}
KEPT=$(dirname "$0")/results/cv
RECIPE="--folds 5 --epochs 12 --batch-size 16 --optimizer adamw --lr 1e-3 --weight-decay 0.05 --schedule cosine
 --warmup-epochs 2 --label-smoothing 0.1 --rotate 15 --scale 0.1 --shift 0.05 --color-jitter 0.2
 --device cpu"
mkdir -p "$OUT"
for name in "${@:-r18d}"; do
    seed=0
    [[ $name == *-s[0-9]* ]] && seed=${name##*-s}
    base=${name%-s[0-9]*}
    case "$base" in
        r18d) args="--depth 18 --variant D" ;;
        r18d-tone) args="--depth 18 --variant D --gamma 0.6 --channel-gain 0.15" ;;
        r34d) args="--depth 34 --variant D" ;;
        r50o) args="--depth 50 --variant O" ;;
        r50b) args="--depth 50 --variant B" ;;
        r50c) args="--depth 50 --variant C" ;;
        r50d) args="--depth 50 --variant D" ;;
        *) echo "unknown run $name" >&2; exit 2 ;;
    esac
    # the study's networks are held out on the folds of the default model's depth (seed 0), pair by pair
    [[ $base != r18d && $seed == 0 ]] && args="$args --same-folds-as $KEPT/r18d"
    # the tone recipe's other seeds pair with the default model's run of that seed
    [[ $base == r18d-tone && $seed != 0 ]] && args="$args --same-folds-as $KEPT/r18d-s$seed"
    echo "== $name: $(date -u +%FT%TZ)"
    if [[ -d $KEPT/$name && ! -e $OUT/$name/cv.json ]]; then
        "$PYTHON" "$(dirname "$0")/cv_records.py" restore "$KEPT/$name" "$OUT/$name"
    fi
    # shellcheck disable=SC2086  # RECIPE and args are lists of words
    $PMSCREEN cv --data "$PALM" --out "$OUT/$name" $RECIPE $args --seed "$seed" --json | tail -1 > "$OUT/$name.summary.json"
    echo "== $name done: $(date -u +%FT%TZ)"
done
