import numpy as np

from core.data.datasets import Sample
from core.data.loader import ImageCache
from core.nn._paddle import paddle
from core.nn.models import build_resnet
from core.stats.metrics import binary_metrics
from core.training.validate import dygraph_forward, validate
from tests.synthetic import fundus_image, write_rgb


def test_validation_is_batch_size_independent_and_consistent(tmp_path):
    samples = [Sample(write_rgb(tmp_path / f"{i}.png", fundus_image(i % 3 == 0, i)), int(i % 3 == 0), "")
               for i in range(7)]
    cache = ImageCache(samples)
    paddle.seed(0)
    model = build_resnet(18, "B")
    model.train()
    a = validate(model, cache, batch_size=3, threshold=0.5)
    b = validate(model, cache, batch_size=50, threshold=0.5)
    assert model.training  # restored
    np.testing.assert_allclose(a["probabilities"], b["probabilities"], atol=1e-5)
    assert a["n"] == 7 and a["files"] == [f"{i}.png" for i in range(7)]
    expected = binary_metrics(cache.labels, np.array(a["probabilities"]), 0.5)
    for key in ("accuracy", "sensitivity", "specificity", "confusion"):
        assert a[key] == expected[key]
    # the loss is the mean cross-entropy of the true classes
    model.eval()
    logits = dygraph_forward(model)(np.concatenate([x for x, _, _ in cache.batches(7)]))
    ce = paddle.nn.functional.cross_entropy(paddle.to_tensor(logits), paddle.to_tensor(cache.labels))
    assert abs(a["loss"] - float(ce)) < 1e-5


def test_validation_reports_its_progress_after_each_batch(tmp_path):
    samples = [Sample(write_rgb(tmp_path / f"{i}.png", fundus_image(i % 2 == 0, i)), i % 2, "") for i in range(5)]
    cache = ImageCache(samples)
    seen = []
    validate(None, cache, batch_size=2, forward=lambda x: np.zeros((len(x), 2), np.float32),
             progress=lambda done, total: seen.append((done, total)))
    assert seen == [(2, 5), (4, 5), (5, 5)]
