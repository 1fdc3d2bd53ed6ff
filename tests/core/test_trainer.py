import json
import math
import re
import threading

import pytest

import core.training.trainer as trainer_mod
from core.nn.runtime import resolve_device
from core.store.modelio import load_model
from core.training.events import BatchEnd, CheckpointSaved, DataReady, EpochEnd, Failed, Finished, Log
from core.training.trainer import TrainConfig, Trainer
from tests.synthetic import fundus_image, make_palm_root, write_rgb


def tiny_config(root, **kw):
    base = dict(data=str(root), depth=18, variant="D", epochs=1, batch_size=4, val_batch_size=4, lr=1e-3)
    return TrainConfig(**{**base, **kw})


def run(config, out, callback=None, **kw):
    events = []

    def record(ev):
        events.append(ev)
        if callback is not None:
            callback(ev)
    result = Trainer(config, out, record, **kw).run()
    return result, events


def test_events_model_folder_and_history(palm_tiny, tmp_path):
    result, events = run(tiny_config(palm_tiny, epochs=2), tmp_path / "run")
    assert isinstance(result, Finished) and not result.stopped, result
    kinds = [type(e) for e in events]
    assert kinds.count(DataReady) == 1 and kinds.count(EpochEnd) == 2 and kinds.count(CheckpointSaved) == 2
    assert kinds[-1] is Finished
    batches = [e for e in events if isinstance(e, BatchEnd)]
    assert len(batches) == 2 * 3 and all(math.isfinite(b.loss) and b.images_per_sec > 0 for b in batches)
    epoch = next(e for e in events if isinstance(e, EpochEnd))
    for key in ("loss", "accuracy", "auc", "sensitivity", "specificity", "precision", "f1", "confusion"):
        assert key in epoch.val
    model, meta = load_model(tmp_path / "run")
    assert meta["best_epoch"] == result.best_epoch and len(meta["history"]) == 2
    assert meta["training"]["depth"] == 18 and meta["data"]["n_train"] == 12 and meta["data"]["fingerprint"]
    assert meta["class_names"] == ["non-PM", "PM"] and meta["variant"] == "D"
    val = json.loads((tmp_path / "run" / "validation.json").read_text())
    assert len(val["files"]) == len(val["probabilities"]) == 6
    log = (tmp_path / "run" / "train.log").read_text()
    assert "epoch 2/2" in log


def test_seeded_runs_are_reproducible(palm_tiny, tmp_path):
    a, ev_a = run(tiny_config(palm_tiny, seed=5), tmp_path / "a")
    b, ev_b = run(tiny_config(palm_tiny, seed=5), tmp_path / "b")
    c, ev_c = run(tiny_config(palm_tiny, seed=6), tmp_path / "c")
    losses = [[e.loss for e in ev if isinstance(e, BatchEnd)] for ev in (ev_a, ev_b, ev_c)]
    assert losses[0] == losses[1] and a.digest == b.digest
    assert losses[0] != losses[2]


def test_resume_continues_exactly_where_it_stopped(palm_tiny, tmp_path):
    full, _ = run(tiny_config(palm_tiny, epochs=2), tmp_path / "full")
    run(tiny_config(palm_tiny, epochs=1), tmp_path / "part")
    resumed, events = run(tiny_config(palm_tiny, epochs=2), tmp_path / "part", resume=True)
    assert any(isinstance(e, Log) and "resumed" in e.message for e in events)
    assert [e.epoch for e in events if isinstance(e, EpochEnd)] == [2]
    assert resumed.digest == full.digest
    _, meta = load_model(tmp_path / "part")
    assert [h["epoch"] for h in meta["history"]] == [1, 2]


def test_resume_with_warm_up_continues_exactly_and_quietly(palm_tiny, tmp_path, recwarn):
    # The warm-up ends inside epoch 2, so the resumed run must restore LinearWarmup and the cosine inside it.
    cfg = dict(epochs=3, warmup_epochs=1.5, schedule="cosine")
    full, _ = run(tiny_config(palm_tiny, **cfg), tmp_path / "full")
    part = Trainer(tiny_config(palm_tiny, **cfg), tmp_path / "part")
    part.callback = lambda e: part.stop() if isinstance(e, EpochEnd) else None
    assert part.run().stopped
    recwarn.clear()
    resumed, _ = run(tiny_config(palm_tiny, **cfg), tmp_path / "part", resume=True)
    assert resumed.digest == full.digest
    assert not [w for w in recwarn if "unused values" in str(w.message)]


def test_a_run_whose_out_folder_is_a_link_saves_every_epoch_there(palm_tiny, tmp_path):
    real = tmp_path / "disk" / "run"
    real.mkdir(parents=True)
    (tmp_path / "run").symlink_to(real, target_is_directory=True)
    result, _ = run(tiny_config(palm_tiny, epochs=2), tmp_path / "run")
    assert isinstance(result, Finished) and not result.stopped, result
    assert (tmp_path / "run").is_symlink()
    assert [h["epoch"] for h in load_model(real)[1]["history"]] == [1, 2]
    assert [p.name for p in real.parent.iterdir()] == ["run"]  # no working copy or backup left


def test_a_user_s_files_in_the_run_folder_survive_the_next_save(palm_tiny, tmp_path):
    out = tmp_path / "run"

    def drop_files(ev):  # between two saves, as a user (or predict --report) would
        if isinstance(ev, CheckpointSaved) and ev.epoch == 1:
            (out / "notes.txt").write_text("kept")
            (out / "reports").mkdir()
            (out / "reports" / "screening.csv").write_text("file\n")

    result, _ = run(tiny_config(palm_tiny, epochs=2), out, callback=drop_files)
    assert isinstance(result, Finished) and not result.stopped
    assert (out / "notes.txt").read_text() == "kept" and (out / "reports" / "screening.csv").is_file()
    assert [h["epoch"] for h in load_model(out)[1]["history"]] == [1, 2]


def test_resume_without_checkpoint_fails_clearly(palm_tiny, tmp_path):
    result, _ = run(tiny_config(palm_tiny), tmp_path / "nothing", resume=True)
    assert isinstance(result, Failed) and "nothing to resume" in result.error


# What may still happen after stop(): the training step under way ends; an epoch whose batches are all trained
# is validated and saved. Nothing new starts.
AFTER_STOP = re.compile(r"(BatchEnd )?(ValidationProgress )*(EpochEnd CheckpointSaved |CheckpointSaved )?")


def ends_only_what_was_under_way(after: list[str]) -> bool:
    """``after``: the names of the events reported after stop(), the final Finished left out."""
    return AFTER_STOP.fullmatch("".join(f"{name} " for name in after)) is not None


def test_stop_ends_the_run_at_the_next_batch_boundary(palm_tiny, tmp_path):
    """After stop(), the run finishes at most what is under way (a training step, a validation batch, or the
    epoch's end and save): no further step, validation batch or epoch."""
    seen, first_batch = [], threading.Event()

    def observe(ev):  # on the trainer thread: each event with whether stop() had been called before it
        seen.append((ev, t.stopping))
        if isinstance(ev, BatchEnd):
            first_batch.set()

    t = Trainer(tiny_config(palm_tiny, epochs=50), tmp_path / "run", observe)
    t.start()
    assert first_batch.wait(timeout=600)
    t.stop()
    assert t.join(timeout=600)  # a generous bound for a loaded machine, not a speed claim
    assert isinstance(t.result, Finished) and t.result.stopped
    after = [ev for ev, stopping in seen if stopping]
    names = [type(ev).__name__ for ev in after]
    assert names[-1] == "Finished" and ends_only_what_was_under_way(names[:-1]), names
    batches = [ev for ev in after if isinstance(ev, BatchEnd)]
    if batches and len(after) > 2:  # validation followed the step under way: it was the epoch's last
        assert batches[0].step == batches[0].steps, batches
    assert len({ev.epoch for ev in after[:-1] if hasattr(ev, "epoch")}) <= 1, after  # one epoch at most
    assert sum(isinstance(ev, BatchEnd) for ev, _ in seen) < 50 * 3  # far from the 50 epochs asked for


@pytest.mark.parametrize("epochs", [1, 2])
def test_a_stop_during_validation_keeps_the_epoch_being_validated(palm_tiny, tmp_path, epochs):
    """Stop while epoch 1 is validated: its training is done, so it is validated and saved before the run ends
    (it was thrown away, the last epoch's too). A run whose last epoch that is has finished, not stopped."""
    from core.training.events import ValidationProgress

    def observe(ev):
        if isinstance(ev, ValidationProgress) and ev.epoch == 1:
            t.stop()  # as a click on Stop during the validation

    events = []
    t = Trainer(tiny_config(palm_tiny, epochs=epochs), tmp_path / "run", lambda ev: (observe(ev), events.append(ev)))
    result = t.run()
    assert isinstance(result, Finished) and result.stopped == (epochs > 1), result
    assert (result.last_epoch, result.interrupted) == (1, 0)
    assert [e.epoch for e in events if isinstance(e, CheckpointSaved)] == [1]
    assert not any(isinstance(e, BatchEnd) and e.epoch == 2 for e in events)  # nothing of epoch 2 was trained
    _, meta = load_model(tmp_path / "run")
    assert [h["epoch"] for h in meta["history"]] == [1] and meta["best_epoch"] == 1


def test_a_data_folder_named_in_bytes_that_are_not_utf8_trains_saves_and_resumes(tmp_path):
    """Hostile round: a folder named in Latin-1 (an old NAS or USB stick) trained a whole epoch, then model.json
    could not be written ("surrogates not allowed"): the run was lost. Its name is now kept exactly."""
    import os

    from core.cli import main

    root = make_palm_root(tmp_path / os.fsdecode(b"donn\xe9es"))
    result, _ = run(tiny_config(root), tmp_path / "run")
    assert isinstance(result, Finished) and not result.stopped, result
    _, meta = load_model(tmp_path / "run")
    assert os.fsencode(meta["data"]["root"]).endswith(b"donn\xe9es")  # the very bytes, to find the folder again
    resumed, _ = run(tiny_config(root, epochs=2), tmp_path / "run", resume=True)
    assert isinstance(resumed, Finished) and resumed.last_epoch == 2, resumed
    note = os.fsdecode(b"r\xe9vis\xe9")  # a note typed in a Latin-1 terminal
    assert main(["set-threshold", str(tmp_path / "run"), "--threshold", "0.4", "--note", note]) == 0
    assert load_model(tmp_path / "run")[1]["threshold"] == 0.4


def test_bad_training_images_are_skipped_and_listed(tmp_path):
    root = make_palm_root(tmp_path / "palm")
    train = root / "PALM-Training400"
    (train / "P9000.jpg").write_bytes(b"")
    (train / "N9001.jpg").write_text("not a jpeg")
    data = (train / "P0000.jpg").read_bytes()
    (train / "P9002.jpg").write_bytes(data[: len(data) // 2])
    write_rgb(train / "Q9003.jpg", fundus_image(True, 1))
    result, events = run(tiny_config(root), tmp_path / "run")
    assert isinstance(result, Finished)
    ready = next(e for e in events if isinstance(e, DataReady))
    assert ready.n_train == 12
    skipped = "\n".join(ready.skipped)
    for name in ("P9000.jpg", "N9001.jpg", "P9002.jpg", "Q9003.jpg"):
        assert name in skipped


def test_bag_of_tricks_options_train(palm_tiny, tmp_path):
    cfg = tiny_config(palm_tiny, epochs=2, optimizer="adamw", schedule="cosine", warmup_epochs=1,
                      label_smoothing=0.1, mixup=0.2, weight_decay=0.05, zero_init_last_bn=True, best_metric="auc",
                      scale=0.1, shift=0.05, variant="C", tweaks={"avg_down": True})
    result, events = run(cfg, tmp_path / "run")
    assert isinstance(result, Finished), result
    lrs = [e.lr for e in events if isinstance(e, BatchEnd)]
    assert lrs[0] == 0.0 and max(lrs) == pytest.approx(1e-3) and lrs[-1] < lrs[3]  # warm-up, then cosine
    _, meta = load_model(tmp_path / "run")
    assert meta["architecture"]["avg_down"] and meta["variant"] == "D"


def test_single_class_data_fails_with_a_message(tmp_path):
    root = tmp_path / "palm"
    for i in range(4):
        write_rgb(root / "train" / f"P{i}.jpg", fundus_image(True, i))
    result, _ = run(tiny_config(root / "train", val_fraction=0.5), tmp_path / "run")
    assert isinstance(result, Failed) and "only one class" in result.error


def test_gpu_code_path_with_mixed_precision_runs(palm_tiny, tmp_path, monkeypatch):
    # No GPU here: pretend the device is one, so AMP autocast and the loss scaler run for real on CPU tensors.
    monkeypatch.setattr(trainer_mod, "use_device", lambda pref: "gpu:0")
    result, events = run(tiny_config(palm_tiny), tmp_path / "run")
    assert isinstance(result, Finished), result
    assert any(isinstance(e, Log) and "gpu:0 with mixed precision" in e.message for e in events)
    assert all(math.isfinite(e.loss) for e in events if isinstance(e, BatchEnd))


def test_device_choice(monkeypatch):
    import core.nn.runtime as rt

    monkeypatch.setattr(rt, "gpu_available", lambda: False)
    assert resolve_device("auto") == "cpu"
    with pytest.raises(ValueError, match="no CUDA"):
        resolve_device("gpu")
    monkeypatch.setattr(rt, "gpu_available", lambda: True)
    assert resolve_device("auto") == "gpu:0" and resolve_device("gpu:1") == "gpu:1"
    with pytest.raises(ValueError, match="auto, cpu or gpu"):
        resolve_device("tpu")


def test_config_validation():
    with pytest.raises(ValueError, match="variant"):
        TrainConfig(variant="Z").validated()
    with pytest.raises(ValueError, match="best metric"):
        TrainConfig(best_metric="speed").validated()
    with pytest.raises(ValueError, match="epochs"):
        TrainConfig(epochs=0).validated()


def _data_only(config, out) -> list:
    """The events of a run stopped as soon as its data is read (no epoch is needed to check the data)."""
    events = []

    def on_event(ev):
        events.append(ev)
        if isinstance(ev, DataReady):
            trainer.stop()

    trainer = Trainer(config, out, on_event)
    trainer.run()
    assert any(isinstance(e, DataReady) for e in events)
    return events


def test_validation_images_copied_from_training_images_are_named(tmp_path):
    """A validation image with the bytes of a training image (another name) is recalled, not predicted: said."""
    root = make_palm_root(tmp_path / "palm")
    (root / "PALM-Validation400" / "V0002.jpg").write_bytes((root / "PALM-Training400" / "P0000.jpg").read_bytes())
    events = _data_only(tiny_config(root), tmp_path / "run")
    warned = [e.message for e in events if isinstance(e, Log) and e.level == "warning"]
    assert warned == ["1 of the 6 validation images are identical copies of training images (e.g. V0002.jpg): on "
                      "them the validation figures measure recall, not new patients"]
    events = _data_only(tiny_config(make_palm_root(tmp_path / "clean")), tmp_path / "run2")
    assert not [e for e in events if isinstance(e, Log) and e.level == "warning"]


@pytest.mark.parametrize("setting, value", [("lr", math.nan), ("lr", math.inf), ("momentum", math.nan),
                                            ("weight_decay", math.nan), ("scale", math.inf), ("shift", -1.0),
                                            ("warmup_epochs", math.nan), ("threshold", math.nan), ("seed", -1),
                                            ("seed", 10**20)])
def test_settings_that_are_no_numbers_are_refused_by_name_before_any_work(palm_tiny, setting, value):
    """Hostile round: --lr nan trained a model of NaN weights that "finished" (predict then refused it), and
    --scale inf, --shift -1 or --threshold nan failed only after decoding or a whole epoch, naming no setting."""
    with pytest.raises(ValueError, match=setting.replace("_", " ")):
        tiny_config(palm_tiny, **{setting: value}).validated()


def test_the_data_line_shows_a_class_folder_s_control_characters_escaped():
    from core.training.events import DataReady, data_counts

    ready = DataReady(4, 2, {"a\x1b[2Jb": 3, "c": 1}, tag_counts={"\n": 1})
    assert data_counts(ready) == "a\\x1b[2Jb 3, c 1; by file name: \\x0a 1"


def test_a_second_run_into_the_same_folder_is_refused_while_the_first_writes_it(palm_tiny, tmp_path):
    # Both used to save in turn, the last save winning: one run's work was lost without a word.
    out, second = tmp_path / "run", []

    def start_another(ev):
        if isinstance(ev, BatchEnd) and not second:
            second.append(run(tiny_config(palm_tiny, seed=1), out)[0])

    result, _ = run(tiny_config(palm_tiny, epochs=2), out, start_another)
    assert isinstance(result, Finished) and not result.stopped, result
    [refused] = second
    assert isinstance(refused, Failed) and refused.error.startswith(f"{out}: another training run is writing to this")
    assert [h["epoch"] for h in load_model(out)[1]["history"]] == [1, 2]  # the first run's, whole
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # its lock is gone
    assert isinstance(run(tiny_config(palm_tiny, epochs=3), out, resume=True)[0], Finished)  # free again
