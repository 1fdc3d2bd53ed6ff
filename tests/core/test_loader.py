import numpy as np

import core.data.loader as loader
from core.data.datasets import Sample
from core.data.loader import NO_AUGMENT, Augment, ImageCache, bounded_map
from core.images.preprocess import to_input
from tests.synthetic import fundus_image, write_rgb


def _samples(tmp_path, n=6):
    return [Sample(write_rgb(tmp_path / f"{i}.png", fundus_image(i % 2 == 0, i, 300)), i % 2, "PN"[i % 2])
            for i in range(n)]


def test_cache_decodes_each_image_once(tmp_path, monkeypatch):
    from core.data.contents import content_digest

    calls = []
    real = loader.decode_file
    monkeypatch.setattr(loader, "decode_file", lambda data, p: calls.append(p) or real(data, p))
    cache = ImageCache(_samples(tmp_path))
    assert len(calls) == 6
    assert cache.digests == [content_digest(s.path) for s in cache.samples]  # from the same read
    for _ in range(3):  # three epochs
        for _ in cache.batches(4, rng=np.random.default_rng(0), augment=Augment()):
            pass
    assert len(calls) == 6
    assert cache.pixels.shape == (6, 224, 224, 3) and cache.pixels.dtype == np.uint8


def test_bad_images_are_skipped_and_listed(tmp_path):
    samples = _samples(tmp_path, 4)
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "text.png").write_text("not an image")
    bad = [Sample(tmp_path / "empty.jpg", 0, "N"), Sample(tmp_path / "text.png", 1, "P"),
           Sample(tmp_path / "gone.jpg", 1, "P")]
    cache = ImageCache(samples[:2] + bad + samples[2:])
    assert len(cache) == 4 and cache.labels.tolist() == [0, 1, 0, 1]
    assert sorted(p.path.split("/")[-1] for p in cache.problems) == ["empty.jpg", "gone.jpg", "text.png"]
    assert all(p.problem for p in cache.problems)


def test_batches_cover_all_images_with_validation_preprocessing(tmp_path):
    cache = ImageCache(_samples(tmp_path, 7))
    got = list(cache.batches(3))
    assert [len(y) for _, y, _ in got] == [3, 3, 1]
    x = np.concatenate([b[0] for b in got])
    np.testing.assert_array_equal(x, to_input(cache.pixels))
    assert [len(y) for _, y, _ in cache.batches(3, drop_last=True)] == [3, 3]


def test_augmentation_is_seeded_and_training_only(tmp_path):
    cache = ImageCache(_samples(tmp_path, 4))
    aug = Augment(flip=True, rotate_deg=15, scale=0.1, shift=0.05, color_jitter=0.2)

    def run(seed):
        return np.concatenate([x for x, _, _ in cache.batches(2, augment=aug, rng=np.random.default_rng(seed))])

    a, b, c = run(1), run(1), run(2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert not np.array_equal(a, to_input(cache.pixels))
    assert a.min() >= -1 and a.max() <= 1
    plain = np.concatenate([x for x, _, _ in cache.batches(2, augment=NO_AUGMENT, rng=np.random.default_rng(1))])
    np.testing.assert_array_equal(plain, to_input(cache.pixels))


def test_bounded_map_keeps_order_and_limits_work_in_flight():
    from concurrent.futures import ThreadPoolExecutor
    started = []

    def work(i):
        started.append(i)
        return i * i

    with ThreadPoolExecutor(2) as pool:
        it = bounded_map(pool, work, range(100), ahead=4)
        assert next(it) == 0
        assert len(started) <= 5  # not the whole input at once
        assert list(it) == [i * i for i in range(1, 100)]
