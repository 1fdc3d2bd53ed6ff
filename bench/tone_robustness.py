"""Tone and colour edits against networks: does a verdict survive another camera's tone curve or white balance?

    python bench/tone_robustness.py --root ../shared/palm --cv bench/results/cv/r18d --fold 1 \
        --net base=/path/to/cv/r18d/fold-1 --net tone=resources/models/pm-resnet18d-tone

(The bundled model is r18d-tone's fold 1.) Each ``--net NAME=FOLDER[#MEMBER]`` is one network (a model folder's
member, 1-based; a trainer run folder). With
``--cv``/``--fold`` the images are those the fold held out (so networks trained on the other folds judge images
they never saw); without, every labelled image. The quality gate is off: it has no tone or colour-balance check,
so these edits reach the model as they are. Each network's threshold is fitted on the unedited images (the
highest cut with sensitivity >= 0.97, as the model card's rule), then kept for every edit. Prints one JSON
object: per network and edit, the AUC, sensitivity and specificity at that threshold, and how many verdicts the
edit turned (PM to not PM, not PM to PM)."""

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from noise_gate import degraded  # noqa: E402  (CLAHE and saturation ×2: the same edits as the gate's bench)

# Another camera or its software: tone curves (gamma < 1 brightens the mid-tones), white balance, saturation, a
# colour profile read as sRGB, contrast-limited equalisation
EDITS = ("original", "gamma0.6", "gamma0.7", "gamma1.4", "warm", "cool", "grayworld", "saturation2",
         "saturation0.5", "p3-as-srgb", "clahe4")

# Display P3 primaries to sRGB's in linear light: a P3 photograph shown without its profile looks duller, and
# an sRGB one taken as P3 more saturated; here the second
_P3_TO_SRGB = ((1.2249, -0.2247, 0.0), (-0.0420, 1.0419, 0.0), (-0.0197, -0.0786, 1.0979))


def edited(rgb, kind: str):
    """``rgb`` with the edit ``kind`` (one of EDITS, or any version of bench/noise_gate.py, its noise seeded by
    the version's name)."""
    import zlib

    import numpy as np

    if kind == "original":
        return rgb
    x = rgb.astype(np.float32) / 255
    if kind.startswith("gamma"):
        x = x ** float(kind[5:])
    elif kind == "warm":
        x = x * np.array([1.1, 1.0, 0.85], np.float32)
    elif kind == "cool":
        x = x * np.array([0.9, 1.0, 1.15], np.float32)
    elif kind == "grayworld":  # every channel's mean in the field made equal (a camera's automatic balance)
        field = rgb.max(axis=2) > 20
        means = x[field].mean(axis=0)
        x = x * (means.mean() / np.maximum(means, 1e-3))
    elif kind == "saturation0.5":
        grey = x.mean(axis=2, keepdims=True)
        x = grey + 0.5 * (x - grey)
    elif kind == "p3-as-srgb":
        linear = np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)
        linear = np.clip(linear @ np.array(_P3_TO_SRGB, np.float32).T, 0, 1)
        x = np.where(linear <= 0.0031308, linear * 12.92, 1.055 * linear ** (1 / 2.4) - 0.055)
    else:
        return degraded(rgb, kind, np.random.default_rng(zlib.crc32(kind.encode())))
    return np.clip(np.round(x * 255), 0, 255).astype(np.uint8)


def held_out(cv: str | None, fold: int | None, root: str):
    """(path, label) of the images to judge: one fold's held-out images of a CV plan, or all labelled images."""
    if cv:
        plan = Path(cv) / "cv.json" if Path(cv).is_dir() else Path(cv)
        samples = json.loads(plan.read_text())["samples"]
        root_now = Path(root)
        # plans name absolute paths of the machine that made them: find each file under --root instead
        return [(_under(root_now, s["file"]), s["label"]) for s in samples if fold is None or s["fold"] == fold - 1]
    from core.data.datasets import open_dataset

    data = open_dataset(root)
    return [(s.path, s.label) for s in [*data.train, *data.val]]


def _under(root: Path, file: str) -> Path:
    p = Path(file)
    return root / p.parent.name / p.name


def network(spec: str):
    """(name, engine) of ``NAME=FOLDER[#MEMBER]``."""
    from core.screening.engine import create_engine
    from core.store.members import load_members

    name, _, where = spec.partition("=")
    folder, _, member = where.partition("#")
    members, _ = load_members(folder)
    model, entry = members[int(member or 1) - 1]
    return name, create_engine(model, entry, "cpu")


def threshold_for(probs, labels, sensitivity: float = 0.97) -> float:
    import numpy as np

    pos = np.sort(probs[labels == 1])[::-1]
    return float(pos[int(np.ceil(sensitivity * len(pos))) - 1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", required=True, help="the PALM folder")
    parser.add_argument("--cv", help="a cross-validation folder or its cv.json: judge one fold's held-out images")
    parser.add_argument("--fold", type=int, help="the fold (1-based) whose held-out images are judged")
    parser.add_argument("--net", action="append", required=True, metavar="NAME=FOLDER[#MEMBER]")
    parser.add_argument("--edits", nargs="+", default=list(EDITS), metavar="EDIT",
                        help="edits to apply (default: the tone and colour ones); any bench/noise_gate.py version too")
    args = parser.parse_args()

    import numpy as np

    from core.images.preprocess import IMAGE_SIZE, resize, to_input
    from core.images.reader import read_image
    from core.stats.metrics import roc_auc, softmax

    images = held_out(args.cv, args.fold, args.root)
    labels = np.array([y for _, y in images])
    pictures = [read_image(p, IMAGE_SIZE) for p, _ in images]
    nets = [network(spec) for spec in args.net]
    out = {"images": len(images), "pm": int(labels.sum()), "cv": args.cv, "fold": args.fold, "networks": {}}
    for name, engine in nets:
        rows, base, threshold = [], None, None
        for kind in ["original", *(e for e in args.edits if e != "original")]:
            x = np.stack([resize(edited(rgb, kind), IMAGE_SIZE) for rgb in pictures])
            probs = np.concatenate([softmax(engine(to_input(x[i:i + 16])))[:, 1] for i in range(0, len(x), 16)])
            if base is None:
                base, threshold = probs, threshold_for(probs, labels)
            pm, was = probs >= threshold, base >= threshold
            rows.append({"edit": kind, "auc": round(float(roc_auc(labels, probs)), 4),
                         "sensitivity": round(float(pm[labels == 1].mean()), 3),
                         "specificity": round(float((~pm[labels == 0]).mean()), 3),
                         "turned_to_not_pm": int((was & ~pm).sum()), "turned_to_pm": int((~was & pm).sum())})
            print(name, json.dumps(rows[-1]), file=sys.stderr, flush=True)
        out["networks"][name] = {"threshold": round(threshold, 4), "edits": rows}
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
