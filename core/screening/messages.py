"""What a screening engine tells the one who started it, as typed messages (picklable: they cross the pipe from
the engine's child process): how far its start has come, the model it loaded, how many files a batch holds.
Results themselves are ``core.screening.inference.Prediction``s."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# What a starting engine is doing, in order (``Stage`` messages before ``ModelReady``).
STAGES = ("process", "paddle", "model", "warmup")


@dataclass(frozen=True)
class ModelInfo:
    """What the one who diagnoses needs to know of a loaded model (the Predictor stays in the engine)."""

    name: str
    threshold: float
    weights_sha256: str | None
    model_dir: Path
    research: str = ""  # why its verdicts are for research, not for patients ("" for a model with a card)

    @classmethod
    def of(cls, predictor) -> ModelInfo:
        return cls(predictor.name, predictor.threshold, predictor.weights_sha256, Path(predictor.model_dir),
                   predictor.research)


@dataclass(frozen=True)
class Stage:
    """The engine is starting: one of STAGES."""

    name: str


@dataclass(frozen=True)
class ModelReady:
    """The engine has loaded the model; every result of the batch comes from it."""

    info: ModelInfo


@dataclass(frozen=True)
class EngineSwitched:
    """No child process could be started: the batch runs on threads of this process with ``engine``."""

    engine: object


@dataclass(frozen=True)
class Found:
    """The batch's inputs (folders expanded) hold ``count`` entries: one result will come for each."""

    count: int
