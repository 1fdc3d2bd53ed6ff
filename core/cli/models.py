"""Commands on a model folder: finalize, set-threshold, seal, selftest."""

from __future__ import annotations

import json

from .parser import EXIT_OK, UsageError
from .screen import _num


def cmd_finalize(a, argv) -> int:
    from ..training.finalize import finalize

    if not 0 < a.min_sensitivity <= 1:
        raise UsageError("--min-sensitivity must be in (0, 1]")
    meta = finalize(a.model, a.images, a.labels, a.out, a.name, a.min_sensitivity)
    if a.json:
        print(json.dumps(meta, default=_num))
    else:
        cal = meta["calibration"]
        print(f"{meta['name']} written to {a.out}")
        print(f"  {meta['card']['metrics']}")
        print(f"  temperature {cal['temperature']:.3f}: ECE {cal['ece_before']:.4f} -> {cal['ece_after']:.4f}")
    return EXIT_OK


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

