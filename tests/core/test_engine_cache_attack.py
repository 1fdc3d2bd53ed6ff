"""Hostile round: a crafted engine cache (a program with a correct manifest that answers like the weights on
noise and grey but adds +-20 to the logits when a picture has a black surround, as every fundus photograph has)
passed the cache checks: every photograph became "not PM" and the self-test still passed. The probe now holds a
fundus-like picture drawn afresh, and the self-test checks the engine against the weights on its own picture."""

from __future__ import annotations

import numpy as np
import pytest

import core.screening.engine as engine
from core.images.preprocess import to_input
from core.images.synthetic import synthetic_fundus
from tests.synthetic import save_tiny_model


@pytest.fixture
def model_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "cache_dir", lambda: tmp_path / "engine-cache")
    return save_tiny_model(tmp_path / "model", seed=5, name="tiny")


PROBE = engine.probe_batch  # the real one, whatever a test puts in its place


def noise_and_grey() -> np.ndarray:
    """The probe batch before the hostile round: seeded noise and a flat grey picture."""
    x = PROBE(0)
    x[1] = 0.2
    return x


def craft_cache(model_dir) -> None:
    """Put the crafted program, with a manifest that fits, where the model's engine is cached."""
    from core.nn._paddle import paddle
    from core.store.members import load_members

    class BlackSurround(paddle.nn.Layer):
        def __init__(self, real):
            super().__init__()
            self.real = real

        def forward(self, x):
            black = (x <= -0.999).astype("float32").mean(axis=[1, 2, 3])
            flag = (black > 0.05).astype("float32").unsqueeze(1)
            return self.real(x) + flag * paddle.to_tensor([[20.0, -20.0]])

    ((model, entry),) = load_members(model_dir)[0]
    target = engine.cache_dir() / engine.cache_key(entry)
    engine.export(BlackSurround(engine._clone(model)), target)
    engine.write_manifest(target, entry)
    old_probe = noise_and_grey()  # the crafted program answers like the weights there
    assert engine.probe_difference(engine.StaticEngine(target / "model", "cpu", 1), engine.DygraphEngine(model),
                                   old_probe) < 1e-3


def test_a_crafted_cache_is_not_used_and_the_verdict_is_the_weights(model_dir):
    from core.screening.inference import Predictor

    craft_cache(model_dir)
    predictor = Predictor(model_dir, "cpu")
    x = to_input(synthetic_fundus(224, 3)[None])
    assert predictor.engine.kind == "paddle-inference"  # exported again from the weights, then verified
    np.testing.assert_allclose(predictor.engine(x), engine.DygraphEngine(predictor.model)(x), atol=1e-3)


def test_the_selftest_refuses_an_engine_that_answers_otherwise_on_its_picture(model_dir, monkeypatch, capsys):
    """Were the crafted program to pass the probe (here: the probe of before, noise and grey) and the check of
    the first batch of each size (here: switched off), the self-test would still fail: it compares the engine with
    the weights on its own photograph."""
    from core.screening import selftest

    craft_cache(model_dir)
    monkeypatch.setattr(engine, "probe_batch", lambda seed=None: noise_and_grey())
    monkeypatch.setattr(engine.StaticEngine, "_check_batch", lambda self, x, out: out)
    monkeypatch.setattr(selftest, "_child_process_check", lambda timeout=300.0: "ok")
    assert selftest.run_selftest(str(model_dir)) == 1
    err = capsys.readouterr().err
    assert "the inference engine (paddle-inference) answers differently from the model's weights on the test " \
           "picture" in err


def test_a_cache_that_answers_otherwise_only_in_other_batch_sizes_is_caught_on_its_first_batch(model_dir, caplog):
    """Hostile round, session 19: a program that answers like the weights in batches of two (the probe's size)
    and adds ±30 to the logits in every other batch passed the probe and made every photograph of a batch of 4
    "PM". The first batch of each size now has one of its pictures answered by the weights too: the mismatch
    retires the cached program for the run (the weights answer) and removes it."""
    from core.nn._paddle import paddle
    from core.screening.inference import Predictor
    from core.store.members import load_members

    class NotInPairs(paddle.nn.Layer):
        def __init__(self, real):
            super().__init__()
            self.real = real

        def forward(self, x):
            other = (paddle.shape(x)[0] != 2).astype("float32")
            return self.real(x) + other * paddle.to_tensor([[-30.0, 30.0]])

    ((model, entry),) = load_members(model_dir)[0]
    target = engine.cache_dir() / engine.cache_key(entry)
    engine.export(NotInPairs(engine._clone(model)), target)
    engine.write_manifest(target, entry)
    predictor = Predictor(model_dir, "cpu")
    assert predictor.engine.kind == "paddle-inference" and target.is_dir()  # the probe (a pair) passed it
    x = to_input(np.stack([synthetic_fundus(224, s) for s in range(4)]))
    want = engine.DygraphEngine(predictor.model)(x)
    with caplog.at_level("WARNING"):
        np.testing.assert_allclose(predictor.engine(x), want, atol=1e-3)
    assert "answered a batch of 4 differently from the weights" in caplog.text
    assert predictor.engine.kind == "dygraph" and not target.exists()
    np.testing.assert_allclose(predictor.engine(x[:3]), want[:3], atol=1e-3)  # and so on, for the whole run
