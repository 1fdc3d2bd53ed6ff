"""Are there copies of one photograph among a data set's images that are not byte-identical (re-encoded, resized,
brightened)? PM Screen finds byte-identical copies (core.data.contents); this measures how close the nearest
*different* files come, against what such a copy of each image would score, so that a leak between folds by a
re-saved copy can be ruled out, or found, on a given data set.

    python bench/near_copies.py ../shared/palm/PALM-Training400 ../shared/palm/PALM-Validation400 [--top 10]

An image's look: grey at 64x64, less its Gaussian blur (sigma 3 px), as a unit vector; two files' closeness is the
correlation of their looks. Prints the closest pairs of files with different bytes, and for a sample of the images
the lowest closeness of their own copy re-encoded at JPEG quality 60, resized to 160 px, and brightened (x1.1+10).
A gap between the two says no such copy is there. (Not built into the product's data check: a photograph out of
focus keeps only the rim of its field of view in its look, so blurry photographs would look alike.)
"""

import argparse
import hashlib
import json
from pathlib import Path

import cv2
import numpy as np

SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp"}


def look(grey: np.ndarray) -> np.ndarray:
    small = cv2.resize(grey, (64, 64), interpolation=cv2.INTER_AREA).astype(np.float32)
    detail = (small - cv2.GaussianBlur(small, (0, 0), 3)).ravel()
    detail -= detail.mean()
    norm = float(np.linalg.norm(detail))
    return detail / norm if norm > 1e-3 else detail * 0


def copies_of(bgr: np.ndarray) -> dict[str, np.ndarray]:
    ok, jpeg = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 60])
    return {"re-encoded q60": cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE),
            "resized 160 px": cv2.cvtColor(cv2.resize(bgr, (160, 160), interpolation=cv2.INTER_AREA),
                                           cv2.COLOR_BGR2GRAY),
            "brightened": cv2.cvtColor(cv2.convertScaleAbs(bgr, alpha=1.1, beta=10), cv2.COLOR_BGR2GRAY)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--sample", type=int, default=30, help="images whose own copies are scored")
    a = ap.parse_args(argv)
    files = sorted(p for d in a.folders for p in d.iterdir() if p.suffix.lower() in SUFFIXES)
    digests, looks, kept = [], [], []
    for f in files:
        grey = cv2.imread(str(f), cv2.IMREAD_GRAYSCALE)
        if grey is None:
            continue
        kept.append(f)
        digests.append(hashlib.sha256(f.read_bytes()).hexdigest())
        looks.append(look(grey))
    m = np.stack(looks)
    close = m @ m.T
    i, j = np.triu_indices(len(kept), 1)
    different = np.array([digests[x] != digests[y] for x, y in zip(i, j)])
    order = np.argsort(np.where(different, -close[i, j], 2.0))[: a.top]  # identical pairs last
    pairs = [{"a": kept[i[k]].name, "b": kept[j[k]].name, "closeness": round(float(close[i[k], j[k]]), 4)}
             for k in order]
    own: dict[str, float] = {}
    for f in kept[:: max(1, len(kept) // a.sample)]:
        bgr = cv2.imread(str(f))
        base = look(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))
        for what, grey in copies_of(bgr).items():
            own[what] = min(own.get(what, 1.0), round(float(base @ look(grey)), 4))
    print(json.dumps({"images": len(kept), "identical_pairs": int((~different).sum()),
                      "closest_different_files": pairs, "own_copies_lowest": own}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
