"""Diagnosis of image files with a saved model: streaming, batched, one bad file never stops the rest.

Each file is read once on a worker thread: SHA-256 of its bytes (for the audit log), decoding (a large JPEG at
reduced size, see core.images.imageio), the image-quality gate (core.images.quality) and the 224 px network input.
An image
that fails the gate gets the verdict "ungradable — retake" with the reason, and the network does not judge it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..data.loader import bounded_map
from ..images.imageio import ImageError, is_image_file, read_bytes, sniffed_image_file, unsniffable_entry, usable
from ..images.preprocess import IMAGE_SIZE, resize, to_input
from ..images.quality import QualityResult, assess, normalise
from ..images.reader import decode_file, read_image
from ..images.textsafe import shown
from ..stats.metrics import softmax
from ..store.members import load_members, model_sha256
from ..store.modelio import ModelFileError, research_reason

PM_WORDS = {True: "PM", False: "not PM"}
UNGRADABLE = "ungradable — retake"
DECODE_SIDE = 2 * IMAGE_SIZE  # reduced JPEG decoding keeps at least this short side (2124x2056 -> 1/4 size)
PREVIEW_SIDE = 512  # long side of the picture kept with a heatmap, for overlays and reports


@dataclass(frozen=True)
class Prediction:
    path: str
    probability: float | None = None  # of pathologic myopia; None for errors and ungradable images
    pm: bool | None = None
    error: str | None = None
    quality: QualityResult | None = None
    sha256: str | None = None  # of the file's bytes
    heatmap: np.ndarray | None = field(default=None, repr=False, compare=False)  # low-res Grad-CAM in [0, 1]
    preview: np.ndarray | None = field(default=None, repr=False, compare=False)  # RGB, long side <= PREVIEW_SIDE

    @property
    def gradable(self) -> bool:
        return self.quality is None or self.quality.ok

    @property
    def verdict(self) -> str:
        if self.error:
            return "error"
        if self.pm is None and not self.gradable:
            return UNGRADABLE
        return PM_WORDS[bool(self.pm)]

    @property
    def quality_text(self) -> str:
        """'ok', the reason the image is ungradable, or '' when not assessed."""
        if self.quality is None:
            return ""
        return "ok" if self.quality.ok else self.quality.reason

    @property
    def shown_path(self) -> str:
        """The path as printable text (undecodable bytes and control characters escaped: core.images.textsafe)."""
        return shown(self.path)

    def to_dict(self) -> dict:
        d = {"file": self.shown_path, "probability": self.probability, "verdict": self.verdict}
        if self.quality is not None:
            d["quality"] = self.quality_text
        if self.error:
            d["error"] = self.error
        if self.sha256:
            d["sha256"] = self.sha256
        return d


def expand_inputs(items: Iterable[str | Path]) -> list[Path | Prediction]:
    """Files stay as given (a missing one fails when read); folders become their image files, sorted, or an
    error row when they hold none. Names with an image suffix that are not regular files (a FIFO, a device, a
    dangling link) are kept, so that each gets its error row when read (core.images.imageio.read_bytes opens none).
    Files without a suffix (PACS and camera exports: IM000001, 1.2.840.113619.2.55.3.7) are images when their
    content says so (``sniffed_image_file``), and such names that are no regular file (a FIFO, a device, a
    socket: ``unsniffable_entry``) are kept for their error row, unopened; other names (notes.txt, .DS_Store)
    are not images."""
    out: list[Path | Prediction] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            found = sorted((f for f in _files_below(p) if isinstance(f, Prediction) or is_image_file(f)
                            or sniffed_image_file(f) or unsniffable_entry(f)), key=_entry_path)
            out += found or [Prediction(str(p), error="folder holds no JPEG, PNG, TIFF, BMP or DICOM images")]
        else:
            out.append(p)
    return _once(out)


def _once(entries: list[Path | Prediction]) -> list[Path | Prediction]:
    """Each file once, in its first place: "imgs imgs/ imgs/P0001.jpg" screened P0001.jpg three times, counted
    it so and wrote it three times to the audit log."""
    seen, kept = set(), []
    for entry in entries:
        try:
            key = os.path.realpath(_entry_path(entry))
        except (OSError, ValueError):  # a name no file system takes: its error row says so
            key = _entry_path(entry)
        if key not in seen:
            seen.add(key)
            kept.append(entry)
    return kept


def _entry_path(entry: Path | Prediction) -> str:
    return str(entry.path if isinstance(entry, Prediction) else entry)


def _files_below(folder: Path) -> Iterator[Path | Prediction]:
    """Every non-folder entry below ``folder``, any depth, with a stack instead of recursion (Path.rglob and
    Python 3.11's os.walk recurse once per level: a folder 1,000 levels deep ended the batch with
    RecursionError); links to folders are not followed (no loops), but each is an error row that says so, as is
    a folder that cannot be listed: their images would otherwise vanish from the batch without a word."""
    stack = [folder]
    while stack:
        here = stack.pop()
        try:
            entries = list(os.scandir(here))
        except OSError as exc:
            yield Prediction(str(here), error=f"folder cannot be read ({exc.strerror or type(exc).__name__})")
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))
            elif _links_to_folder(entry):
                yield Prediction(entry.path, error="a link to a folder, not followed (give that folder itself)")
            else:
                yield Path(entry.path)


def _links_to_folder(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a link loop (ELOOP): listed as a file, so it gets its own error row and the batch goes on
        return False


class Predictor:
    """A loaded model folder ready to diagnose images: one network, or several members whose probabilities are
    averaged (core.store.members)."""

    def __init__(self, model_dir: str | Path, device: str = "auto", batch_size: int = 16, engine: str = "auto",
                 quality_gate: bool = True, precision: str = "fp32"):
        from ..nn.runtime import use_device
        from .engine import MeanEngine, create_engine

        self.model_dir = Path(model_dir)
        self.device = use_device(device)
        members, self.meta = load_members(self.model_dir)
        self.models, self.members = [m for m, _ in members], [entry for _, entry in members]
        self.model = self.models[0]  # the network of a single-network model
        # Temperature scaling (fitted on validation images when a model is finalised) calibrates probabilities.
        self.temperature = float(self.meta.get("temperature", 1.0))
        engines = [create_engine(m, entry, self.device, engine, precision=precision) for m, entry in members]
        self.engine = engines[0] if len(engines) == 1 else MeanEngine(engines, self.temperature)
        if len(self.meta.get("class_names", [])) != 2:
            raise ModelFileError(f"{self.model_dir}: not a two-class (PM / not PM) model")
        self.threshold = float(self.meta.get("threshold", 0.5))
        self.positive = int(self.meta.get("positive_class", 1))
        self.batch_size = batch_size
        # shown, not raw: model.json's name goes into terminal lines, reports and the audit log (a newline or a
        # right-to-left override in it forged the line that states the threshold)
        self.name = shown(str(self.meta.get("name", self.model_dir.name)))
        self.weights_sha256 = model_sha256(self.meta)  # one hash over every member (audit log, reports)
        self.research = research_reason(self.meta)  # "" for a model with a (sealed) card: for patients
        # Without the gate, ungradable images are judged too (quality is still measured and reported).
        self.quality_gate = quality_gate

    def probabilities(self, pixels: np.ndarray) -> np.ndarray:
        """PM probability of each preprocessed uint8 224x224 RGB image of a batch (N, H, W, 3)."""
        return softmax(self.logits(to_input(pixels)))[:, self.positive]

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Calibrated logits of a preprocessed float32 NCHW batch (of several members: the log of their mean
        calibrated probabilities, core.screening.engine.MeanEngine)."""
        return self.engine(x) / self.temperature

    def heatmaps(self, pixels: np.ndarray) -> np.ndarray:
        """Grad-CAM maps (N, 7, 7) in [0, 1] of a batch like ``probabilities``', only when heatmaps are asked for;
        of several members, their maps averaged (core.screening.gradcam.mean_cams). The dygraph model's head
        gives the gradients; the feature map comes from an exported backbone when the inference engine is Paddle
        Inference (about 6x faster on CPU), else from the dygraph model."""
        from .gradcam import feature_engine, mean_cams

        if getattr(self, "_backbones", None) is None:
            fast = getattr(self.engine, "kind", "") == "paddle-inference"
            self._backbones = [feature_engine(m, entry, self.device) if fast else None
                               for m, entry in zip(self.models, self.members)]
        return mean_cams(self.models, pixels, self.positive, self._backbones)

    def predict_files(self, items: Iterable[str | Path], heatmaps: bool = False) -> Iterator[Prediction]:
        """One Prediction per image, in input order; reading of the next images overlaps inference, and at most
        a few batches of images are in memory. With ``heatmaps``, each judged image also carries its Grad-CAM
        map and a preview picture."""
        entries = expand_inputs(items)
        threads = max(1, min(4, os.cpu_count() or 1))
        side = max(DECODE_SIDE, PREVIEW_SIDE) if heatmaps else DECODE_SIDE

        def load(entry):
            return _load(entry, side, heatmaps)

        with ThreadPoolExecutor(threads) as pool:
            chunk: list[_Loaded | Prediction] = []
            for result in bounded_map(pool, load, entries, ahead=2 * self.batch_size):
                chunk.append(result)
                if len(chunk) == self.batch_size:
                    yield from self._run(chunk, heatmaps)
                    chunk = []
            yield from self._run(chunk, heatmaps)

    def _run(self, chunk: list[_Loaded | Prediction], heatmaps: bool) -> Iterator[Prediction]:
        judged = [r for r in chunk if isinstance(r, _Loaded) and (r.quality.ok or not self.quality_gate)]
        probs, cams = {}, {}
        if judged:
            pixels = np.stack([r.pixels for r in judged])
            probs = dict(zip(map(id, judged), self.probabilities(pixels)))
            if heatmaps:
                cams = dict(zip(map(id, judged), self.heatmaps(pixels)))
        for r in chunk:  # in input order
            if isinstance(r, Prediction):
                yield r
            elif id(r) in probs:
                p = float(probs[id(r)])
                yield Prediction(r.path, p, p >= self.threshold, quality=r.quality, sha256=r.sha256,
                                 heatmap=cams.get(id(r)), preview=r.preview)
            else:
                yield Prediction(r.path, quality=r.quality, sha256=r.sha256, preview=r.preview)


def network_input(path: str | Path) -> np.ndarray:
    """The 224 px network input of one file, decoded (reduced) the way ``Predictor.predict_files`` decodes it."""
    return resize(usable(read_image(path, DECODE_SIDE), path), IMAGE_SIZE)


@dataclass
class _Loaded:
    path: str
    pixels: np.ndarray  # network input, 224 x 224 RGB uint8
    quality: QualityResult
    sha256: str
    preview: np.ndarray | None


def _load(entry: Path | Prediction, min_side: int = DECODE_SIDE, preview: bool = False) -> _Loaded | Prediction:
    """Read one file on a worker thread: hash, decode (reduced), quality, network input; errors become rows."""
    if isinstance(entry, Prediction):
        return entry
    digest = None  # known once the bytes are read: an undecodable file's row carries it too
    try:
        data = read_bytes(entry)
        digest = hashlib.sha256(data).hexdigest()
        rgb = usable(decode_file(data, entry, min_side), entry)
        del data
        small = None
        if preview:
            small = rgb if max(rgb.shape[:2]) <= PREVIEW_SIDE else normalise(rgb, PREVIEW_SIDE)
        return _Loaded(str(entry), resize(rgb, IMAGE_SIZE), assess(rgb), digest, small)
    except ImageError as exc:
        return Prediction(str(entry), error=exc.problem, sha256=digest)
    except Exception as exc:  # noqa: BLE001 - one file never stops a batch: anything else is its error row
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        return Prediction(str(entry), error=f"cannot be used ({type(exc).__name__}{': ' + first if first else ''})",
                          sha256=digest)
