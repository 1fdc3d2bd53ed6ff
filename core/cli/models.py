"""Commands on a model folder: finalize, set-threshold, seal, selftest."""

from __future__ import annotations

import json
import sys

from .parser import EXIT_OK, UsageError
from .screen import _num


def cmd_finalize(a, argv) -> int:
    if not 0 < a.min_sensitivity <= 1:
        raise UsageError("--min-sensitivity must be in (0, 1]")
    dtype = {"fp16": "float16", "fp32": "float32"}[a.precision]
    if a.from_cv:
        if a.model or a.images or a.labels:
            raise UsageError("--from-cv replaces --model, --images and --labels")
        meta = _finalize_from_cv(a, dtype)
    else:
        from ..training.finalize import finalize

        if not (a.model and a.images and a.labels):
            raise UsageError("--model, --images and --labels are required (or --from-cv CV_OUT)")
        if a.members is not None:
            raise UsageError("--members goes with --from-cv")
        meta = finalize(a.model, a.images, a.labels, a.out, a.name, a.min_sensitivity, dtype)
    from ..images.textsafe import shown

    record = meta.get("cross_validation") or meta.get("validation") or {}
    for line in record.get("skipped", []):  # said, not only recorded in model.json
        print(f"pmscreen finalize: warning: left out {shown(line)}", file=sys.stderr)
    if a.json:
        print(json.dumps(meta, default=_num))
    else:
        cal = meta["calibration"]
        print(f"{shown(meta['name'])} written to {shown(a.out)}")
        print(f"  {meta['card']['metrics']}")
        if record.get("skipped"):
            print(f"  {len(record['skipped'])} image(s) left out (listed above and in model.json)")
        print(f"  temperature {cal['temperature']:.3f}: ECE {cal['ece_before']:.4f} -> {cal['ece_after']:.4f}")
    return EXIT_OK


def _finalize_from_cv(a, dtype: str) -> dict:
    """finalize --from-cv: the fold networks re-scored with the engine that ships (Paddle Inference)."""
    from ..nn.runtime import use_device
    from ..screening.engine import create_engine
    from ..training.ensemble import finalize_from_cv

    if a.members is not None and len(a.from_cv) > 1:
        raise UsageError("--members goes with one --from-cv: from several cross-validations the model takes one "
                         "network of each")
    if a.members in (None, "all"):
        members = None
    elif a.members.isascii() and a.members.isdigit() and int(a.members) >= 1:  # "²" is a digit int() refuses
        members = int(a.members)
    else:
        raise UsageError(f"--members must be all or a number of folds, got {a.members!r}")
    device = use_device("auto")

    def engine_for(model, member):
        return create_engine(model, member, device, kind="paddle-inference")

    runs = a.from_cv[0] if len(a.from_cv) == 1 else a.from_cv
    return finalize_from_cv(runs, a.out, engine_for, members, a.name, a.min_sensitivity, dtype)


def cmd_set_threshold(a, argv) -> int:
    from ..store.modelio import set_threshold

    meta = set_threshold(a.model, a.threshold, a.note)
    change = meta["provenance"][-1]
    print(f"{a.model}: threshold {change['from']:.4f} -> {change['to']:.4f} (by {change['by']}, "
          f"{change['when']}); sealed")
    return EXIT_OK


def cmd_seal(a, argv) -> int:
    from ..store.modelio import seal_folder

    meta, changed = seal_folder(a.model)
    print(f"{a.model}: " + (f"checked and sealed: {meta['provenance'][-1]['sealed']}" if changed else
                            "already sealed and intact"))
    return EXIT_OK


def cmd_selftest(a, argv) -> int:
    from ..screening.selftest import run_selftest

    return run_selftest(a.model)

