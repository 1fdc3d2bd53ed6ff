"""bench/near_copies.py: a re-saved copy of a photograph (other bytes) is the closest pair of different files,
and byte-identical copies are counted apart, not listed as the closest different files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def test_a_re_encoded_copy_is_the_closest_pair_of_different_files(tmp_path):
    rng = np.random.default_rng(0)
    for i in range(5):  # textured pictures, each its own
        picture = cv2.GaussianBlur(rng.integers(0, 255, (224, 224, 3), dtype=np.uint8), (0, 0), 2)
        cv2.imwrite(str(tmp_path / f"eye{i}.png"), picture)
    bgr = cv2.imread(str(tmp_path / "eye3.png"))
    cv2.imwrite(str(tmp_path / "eye3-saved-again.jpg"), bgr, [cv2.IMWRITE_JPEG_QUALITY, 70])
    (tmp_path / "eye1-twin.png").write_bytes((tmp_path / "eye1.png").read_bytes())
    out = json.loads(subprocess.run([sys.executable, str(ROOT / "bench" / "near_copies.py"), str(tmp_path),
                                     "--top", "2"], capture_output=True, text=True, check=True).stdout)
    assert out["images"] == 7 and out["identical_pairs"] == 1
    closest, second = out["closest_different_files"]
    assert {closest["a"], closest["b"]} == {"eye3.png", "eye3-saved-again.jpg"} and closest["closeness"] > 0.9
    assert second["closeness"] < 0.5
    assert min(out["own_copies_lowest"].values()) > 0.9
