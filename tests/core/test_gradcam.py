import numpy as np
import pytest

from core.images.quality import field_of_view
from core.nn._paddle import paddle  # first: Paddle is imported quietly through core.nn._paddle
from core.screening.gradcam import cam_batch, colorize, fov_weights, heatmap, overlay
from tests.synthetic import fundus_image

nn = paddle.nn


class PatchModel(nn.Layer):
    """A hand-set network whose PM evidence is known: channel 0 fires on bright white 8x8 cells and speaks for PM,
    channel 1 fires on pure red cells and speaks against it."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2D(3, 2, 8, stride=8)  # 224 -> 28 x 28 feature map
        self.avgpool = nn.AdaptiveAvgPool2D(1)
        self.fc = nn.Linear(2, 2)
        w = np.zeros((2, 3, 8, 8), np.float32)
        w[0, 1:] = 1 / 128  # green + blue: white cells, not red ones
        w[1, 0], w[1, 1] = 1 / 64, -1 / 64  # red minus green
        self.conv.weight.set_value(w)
        self.conv.bias.set_value(np.array([1.0, -0.5], np.float32))  # black (-1) gives 0 in channel 0
        self.fc.weight.set_value(np.array([[0.0, 0.0], [1.0, -3.0]], np.float32).T)  # PM row = class 1
        self.fc.bias.set_value(np.zeros(2, np.float32))

    def features(self, x):
        return nn.functional.relu(self.conv(x))

    def forward(self, x):
        return self.fc(paddle.flatten(self.avgpool(self.features(x)), 1))


def _scene():
    img = np.zeros((224, 224, 3), np.uint8)
    img[16:64, 152:208] = 255  # white patch, top right: the PM evidence
    img[160:208, 16:64] = (255, 0, 0)  # red patch, bottom left: evidence against PM
    return img


def test_heatmap_points_at_the_evidence_for_pm():
    model = PatchModel()
    heat = heatmap(model, _scene())
    assert heat.shape == (224, 224) and heat.dtype == np.float32
    assert heat.min() >= 0 and heat.max() == pytest.approx(1.0, abs=0.02)
    y, x = np.unravel_index(np.argmax(heat), heat.shape)
    assert 16 <= y < 64 and 152 <= x < 208  # rows are rows, columns are columns
    assert heat[16:64, 152:208].mean() > 0.8
    assert heat[160:208, 16:64].max() < 0.05  # evidence against PM is not highlighted
    assert heat[100:140, 90:130].max() < 0.05


def test_heatmap_follows_image_size_and_aspect():
    model = PatchModel()
    img = np.zeros((300, 600, 3), np.uint8)
    img[:100, 400:] = 255
    heat = heatmap(model, img)
    assert heat.shape == (300, 600)
    y, x = np.unravel_index(np.argmax(heat), heat.shape)
    assert y < 100 and x >= 400


def test_no_evidence_gives_an_empty_map():
    img = np.zeros((224, 224, 3), np.uint8)
    img[100:150, 100:150] = (255, 0, 0)
    assert heatmap(PatchModel(), img).max() == 0.0


def test_a_bright_spot_in_the_dark_surround_does_not_dominate():
    """A reflection in the dark rim outside the fundus's circular field is no finding: the map is weighted by the
    field of view before it is scaled, so its strongest region lies in the fundus (here the optic disc)."""
    img = fundus_image(False, 4)
    img[:24, :24] = 255  # a white reflection in the top-left corner: more PM evidence to PatchModel than the disc
    mask = field_of_view(img)
    assert mask is not None and mask[:24, :24].max() == 0 and mask[112, 112] == 1
    heat = heatmap(PatchModel(), img)
    assert heat.max() == pytest.approx(1.0, abs=0.02)
    assert heat[:24, :24].max() < 0.05
    y, x = np.unravel_index(np.argmax(heat), heat.shape)
    assert np.hypot(y - 112, x - 112) < 0.45 * 224  # inside the fundus
    painted = overlay(img, np.ones((7, 7), np.float32), 1.0)  # a network's map, strongest everywhere
    assert painted[112, 112].tolist() == [128, 0, 0] and painted[4, 4].tolist() == [0, 0, 128]  # rim: "none"
    assert field_of_view(_scene()) is None  # no field on a dark surround: the map is left as it is


def test_resnet_gradcam_equals_cam_from_the_fc_weights():
    """Analytic check on the real architecture: with avgpool + fc as head, Grad-CAM is the class activation map
    ReLU(sum_k (w_PM,k - w_other,k) A_k), up to scale."""
    from core.nn.models import build_resnet

    paddle.seed(0)
    model = build_resnet(18, "D")
    model.eval()
    pixels = np.stack([fundus_image(True, 1), fundus_image(False, 2)])
    cams = cam_batch(model, pixels, positive=1)
    assert cams.shape == (2, 7, 7)
    from core.images.preprocess import to_input

    with paddle.no_grad():
        feats = model.features(paddle.to_tensor(to_input(pixels))).numpy()
    w = model.fc.weight.numpy()  # (C, classes)
    expected = np.maximum(np.einsum("nchw,c->nhw", feats, w[:, 1] - w[:, 0]), 0) * fov_weights(pixels, (7, 7))
    for got, want in zip(cams, expected):
        if want.max() > 0:
            np.testing.assert_allclose(got, want / want.max(), atol=1e-4)
        else:
            assert got.max() == 0


def test_overlay_blends_with_opacity():
    rgb = fundus_image(False, 3)
    heat = np.zeros((224, 224), np.float32)
    heat[:, 112:] = 1.0
    np.testing.assert_array_equal(overlay(rgb, heat, 0.0), rgb)
    full = overlay(rgb, heat, 1.0)
    np.testing.assert_array_equal(full, colorize(heat))
    assert full[0, 200].tolist() == [128, 0, 0]  # jet's hottest end is dark red
    assert full[0, 0, 2] > 100 and full[0, 0, 0] == 0  # cold end is blue
    half = overlay(rgb, heat, 0.5)
    assert half.dtype == np.uint8 and half.shape == rgb.shape
    assert np.abs(half.astype(int) - (rgb.astype(int) + full) / 2).max() <= 1
    small = overlay(rgb, heat[::8, ::8], 0.5)  # a low-resolution map is resized to the image
    assert small.shape == rgb.shape
    with pytest.raises(ValueError):
        overlay(rgb, heat, 1.5)


def test_exported_backbone_gives_the_same_maps(tmp_path):
    from core.images.preprocess import PREPROCESSING
    from core.nn.models import build_resnet
    from core.screening.gradcam import feature_engine
    from core.store.modelio import save_model

    paddle.seed(1)
    model = build_resnet(18, "D")
    model.eval()
    meta = save_model(tmp_path / "m", model, {"name": "t", "architecture": model.config.to_dict(),
                                              "class_names": ["non-PM", "PM"], "preprocessing": PREPROCESSING})
    engine = feature_engine(model, meta, "cpu")
    assert engine is not None and engine.kind == "paddle-inference"
    pixels = np.stack([fundus_image(True, 1), fundus_image(False, 2), fundus_image(True, 3)])
    np.testing.assert_allclose(cam_batch(model, pixels, 1, engine), cam_batch(model, pixels, 1), atol=1e-3)
    assert feature_engine(model, {}, "cpu") is None  # no weights hash to key the export: dygraph instead
