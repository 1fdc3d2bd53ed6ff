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


def test_gamma_bends_the_tone_curve_within_its_range_and_keeps_black():
    grey = np.full((32, 32, 3), 128, np.uint8)
    grey[:4] = 0  # the black outside the field of view
    aug = Augment(flip=False, rotate_deg=0, color_jitter=0, gamma=0.6)
    rng = np.random.default_rng(3)
    values = [aug(grey, rng) for _ in range(40)]
    mids = np.array([v[16, 16, 0] for v in values], float)
    low, high = 255 * (128 / 255) ** 1.6, 255 * (128 / 255) ** (1 / 1.6)
    assert low - 1 <= mids.min() and mids.max() <= high + 1
    assert mids.min() < 110 and mids.max() > 145  # both darker and brighter curves are drawn
    assert all((v[:4] == 0).all() and (v[16, 16] == v[16, 16, 0]).all() for v in values)  # no colour cast


def test_channel_gain_casts_a_colour_within_its_range():
    grey = np.full((32, 32, 3), 100, np.uint8)
    aug = Augment(flip=False, rotate_deg=0, color_jitter=0, channel_gain=0.15)
    rng = np.random.default_rng(4)
    values = np.array([aug(grey, rng)[0, 0] for _ in range(40)], float)
    assert values.min() >= 85 - 1 and values.max() <= 115 + 1
    assert (values.max(axis=1) - values.min(axis=1)).max() > 10  # channels scaled apart, not together
    assert (aug(grey, np.random.default_rng(9)) == aug(grey, np.random.default_rng(9))).all()  # seeded


def test_recipes_without_tone_augmentation_draw_what_they_drew_before():
    img = np.random.default_rng(0).integers(0, 255, (32, 32, 3), np.uint8)
    old = Augment(flip=True, rotate_deg=15, scale=0.1, shift=0.05, color_jitter=0.2)
    new = Augment(flip=True, rotate_deg=15, scale=0.1, shift=0.05, color_jitter=0.2, gamma=0.6, channel_gain=0.1)
    a, b = np.random.default_rng(5), np.random.default_rng(5)
    old(img, a)
    new(img, b)
    b_after = b.random()
    a_after_two_more = (a.random(), a.random(), a.random(), a.random(), a.random())
    assert b_after == a_after_two_more[4]  # the new draws (1 exponent, 3 gains) come after the old ones


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
