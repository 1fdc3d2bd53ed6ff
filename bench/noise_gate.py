"""Pixel noise against the bundled model: where does noise start to change verdicts, and where do real
photographs lie? The measurements behind ``MAX_NOISE`` in core/images/quality.py (docs/quality.md).

    python bench/noise_gate.py --root ../shared/palm [--model resources/models/pm-resnet18d-tone]

For every real PALM image (training and validation), the image as it is and degraded: Gaussian noise of several sigmas
(0-255 units, independent per channel), a 216-colour web palette with Floyd-Steinberg dithering (a GIF or palette
PNG), noise equal in the three channels, noise along one colour (YCrCb's Cr or Cb, red against green), salt-and-pepper
specks, JPEG quality 10, Cr noise smoothed or confined to part of the field (a band along the rim, one half), stripes
(an offset per row and per column, in Cr or in all channels; a grid of sharp Cr lines, also with each line's sign
flipped at the centre or its height following a sine along it); and edits a clinic makes to a good photograph, which
the gate should let pass: per-channel auto-levels, unsharp masking (amount 1 and 2), JPEG with 4:2:0 chroma, CLAHE,
saturation, a stack of warm balance, saturation and sharpening. For each version: the gate's noise measures
(``MEASURES``: core.images.quality), the quality verdict, and the model's PM probability. Prints one JSON object: per
version, the measures' spread, the model's AUC, sensitivity and specificity at the card's threshold (quality gate off,
so that the model's own response to the noise is seen), and how many images the gate stops."""

import argparse
import json
import os
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SIGMAS = (1, 1.5, 2, 2.5, 3, 4, 8, 16, 40)  # independent in each channel
LUMA_SIGMAS = (2, 3, 4, 8)  # the same in the three channels
SALT_PEPPER = (0.5, 1, 5)  # per cent of pixels
CHROMA_SIGMAS = (2, 4, 6, 10)  # along one colour: cr (YCrCb's Cr), cb (its Cb), redgreen (red up, green down)
# Cr noise smoothed by a Gaussian of 1 or 2 px, or only in part of the field (a band along the rim, one half);
# noise of sigma 8 equal in the three channels in a rim band or one half
STRIPES = ("crstripes3", "crstripes5", "crstripes8", "lumastripes3", "lumastripes8",  # sigma of rows' and columns'
           "crgrid8", "crgrid12", "crgrid16", "crgrid24",  # sharp Cr lines every N rows and columns
           "crflip8", "crflip12", "crflip16", "crflip24",  # the same, each line's sign flipped at the centre
           "crsine40")  # Cr lines every 8 rows and columns whose height follows a sine along the line
PARTIAL = ("cr10-blur1", "cr14-blur1", "cr20-blur1", "cr20-blur2", "cr10-rim15", "cr10-rim25", "cr10-half",
           "luma8-rim15", "luma8-half")
EDITS = ("jpeg420q50", "jpeg420q75", "clahe4", "saturation2", "warm-sat-unsharp")  # what a clinic may do


def _add_to_channel(rgb, channel: int, values):
    """``values`` added to one YCrCb channel of ``rgb`` (1: Cr, 2: Cb), back to RGB uint8."""
    import cv2
    import numpy as np

    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb).astype(np.float32)
    ycc[..., channel] += values
    return cv2.cvtColor(np.clip(ycc, 0, 255).astype(np.uint8), cv2.COLOR_YCrCb2RGB)


def _part(shape, where: str):
    """1 inside part of the picture, 0 elsewhere: rimN, a band N px wide inside the rim of a centred field of
    view of 92 % of the short side (and 5 px past it); half, the left half."""
    import numpy as np

    h, w = shape
    if where == "half":
        return np.tile((np.arange(w) < w // 2).astype(np.float32), (h, 1))
    radius = np.hypot(*np.mgrid[0:h, 0:w] - np.array([h / 2, w / 2])[:, None, None])
    edge = min(h, w) / 2 * 0.92
    return ((radius > edge - float(where[3:])) & (radius < edge + 5)).astype(np.float32)


def degraded(rgb, kind: str, rng):
    import cv2
    import numpy as np
    from PIL import Image

    if kind == "original":
        return rgb
    if kind.startswith("crsine"):  # Cr lines of 40 every 8 rows and columns, their height a sine of period N px
        h, w = rgb.shape[:2]  # along each line, centred on the picture: each half row averages to nothing
        period = float(kind[6:])
        rows, cols = ((np.arange(n) % 8 == 0) * 40.0 for n in (h, w))
        along_rows, along_cols = (-np.sin(2 * np.pi * (np.arange(n) - n / 2) / period) for n in (w, h))
        offsets = (rows[:, None] * along_rows[None, :] + cols[None, :] * along_cols[:, None]).astype(np.float32)
        offsets *= (cv2.blur(rgb.max(axis=2), (5, 5)) > 20).astype(np.float32)
        return _add_to_channel(rgb, 1, offsets)
    if kind.startswith(("crstripes", "lumastripes", "crgrid", "crflip")):  # an offset per row plus one per column
        h, w = rgb.shape[:2]
        if kind.startswith(("crgrid", "crflip")):  # Cr lines of 30, 1 px wide, every N rows and columns (zero mean)
            pitch = int(kind[6:])
            rows, cols = ((np.arange(n) % pitch == 0) * 30.0 for n in (h, w))
            offsets = ((rows - rows.mean())[:, None] + (cols - cols.mean())[None, :]).astype(np.float32)
            if kind.startswith("crflip"):  # each line changes sign at the centre: every row's and column's mean is 0
                offsets *= np.where(np.arange(h) < h // 2, 1, -1)[:, None] * np.where(np.arange(w) < w // 2, 1, -1)
        else:
            sigma = float(kind.split("stripes")[1])
            offsets = (rng.normal(0, sigma, (h, 1)) + rng.normal(0, sigma, (1, w))).astype(np.float32)
        offsets *= (cv2.blur(rgb.max(axis=2), (5, 5)) > 20).astype(np.float32)
        if kind.startswith("luma"):
            return np.clip(rgb + offsets[..., None], 0, 255).astype(np.uint8)
        return _add_to_channel(rgb, 1, offsets)
    if kind.startswith("luma8-"):
        noise = rng.normal(0, 8, rgb.shape[:2]) * _part(rgb.shape[:2], kind[6:])
        return np.clip(rgb + noise[..., None], 0, 255).astype(np.uint8)
    if kind.startswith(("gauss", "luma")):
        sigma = float(kind[5:] if kind.startswith("gauss") else kind[4:])
        shape = rgb.shape if kind.startswith("gauss") else (*rgb.shape[:2], 1)
        return np.clip(rgb + rng.normal(0, sigma, shape), 0, 255).astype(np.uint8)
    if kind == "dither216":
        return np.asarray(Image.fromarray(rgb).convert("P", palette=Image.Palette.WEB,
                                                       dither=Image.Dither.FLOYDSTEINBERG).convert("RGB"))
    if kind.startswith(("cr", "cb")):  # cr10, cr14-blur1 (noise smoothed), cr10-rim15 (in a band), cr10-half
        base, _, where = kind.partition("-")
        noise = rng.normal(0, float(base[2:]), rgb.shape[:2]).astype(np.float32)
        if where.startswith("blur"):
            noise = cv2.GaussianBlur(noise, (0, 0), float(where[4:]))
        elif where:
            noise *= _part(rgb.shape[:2], where)
        return _add_to_channel(rgb, 1 if kind.startswith("cr") else 2, noise)
    if kind.startswith("jpeg420q"):
        ok, buf = cv2.imencode(".jpg", rgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(kind[8:]),
                                                        cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
                                                        cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420])
        return cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1].copy()
    if kind == "clahe4":  # contrast-limited equalisation of lightness, clip limit 4
        lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)
        lab[..., 0] = cv2.createCLAHE(4.0, (8, 8)).apply(lab[..., 0])
        return cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)
    if kind == "saturation2":
        hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV).astype(np.float32) * np.array([1, 2, 1], np.float32)
        return cv2.cvtColor(np.clip(hsv, 0, 255).astype(np.uint8), cv2.COLOR_HSV2RGB)
    if kind == "warm-sat-unsharp":  # warmer white balance, saturation x1.5, unsharp mask amount 1
        warm = np.clip(rgb * np.array([1.08, 1.0, 0.9]), 0, 255).astype(np.uint8)
        hsv = cv2.cvtColor(warm, cv2.COLOR_RGB2HSV).astype(np.float32) * np.array([1, 1.5, 1], np.float32)
        out = cv2.cvtColor(np.clip(hsv, 0, 255).astype(np.uint8), cv2.COLOR_HSV2RGB).astype(np.float32)
        return np.clip(out + (out - cv2.GaussianBlur(out, (0, 0), 1.0)), 0, 255).astype(np.uint8)
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


MEASURES = ("noise", "impulses", "grain", "colour_grain", "coarse_colour_grain", "banding")  # QualityResult.measures


def spread(values: list[float], digits: int) -> dict:
    import numpy as np

    if not values:
        return {}
    v = np.array(values, float)
    return {k: round(float(f(v)), digits) for k, f in (("min", np.min), ("p1", lambda a: np.percentile(a, 1)),
                                                       ("median", np.median), ("p99", lambda a: np.percentile(a, 99)),
                                                       ("max", np.max))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", required=True, help="the PALM folder (PALM-Training400, PALM-Validation400, ...)")
    parser.add_argument("--model", default="resources/models/pm-resnet18d-tone")
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
             *(f"saltpepper{p}" for p in SALT_PEPPER), "jpeg10", *PARTIAL, *STRIPES, "autolevels", "unsharp1",
             "unsharp2", *EDITS]
    kinds = [k for k in kinds if not args.versions or k in args.versions]
    rows = []
    for kind in kinds:
        rng = np.random.default_rng(zlib.crc32(kind.encode()))  # each version's noise whatever else runs
        pixels, labels, stopped, reasons = [], [], 0, {}
        measured = {name: [] for name in MEASURES}
        for s in samples:
            rgb = degraded(read_image(s.path, IMAGE_SIZE), kind, rng)
            q = assess(rgb)
            for name, values in measured.items():
                if q.measures.get(name) is not None:
                    values.append(q.measures[name])
            if not q.ok:
                stopped += 1
                reasons[q.code] = reasons.get(q.code, 0) + 1
            pixels.append(resize(rgb, IMAGE_SIZE))
            labels.append(s.label)
        probs = np.concatenate([predictor.probabilities(np.stack(pixels[i:i + 32])) for i in range(0, len(pixels), 32)])
        y, t = np.array(labels), predictor.threshold
        rows.append({
            "version": kind, "images": len(samples),
            **{name: spread(values, 5 if name == "impulses" else 2) for name, values in measured.items()},
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
