"""Pixel noise against the bundled model: where does noise start to change verdicts, and where do real
photographs lie? The measurements behind ``MAX_NOISE`` in core/images/quality.py (docs/quality.md).

    python bench/noise_gate.py --root ../shared/palm [--model resources/models/pm-resnet18d-x2]

For every real PALM image (training and validation), the image as it is and degraded: Gaussian noise of several
sigmas (0-255 units, independent per channel), a 216-colour web palette with Floyd-Steinberg dithering (a GIF or
palette PNG), noise equal in the three channels, noise along one colour (YCrCb's Cr or Cb, red against green),
salt-and-pepper specks and JPEG quality 10; and edits a clinic makes to a good photograph, which the gate must let
pass: per-channel auto-levels, unsharp masking (amount 1 and 2). For each version: the gate's noise measures
(``noise``, ``impulses``, ``grain`` and ``colour_grain``: core.images.quality), the quality verdict, and the model's
PM probability. Prints one JSON object: per version, the measures' spread, the model's AUC, sensitivity and
specificity at the card's threshold (quality gate off, so that the model's own response to the noise is seen), and
how many images the gate stops.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SIGMAS = (1, 1.5, 2, 2.5, 3, 4, 8, 16, 40)  # independent in each channel
LUMA_SIGMAS = (2, 3, 4, 8)  # the same in the three channels
SALT_PEPPER = (0.5, 1, 5)  # per cent of pixels
CHROMA_SIGMAS = (2, 4, 6, 10)  # along one colour: cr (YCrCb's Cr), cb (its Cb), redgreen (red up, green down)


def degraded(rgb, kind: str, rng):
    import cv2
    import numpy as np
    from PIL import Image

    if kind == "original":
        return rgb
    if kind.startswith(("gauss", "luma")):
        sigma = float(kind[5:] if kind.startswith("gauss") else kind[4:])
        shape = rgb.shape if kind.startswith("gauss") else (*rgb.shape[:2], 1)
        return np.clip(rgb + rng.normal(0, sigma, shape), 0, 255).astype(np.uint8)
    if kind == "dither216":
        return np.asarray(Image.fromarray(rgb).convert("P", palette=Image.Palette.WEB,
                                                       dither=Image.Dither.FLOYDSTEINBERG).convert("RGB"))
    if kind.startswith(("cr", "cb")):
        ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb).astype(np.float32)
        ycc[..., 1 if kind.startswith("cr") else 2] += rng.normal(0, float(kind[2:]), rgb.shape[:2])
        return cv2.cvtColor(np.clip(ycc, 0, 255).astype(np.uint8), cv2.COLOR_YCrCb2RGB)
    if kind.startswith("redgreen"):
        noise, out = rng.normal(0, float(kind[8:]), rgb.shape[:2]), rgb.astype(np.float32)
        out[..., 0] += noise
        out[..., 1] -= noise
        return np.clip(out, 0, 255).astype(np.uint8)
    if kind == "autolevels":  # each channel stretched from its 1st to its 99th percentile inside the lit area
        out = rgb.astype(np.float32)
        for c in range(3):
            lit = out[..., c][rgb.max(axis=2) > 20]
            lo, hi = np.percentile(lit, 1), np.percentile(lit, 99)
            out[..., c] = (out[..., c] - lo) / max(hi - lo, 1.0) * 255
        return np.clip(out, 0, 255).astype(np.uint8)
    if kind.startswith("unsharp"):
        soft = cv2.GaussianBlur(rgb.astype(np.float32), (0, 0), 1.0)
        return np.clip(rgb + float(kind[7:]) * (rgb - soft), 0, 255).astype(np.uint8)
    if kind.startswith("saltpepper"):
        out = rgb.copy()
        hit = rng.random(rgb.shape[:2]) < float(kind[10:]) / 100
        out[hit] = np.where(rng.random((int(hit.sum()), 1)) < 0.5, 0, 255).astype(np.uint8)
        return out
    if kind == "jpeg10":
        ok, buf = cv2.imencode(".jpg", rgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 10])
        return cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1].copy()
    raise ValueError(kind)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", required=True, help="the PALM folder (PALM-Training400, PALM-Validation400, ...)")
    parser.add_argument("--model", default="resources/models/pm-resnet18d-x2")
    parser.add_argument("--versions", nargs="+", metavar="V", help="only these versions (e.g. original luma4)")
    args = parser.parse_args()

    import numpy as np

    from core.data.datasets import open_dataset
    from core.images.preprocess import IMAGE_SIZE, resize
    from core.images.quality import assess
    from core.images.reader import read_image
    from core.screening.inference import Predictor
    from core.stats.metrics import roc_auc

    data = open_dataset(args.root)
    samples = [*data.train, *data.val]
    predictor = Predictor(args.model, quality_gate=False)
    kinds = ["original", *(f"gauss{s}" for s in SIGMAS), *(f"luma{s}" for s in LUMA_SIGMAS), "dither216",
             *(f"{c}{s}" for c in ("cr", "cb", "redgreen") for s in CHROMA_SIGMAS),
             *(f"saltpepper{p}" for p in SALT_PEPPER), "jpeg10", "autolevels", "unsharp1", "unsharp2"]
    kinds = [k for k in kinds if not args.versions or k in args.versions]
    rng = np.random.default_rng(0)
    rows = []
    for kind in kinds:
        pixels, labels, noise, impulses, grain, colour, stopped, reasons = [], [], [], [], [], [], 0, {}
        for s in samples:
            rgb = degraded(read_image(s.path, IMAGE_SIZE), kind, rng)
            q = assess(rgb)
            noise.append(q.measures.get("noise"))
            impulses.append(q.measures.get("impulses"))
            grain.append(q.measures.get("grain"))
            colour.append(q.measures.get("colour_grain"))
            if not q.ok:
                stopped += 1
                reasons[q.code] = reasons.get(q.code, 0) + 1
            pixels.append(resize(rgb, IMAGE_SIZE))
            labels.append(s.label)
        probs = np.concatenate([predictor.probabilities(np.stack(pixels[i:i + 32])) for i in range(0, len(pixels), 32)])
        y, t = np.array(labels), predictor.threshold
        measured = np.array([n for n in noise if n is not None], float)
        shares = np.array([n for n in impulses if n is not None], float)
        grains = np.array([n for n in grain if n is not None], float)
        colours = np.array([n for n in colour if n is not None], float)
        rows.append({
            "version": kind, "images": len(samples),
            "noise": {"min": round(float(measured.min()), 2), "p1": round(float(np.percentile(measured, 1)), 2),
                      "median": round(float(np.median(measured)), 2),
                      "p99": round(float(np.percentile(measured, 99)), 2), "max": round(float(measured.max()), 2)},
            "impulses": {"median": round(float(np.median(shares)), 5),
                         "p99": round(float(np.percentile(shares, 99)), 5), "max": round(float(shares.max()), 5)},
            "grain": {"min": round(float(grains.min()), 2), "median": round(float(np.median(grains)), 2),
                      "max": round(float(grains.max()), 2)},
            "colour_grain": {"min": round(float(colours.min()), 2), "median": round(float(np.median(colours)), 2),
                             "max": round(float(colours.max()), 2)},
            "auc": round(float(roc_auc(y, probs)), 4),
            "sensitivity": round(float((probs[y == 1] >= t).mean()), 3),
            "specificity": round(float((probs[y == 0] < t).mean()), 3),
            "stopped_by_gate": stopped, "reasons": reasons,
        })
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print(json.dumps({"model": str(args.model), "threshold": predictor.threshold, "versions": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
