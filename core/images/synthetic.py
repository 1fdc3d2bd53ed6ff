"""A fundus-like photograph drawn from a seed: the self-test's known-good picture (core.screening.selftest) and
one of the inputs on which a cached inference engine must answer like the model's weights
(core.screening.engine.probe_batch)."""

from __future__ import annotations

import numpy as np


def synthetic_fundus(size: int = 512, seed: int = 0) -> np.ndarray:
    """A fundus-like RGB uint8 photograph: a bright orange retina on black with an optic disc, vessels and a
    darker macula, a soft rim and fine noise (so the quality gate's detail and sharpness measures see a
    camera-like picture). Deterministic for a given ``seed``."""
    import cv2

    rng = np.random.default_rng(seed)
    c, r = size / 2, size * 0.46
    yy, xx = np.mgrid[:size, :size].astype(np.float32)
    dist = np.hypot(xx - c, yy - c) / r
    img = np.zeros((size, size, 3), np.float32)
    shade = 1.0 - 0.35 * np.clip(dist, 0, 1) ** 2  # the retina darkens towards the rim
    for ch, level in enumerate((205.0, 92.0, 38.0)):
        img[..., ch] = level * shade
    macula = (int(c - size * 0.08), int(c + size * 0.01))
    spot = np.exp(-((xx - macula[0]) ** 2 + (yy - macula[1]) ** 2) / (2 * (size * 0.06) ** 2))
    img *= (1 - 0.3 * spot)[..., None]
    disc = (c + size * 0.17, c - size * 0.02)
    for i in range(8):  # vessels leaving the optic disc: dark red curves, all around it
        angle = 2 * np.pi * i / 8 + rng.uniform(-0.3, 0.3)
        bend = rng.uniform(-1.2, 1.2)
        t = np.linspace(0, 1, 40)
        a = angle + bend * t
        length = size * rng.uniform(0.25, 0.45)
        pts = np.stack([disc[0] + np.cos(a) * t * length, disc[1] + np.sin(a) * t * length], 1)
        width = max(1, round(size * rng.uniform(0.006, 0.012)))
        cv2.polylines(img, [np.round(pts).astype(np.int32)], False, (120, 30, 20), width, cv2.LINE_AA)
    cv2.circle(img, (round(disc[0]), round(disc[1])), round(size * 0.065), (245, 200, 130), -1, cv2.LINE_AA)
    cv2.circle(img, (round(disc[0]), round(disc[1])), round(size * 0.03), (252, 230, 190), -1, cv2.LINE_AA)
    # texture the channels share, a little coarser than a pixel at 224 px, as a camera's: white noise in each
    # channel, or white grain, is what the quality gate calls noisy
    img += cv2.GaussianBlur(rng.normal(0, 14, (size, size)).astype(np.float32), (0, 0), 0.8 * size / 224)[..., None]
    img = cv2.GaussianBlur(img, (0, 0), size / 700)
    mask = cv2.GaussianBlur((dist <= 1).astype(np.float32), (0, 0), size / 500)  # a slightly soft FOV rim
    return np.clip(img * mask[..., None], 0, 255).astype(np.uint8)
