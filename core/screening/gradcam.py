"""Grad-CAM (Selvaraju et al., 2017) for the PM class over the network's last convolutional feature map.

For a two-class softmax, p(PM) = sigmoid(z_PM - z_other), so the score whose gradient weights the feature
channels is the logit margin z_PM - z_other (with more classes: the PM logit). The heatmap is
ReLU(sum_k alpha_k A_k) with alpha_k the spatial mean of d score / d A_k, weighted by each cell's share of the
fundus's circular field of view (core.images.quality.field_of_view: a reflection or the rim's edge in the dark
surround is no finding), scaled to [0, 1] per image (all zero when nothing in the field raised the PM score), and
resized to the image. It shows what raised the PM score most, whatever the verdict: for an image judged not PM
those regions did not lift the score to the threshold.

Needs the dygraph model (``features``, ``avgpool``, ``fc`` as in core.nn.models.ResNet): the head is differentiated
with Paddle's autograd. The backbone only has to give the feature map, without gradients: by default the dygraph
``model.features``; ``feature_engine`` exports it once to a Paddle Inference program (several times faster on
CPU), which ``cam_batch(features=...)`` then uses.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

from ..images.preprocess import IMAGE_SIZE, resize, to_input
from ..images.quality import field_of_view
from . import DEFAULT_OPACITY  # noqa: F401  (the overlays' default, imported from here by the GUI)

log = logging.getLogger(__name__)


def cam_batch(model, pixels: np.ndarray, positive: int = 1, features=None) -> np.ndarray:
    """Low-resolution Grad-CAM maps (N, h, w) in [0, 1] for preprocessed uint8 images (N, 224, 224, 3).

    ``features``: optional fast backbone, float32 NCHW input -> feature map (see ``feature_engine``)."""
    from ..nn._paddle import ensure_dynamic_mode, paddle

    ensure_dynamic_mode()  # gradients need dygraph mode on this thread (core.nn._paddle)
    x = to_input(pixels)
    if features is not None:
        feats = paddle.to_tensor(np.ascontiguousarray(features(x), dtype=np.float32))
    else:
        with paddle.no_grad():
            feats = model.features(paddle.to_tensor(x))
    feats = feats.detach()
    feats.stop_gradient = False
    logits = model.fc(paddle.flatten(model.avgpool(feats), 1))
    score = logits[:, positive]
    if logits.shape[1] == 2:
        score = score - logits[:, 1 - positive]
    (grads,) = paddle.grad(score.sum(), feats)
    weights = grads.mean(axis=[2, 3], keepdim=True)
    cams = paddle.nn.functional.relu((weights * feats).sum(axis=1)).numpy().astype(np.float32)
    cams *= fov_weights(pixels, cams.shape[1:])  # before scaling: the peak must lie in the fundus
    peak = cams.reshape(len(cams), -1).max(axis=1)
    cams /= np.where(peak > 0, peak, 1.0)[:, None, None]
    return cams


def fov_weights(pixels: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(N, h, w): each cell's share of the circular field of view of its image (N, H, W, 3); all ones for an image
    without one (the map is then left as it is)."""
    weights = np.ones((len(pixels), *shape), np.float32)
    for i, rgb in enumerate(pixels):
        mask = field_of_view(rgb, shape)
        if mask is not None:
            weights[i] = mask
    return weights


def mean_cams(models: list, pixels: np.ndarray, positive: int = 1, features: list | None = None) -> np.ndarray:
    """Grad-CAM maps of a model of several members: each member's map (``cam_batch``, at the first member's
    resolution), averaged, and scaled to [0, 1] per image again. With one member, its own maps."""
    features = features or [None] * len(models)
    cams = [cam_batch(m, pixels, positive, f) for m, f in zip(models, features)]
    if len(cams) == 1:
        return cams[0]
    h, w = cams[0].shape[1:]
    mean = np.mean([c if c.shape[1:] == (h, w) else np.stack([cv2.resize(x, (w, h)) for x in c]) for c in cams],
                   axis=0).astype(np.float32)
    peak = mean.reshape(len(mean), -1).max(axis=1)
    return mean / np.where(peak > 0, peak, 1.0)[:, None, None]


def feature_engine(model, meta: dict, device: str = "cpu", threads: int | None = None):
    """``model.features`` as a Paddle Inference program, exported once per weights file and cached beside the
    inference engine's export; None when that fails (Grad-CAM then runs the dygraph backbone)."""
    import os

    from ..nn._paddle import ensure_dynamic_mode, paddle
    from ..nn.models import build_from_config
    from .engine import cache_dir, cache_key, verified_static

    digest = (meta.get("weights") or {}).get("sha256")
    if not digest or not hasattr(model, "config"):
        return None

    def make_layer():
        clone = build_from_config(model.config)  # to_static rewrites forward in place: export a copy
        clone.set_state_dict(model.state_dict())
        clone.eval()
        return _backbone(clone)

    def reference(x):  # the dygraph backbone: what the export must reproduce
        ensure_dynamic_mode()  # it also checks the first batch of each size, on whichever thread runs it
        with paddle.no_grad():
            return model.features(paddle.to_tensor(x)).numpy()

    try:
        target = cache_dir() / cache_key(meta).replace("-paddle", "-features-paddle", 1)
        threads = threads or int(os.environ.get("OMP_NUM_THREADS") or os.cpu_count() or 1)
        return verified_static(make_layer, reference, target, meta, device, threads)
    except Exception as exc:  # any export or predictor failure: the dygraph backbone still works
        log.warning("Grad-CAM backbone not exported (%s); using dygraph", exc)
        return None


def _backbone(net):
    """A layer whose forward is ``net.features`` (what gets exported)."""
    import paddle.nn as nn

    class Backbone(nn.Layer):
        def __init__(self):
            super().__init__()
            self.net = net

        def forward(self, x):
            return self.net.features(x)

    return Backbone()


def upsample(cam: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A low-resolution map resized to ``shape`` (H, W), smooth and still in [0, 1]."""
    h, w = shape[:2]
    return np.clip(cv2.resize(cam, (w, h), interpolation=cv2.INTER_CUBIC), 0.0, 1.0)


def field_heat(rgb: np.ndarray, cam: np.ndarray) -> np.ndarray:
    """A low-resolution map resized to the picture ``rgb`` and zero outside its fundus's field of view: a cell that
    straddles the rim would otherwise spill colour over the dark surround."""
    heat = upsample(cam, rgb.shape[:2])
    field = field_of_view(rgb)
    return heat if field is None else heat * field


def heatmap(model, rgb: np.ndarray, positive: int = 1) -> np.ndarray:
    """Grad-CAM heatmap (H, W) float32 in [0, 1] for an RGB uint8 image of any size."""
    cam = cam_batch(model, resize(rgb, IMAGE_SIZE)[None], positive)[0]
    return field_heat(rgb, cam)


def colorize(heat: np.ndarray) -> np.ndarray:
    """A heatmap in [0, 1] as RGB uint8 colours (jet: blue = none, red = strongest)."""
    u8 = (np.clip(heat, 0.0, 1.0) * 255 + 0.5).astype(np.uint8)
    return cv2.cvtColor(cv2.applyColorMap(u8, cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB)


def overlay(rgb: np.ndarray, heat: np.ndarray, opacity: float = DEFAULT_OPACITY) -> np.ndarray:
    """``rgb`` with the coloured heatmap blended in: opacity 0 = the image, 1 = the heatmap only. A low-resolution
    map is resized and kept to the field of view (``field_heat``)."""
    if not 0.0 <= opacity <= 1.0:
        raise ValueError(f"opacity must be in [0, 1], got {opacity}")
    if heat.shape[:2] != rgb.shape[:2]:  # a network's map: resized, and kept to the fundus
        heat = field_heat(rgb, heat)
    out = rgb.astype(np.float32) * (1.0 - opacity) + colorize(heat).astype(np.float32) * opacity
    return (out + 0.5).astype(np.uint8)
