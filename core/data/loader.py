"""Decode-once image cache and batch iteration with training-only augmentation.

Each image is decoded and resized once per run; the 224x224 uint8 pixels stay in memory (150 KB each),
so epochs after the first never touch a JPEG again. Decoding runs on a thread pool: OpenCV releases the GIL.
"""

from __future__ import annotations

import collections
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import cv2
import numpy as np

from ..images.imageio import ImageError, read_bytes, usable
from ..images.preprocess import IMAGE_SIZE, resize, to_input
from ..images.reader import decode_file
from .contents import bytes_digest
from .datasets import Problem, Sample


@dataclass(frozen=True)
class Augment:
    """Training-only augmentation; all off means the validation pipeline exactly."""

    flip: bool = True
    rotate_deg: float = 10.0
    scale: float = 0.0  # random zoom in [1 - scale, 1 + scale]
    shift: float = 0.0  # random translation, as a fraction of the image size
    color_jitter: float = 0.1  # relative brightness / contrast / saturation change
    gamma: float = 0.0  # tone curve: exponent log-uniform in [1 / (1 + gamma), 1 + gamma]
    channel_gain: float = 0.0  # colour cast: each channel scaled by a random factor in [1 - g, 1 + g]

    @property
    def enabled(self) -> bool:
        return (self.flip or self.rotate_deg > 0 or self.scale > 0 or self.shift > 0 or self.color_jitter > 0
                or self.gamma > 0 or self.channel_gain > 0)

    def __call__(self, img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        if self.flip and rng.random() < 0.5:  # a left eye mirrored looks like a right eye
            img = img[:, ::-1]
        if self.rotate_deg > 0 or self.scale > 0 or self.shift > 0:
            h, w = img.shape[:2]
            angle = rng.uniform(-self.rotate_deg, self.rotate_deg)
            m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, rng.uniform(1 - self.scale, 1 + self.scale))
            m[:, 2] += rng.uniform(-self.shift, self.shift, 2) * (w, h)
            img = cv2.warpAffine(np.ascontiguousarray(img), m, (w, h), flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_CONSTANT, borderValue=0)  # black, like the fundus mask
        if self.color_jitter > 0:
            j = self.color_jitter
            x = img.astype(np.float32)
            x *= rng.uniform(1 - j, 1 + j)  # brightness
            mean = x.mean()
            x = (x - mean) * rng.uniform(1 - j, 1 + j) + mean  # contrast
            gray = x.mean(axis=2, keepdims=True)
            x = (x - gray) * rng.uniform(1 - j, 1 + j) + gray  # saturation
            img = np.clip(x, 0, 255).astype(np.uint8)
        # Drawn after the rest and only when asked for, so recipes without them replay their old random streams.
        # Cameras and their processing differ in tone curve and white balance more than in brightness alone.
        if self.gamma > 0:
            exponent = np.exp(rng.uniform(-1, 1) * np.log1p(self.gamma))
            lut = np.round(255 * (np.arange(256) / 255) ** exponent).astype(np.uint8)
            img = cv2.LUT(np.ascontiguousarray(img), lut)
        if self.channel_gain > 0:
            gains = rng.uniform(1 - self.channel_gain, 1 + self.channel_gain, 3).astype(np.float32)
            img = np.clip(img * gains, 0, 255).astype(np.uint8)
        return img


NO_AUGMENT = Augment(flip=False, rotate_deg=0.0, scale=0.0, shift=0.0, color_jitter=0.0, gamma=0.0, channel_gain=0.0)


def load_pixels(path) -> np.ndarray:
    return _pixels_and_digest(path)[0]


def _pixels_and_digest(path) -> tuple[np.ndarray, str | None]:
    """The resized pixels and the content digest (core.data.contents) of one read of the file."""
    data = read_bytes(path)
    return resize(usable(decode_file(data, path), path), IMAGE_SIZE), bytes_digest(data)


class ImageCache:
    """Resized uint8 pixels of a fixed list of samples; bad files are dropped and reported as problems. ``digests``:
    each kept sample's content digest (core.data.contents), from the same read of the file."""

    def __init__(self, samples: Sequence[Sample], threads: int | None = None,
                 progress: Callable[[int, int], None] | None = None):
        self.samples: list[Sample] = []
        self.problems: list[Problem] = []
        self.digests: list[str | None] = []
        pixels = []
        threads = threads or min(8, os.cpu_count() or 1)
        with ThreadPoolExecutor(threads) as pool:
            for i, (sample, result) in enumerate(zip(samples, pool.map(_try_load, samples))):
                if isinstance(result, ImageError):
                    self.problems.append(Problem(result.path, result.problem))
                else:
                    self.samples.append(sample)
                    pixels.append(result[0])
                    self.digests.append(result[1])
                if progress:
                    progress(i + 1, len(samples))
        self.pixels = np.stack(pixels) if pixels else np.zeros((0, IMAGE_SIZE, IMAGE_SIZE, 3), np.uint8)
        self.labels = np.array([s.label for s in self.samples], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.samples)

    def batches(self, batch_size: int, indices: Sequence[int] | None = None, augment: Augment = NO_AUGMENT,
                rng: np.random.Generator | None = None, drop_last: bool = False,
                prefetch: int = 2) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Yield (input float32 NCHW, labels int64, indices) batches; the next batch is built on a thread
        while the caller computes on the current one."""
        order = np.arange(len(self)) if indices is None else np.asarray(indices)
        stops = range(0, len(order) - (batch_size - 1 if drop_last else 0), batch_size)
        chunks = [order[i:i + batch_size] for i in stops]
        # One seed per batch, drawn up front, keeps augmentation reproducible whatever the thread timing.
        seeds = rng.integers(0, 2**63, len(chunks)) if (augment.enabled and rng is not None) else [None] * len(chunks)

        def build(ix, seed):
            imgs = self.pixels[ix]
            if seed is not None:
                r = np.random.default_rng(seed)
                imgs = np.stack([augment(im, r) for im in imgs])
            return to_input(imgs), self.labels[ix], ix

        yield from _prefetched((build(ix, s) for ix, s in zip(chunks, seeds)), prefetch)


def bounded_map(pool: ThreadPoolExecutor, fn: Callable, items: Iterable, ahead: int) -> Iterator:
    """``pool.map`` that keeps at most ``ahead`` results in flight, so memory stays flat on long inputs."""
    pending: collections.deque = collections.deque()
    for item in items:
        pending.append(pool.submit(fn, item))
        if len(pending) >= ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _try_load(sample: Sample):
    try:
        return _pixels_and_digest(sample.path)
    except ImageError as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - one file never stops a data set: anything else is its problem
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        return ImageError(sample.path, f"cannot be used ({first})")


def _prefetched(it: Iterator, depth: int) -> Iterator:
    """Run ``it`` on a background thread, ``depth`` items ahead of the consumer."""
    if depth <= 0:
        yield from it
        return
    q: queue.Queue = queue.Queue(depth)
    done = object()
    stop = threading.Event()

    def produce():
        try:
            for item in it:
                if stop.is_set():
                    return
                q.put(item)
        except BaseException as exc:  # handed to the consumer, raised there
            q.put(exc)
        q.put(done)

    t = threading.Thread(target=produce, daemon=True)
    t.start()
    try:
        while (item := q.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while t.is_alive():  # unblock a producer waiting on a full queue
            try:
                q.get_nowait()
            except queue.Empty:
                t.join(0.01)
