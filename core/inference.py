"""Diagnosis of image files with a saved model: streaming, batched, one bad file never stops the rest."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .imageio import ImageError, is_image_file
from .loader import bounded_map, load_pixels
from .modelio import ModelFileError, load_model
from .preprocess import to_input

PM_WORDS = {True: "PM", False: "not PM"}


@dataclass(frozen=True)
class Prediction:
    path: str
    probability: float | None = None  # of pathologic myopia
    pm: bool | None = None
    error: str | None = None

    @property
    def verdict(self) -> str:
        return "error" if self.error else PM_WORDS[bool(self.pm)]

    def to_dict(self) -> dict:
        d = {"file": self.path, "probability": self.probability, "verdict": self.verdict}
        if self.error:
            d["error"] = self.error
        return d


def expand_inputs(items: Iterable[str | Path]) -> list[Path | Prediction]:
    """Files stay as given (a missing one fails when read); folders become their image files, sorted, or an
    error row when they hold none."""
    out: list[Path | Prediction] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and is_image_file(f))
            out += found or [Prediction(str(p), error="folder holds no JPEG, PNG, TIFF or BMP images")]
        else:
            out.append(p)
    return out


class Predictor:
    """A loaded model folder ready to diagnose images."""

    def __init__(self, model_dir: str | Path, device: str = "auto", batch_size: int = 16, engine: str = "auto"):
        from .engine import create_engine
        from .runtime import use_device

        self.model_dir = Path(model_dir)
        self.device = use_device(device)
        self.model, self.meta = load_model(self.model_dir)
        self.engine = create_engine(self.model, self.meta, self.device, engine)
        # Temperature scaling (fitted on validation images when a model is finalised) calibrates probabilities.
        self.temperature = float(self.meta.get("temperature", 1.0))
        if len(self.meta.get("class_names", [])) != 2:
            raise ModelFileError(f"{self.model_dir}: not a two-class (PM / not PM) model")
        self.threshold = float(self.meta.get("threshold", 0.5))
        self.positive = int(self.meta.get("positive_class", 1))
        self.batch_size = batch_size
        self.name = self.meta.get("name", self.model_dir.name)

    def probabilities(self, pixels: np.ndarray) -> np.ndarray:
        """PM probability of each preprocessed uint8 224x224 RGB image of a batch (N, H, W, 3)."""
        return softmax(self.logits(to_input(pixels)))[:, self.positive]

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Calibrated logits of a preprocessed float32 NCHW batch."""
        return self.engine(x) / self.temperature

    def predict_files(self, items: Iterable[str | Path]) -> Iterator[Prediction]:
        """One Prediction per image, in input order; decoding of the next batch overlaps inference."""
        entries = expand_inputs(items)
        threads = max(1, min(4, os.cpu_count() or 1))
        with ThreadPoolExecutor(threads) as pool:
            decoded = bounded_map(pool, _load, entries, ahead=2 * self.batch_size)
            batch: list[tuple[Path, np.ndarray]] = []
            for entry, result in zip(entries, decoded):
                if not isinstance(result, np.ndarray):
                    yield from self._run(batch)  # keep the output in input order
                    batch = []
                    yield result
                    continue
                batch.append((entry, result))
                if len(batch) == self.batch_size:
                    yield from self._run(batch)
                    batch = []
            yield from self._run(batch)

    def _run(self, batch: list[tuple[Path, np.ndarray]]) -> Iterator[Prediction]:
        if not batch:
            return
        probs = self.probabilities(np.stack([px for _, px in batch]))
        for (path, _), p in zip(batch, probs):
            yield Prediction(str(path), float(p), bool(p >= self.threshold))


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _load(entry: Path | Prediction) -> np.ndarray | Prediction:
    if isinstance(entry, Prediction):
        return entry
    try:
        return load_pixels(entry)
    except ImageError as exc:
        return Prediction(str(entry), error=exc.problem)
