"""core.images.reasons: every reason the engine writes parses to a code with parameters and reads the same again."""

import numpy as np
import pytest

from core.images import quality, reasons
from core.images.imageio import ImageError
from core.images.reader import read_image
from core.screening.inference import Prediction, expand_inputs
from tests.synthetic import fundus_image, write_rgb


def _problem(path):
    with pytest.raises(ImageError) as info:
        read_image(path)
    return info.value.problem


def test_the_engine_s_file_errors_parse_to_codes(tmp_path):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    text = tmp_path / "notes.png"
    text.write_bytes(b"not an image at all" * 10)
    good = write_rgb(tmp_path / "eye.png", fundus_image(True, 1))
    truncated = tmp_path / "cut.png"
    truncated.write_bytes(good.read_bytes()[:-200])
    folder = tmp_path / "nothing"
    folder.mkdir()
    expected = {empty: "empty", text: "not_image", truncated: "truncated", tmp_path / "gone.jpg": "not_found"}
    for path, code in expected.items():
        problem = _problem(path)
        r = reasons.parse(problem)
        assert r.code == code, problem
        assert reasons.english(r) == problem
    [row] = expand_inputs([folder])
    assert isinstance(row, Prediction) and reasons.parse(row.error).code == "no_images"
    r = reasons.parse("cannot be used (an RGB uint8 image of at least 8x8 pixels is needed)")
    assert r == reasons.Reason("unusable", {"detail": "an RGB uint8 image of at least 8x8 pixels is needed"})
    assert reasons.parse("something new").params == {"text": "something new"}


def test_quality_measures_parse_to_codes_with_their_numbers():
    dark = (fundus_image(False, 3).astype(np.float32) * 0.1).astype(np.uint8)
    q = quality.assess(dark)
    assert not q.ok and q.code == "dark"
    r = reasons.parse_measure(q)
    assert r.code == "brightness_low" and float(r.params["limit"]) == quality.MIN_BRIGHTNESS
    assert q.reason == f"{quality.REASONS[q.code]} ({reasons.english(r, reasons.MEASURES)})"
    for code, template in reasons.MEASURES.items():  # each template is a measure core.images.quality writes
        assert template.split("{")[0].strip() in open(quality.__file__).read(), code
    white = np.full((200, 200, 3), 255, np.uint8)
    q = quality.assess(white)
    assert reasons.parse_measure(q).code in reasons.MEASURES
    # "colour grain 5.1 > 1.5" is no "grain": the longer template is the one that matches
    noise = np.random.default_rng(0).normal(0, 6, (*dark.shape[:2], 1)) * np.array([1.0, -1.0, 0.0])
    q = quality.assess(np.clip(fundus_image(True, 3) + noise, 0, 255).astype(np.uint8))
    assert reasons.parse_measure(q).code == "colour_grain", q.reason
