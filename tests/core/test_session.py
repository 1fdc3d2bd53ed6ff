"""The Diagnosis view's batch session without Qt (core.screening.session): typed messages in, rows, totals, the
audit log, cancelling and how a batch ended."""

from pathlib import Path

import pytest

from core.screening.engine_process import EngineError, ModelLoadError
from core.screening.inference import Prediction
from core.screening.messages import EngineSwitched, Found, ModelInfo, Stage
from core.screening.session import BatchSession


class FakeEngine:
    """An engine that 'diagnoses' each path as PM when its name starts with P."""

    kind = "fake"

    def __init__(self, model_dir, fail_start=None):
        self.model_dir = Path(model_dir)
        self.info = ModelInfo("Fake", 0.5, "ab" * 32, self.model_dir)
        self.fail_start, self.alive = fail_start, True

    def start(self, timeout=None, on_stage=None):
        for name in ("process", "model"):
            on_stage(Stage(name))
        if self.fail_start is not None:
            raise self.fail_start
        return self.info

    def predict(self, paths, cancelled):
        yield Found(len(paths))
        for p in paths:
            yield Prediction(str(p), 0.9 if p.name.startswith("P") else 0.1, p.name.startswith("P"))
            if cancelled():  # as the engines do: after the image under way
                return

    def close(self, timeout=3.0):
        self.alive = False


@pytest.fixture
def session(monkeypatch, tmp_path):
    monkeypatch.setenv("PMSCREEN_DATA_DIR", str(tmp_path / "data"))
    made = []

    def create(model_dir, batch_size=8):
        made.append(FakeEngine(model_dir))
        return made[-1]

    monkeypatch.setattr("core.screening.session.create_engine", create)
    s = BatchSession()
    s.made = made
    return s


def run_all(session, batch):
    for msg in session.run(batch):
        session.apply(msg)


def test_a_batch_gives_typed_messages_numbered_rows_and_audit_lines(session, tmp_path):
    from core.screening.audit import read_entries

    session.enqueue([tmp_path / "P1.jpg", tmp_path / "N1.jpg"])
    batch = session.start(tmp_path / "model")
    kinds = [type(m).__name__ for m in session.run(batch)]
    assert kinds == ["Stage", "Stage", "ModelReady", "Found", "Prediction", "Prediction"]
    batch = session.start(tmp_path / "model")  # (the queue is empty: a batch of nothing)
    session.enqueue([tmp_path / "P2.jpg"])
    batch = session.start(tmp_path / "model")
    run_all(session, batch)
    rows = session.take_rows()
    assert [(r.number, Path(r.pred.path).name, r.model.name) for r in rows] == [(1, "P2.jpg", "Fake")]
    assert session.stage == "ready" and (session.done, session.total) == (1, 1)
    outcome = session.finish()
    assert not outcome.more and not outcome.cancelled and outcome.failure is None
    assert len(session.made) == 1  # one engine for the model, reused
    assert [e["file"] for e in read_entries()][-1].endswith("P2.jpg")  # written before it was yielded


def test_paths_given_while_a_batch_runs_are_the_next_batch(session, tmp_path):
    session.enqueue([tmp_path / "P1.jpg"])
    batch = session.start(tmp_path / "model")
    session.enqueue([tmp_path / "N1.jpg", tmp_path / "N2.jpg"])
    run_all(session, batch)
    assert session.finish().more
    run_all(session, session.start(tmp_path / "model"))
    assert [r.number for r in session.take_rows()] == [1, 2, 3] and session.total == 3


def test_cancel_stops_after_the_image_under_way_and_forgets_the_queue(session, tmp_path):
    session.enqueue([tmp_path / f"P{i}.jpg" for i in range(5)])
    batch = session.start(tmp_path / "model")
    messages = session.run(batch)
    for msg in messages:
        session.apply(msg)
        if isinstance(msg, Prediction):
            break
    session.enqueue([tmp_path / "later.jpg"])
    assert session.cancel() and not session.cancel()  # once
    for msg in messages:
        session.apply(msg)
    outcome = session.finish()
    assert outcome.cancelled and not outcome.more and session.queue == []
    assert (outcome.done, outcome.total) == (1, 5)


def test_without_a_child_process_the_batch_switches_to_threads_and_a_bad_model_fails(session, tmp_path, monkeypatch):
    class Threads(FakeEngine):
        kind = "thread"

        def __init__(self, model_dir, batch_size=8):
            super().__init__(model_dir)

    monkeypatch.setattr("core.screening.session.InProcessEngine", Threads)
    session.enqueue([tmp_path / "P1.jpg"])
    batch = session.start(tmp_path / "model")
    batch.engine.fail_start = EngineError("no child process")
    messages = list(session.run(batch))
    assert isinstance(messages[2], EngineSwitched) and isinstance(messages[-1], Prediction)
    for msg in messages:
        session.apply(msg)
    assert session.engine.kind == "thread"

    session.retire_engine()
    session.enqueue([tmp_path / "P1.jpg"])
    batch = session.start(tmp_path / "other")
    batch.engine.fail_start = ModelLoadError("not a model folder")
    with pytest.raises(ModelLoadError):
        run_all(session, batch)
    session.failed(ModelLoadError("not a model folder"))
    assert isinstance(session.finish().failure, ModelLoadError)
