import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli import main


def _train(root, out, *extra):
    return main(["train", "--data", str(root), "--depth", "18", "--variant", "D", "--epochs", "1",
                 "--batch-size", "4", "--lr", "1e-3", "--out", str(out), *extra])


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from tests.synthetic import make_palm_root

    base = tmp_path_factory.mktemp("cli")
    root = make_palm_root(base / "palm")
    assert _train(root, base / "model") == 0
    return root, base / "model"


def test_help_texts_run_without_paddle():
    out = subprocess.run([sys.executable, "-c", "import sys; from core.cli import main\n"
                          "try:\n    main(['train', '--help'])\nexcept SystemExit as e:\n"
                          "    print('paddle' in sys.modules, e.code)"], capture_output=True, text=True)
    assert "--variant" in out.stdout and out.stdout.strip().endswith("False 0")


def test_every_help_text_reads_as_printed():
    """argparse formats %-escapes in an option's help but prints a description as written: "95%%" there shows."""
    import argparse

    from core.cli.parser import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    for name, sub in [("pmscreen", parser), *commands.items()]:
        assert "%%" not in sub.format_help(), name


def test_entry_point_help_and_version():
    for args in (["--help"], ["--version"]):
        proc = subprocess.run([sys.executable, "-m", "core", *args], capture_output=True, text=True)
        assert proc.returncode == 0 and ("pmscreen" in proc.stdout)


def test_evaluate_json(trained, capsys):
    root, model = trained
    code = main(["evaluate", "--model", str(model), "--images", str(root / "PALM-Validation400"),
                 "--labels", str(root / "PALM-Validation-GT" / "labels.xlsx"), "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == 6
    for key in ("accuracy", "auc", "sensitivity", "specificity", "loss", "precision", "f1", "confusion"):
        assert key in out
    assert out["seen_in_training"] == 0  # validation images: the model never learnt from them


def test_a_limited_training_records_the_images_it_learnt_and_no_others(trained, tmp_path):
    from core.data.contents import content_digest

    root, _ = trained
    assert _train(root, tmp_path / "small", "--limit", "4") == 0
    meta = json.loads((tmp_path / "small" / "model.json").read_text())
    every = {content_digest(f) for f in (root / "PALM-Training400").iterdir()}
    assert meta["data"]["n_train"] == len(meta["trained_on"]["images"]) == 4
    assert set(meta["trained_on"]["images"]) < every


def test_evaluate_notices_training_images_under_other_names(trained, tmp_path, capsys):
    """Two training photographs copied under new names among the validation images: counted and warned about
    (evaluating on them measures fit, not performance on new patients)."""
    import csv

    root, model = trained
    images = tmp_path / "mixed"
    images.mkdir()
    rows = []
    for f in sorted((root / "PALM-Validation400").iterdir())[:3]:
        (images / f.name).write_bytes(f.read_bytes())
    twin = f.name
    (images / "again.jpg").write_bytes(f.read_bytes())  # the last one twice: counted twice, and said
    for i, f in enumerate(sorted((root / "PALM-Training400").iterdir())[:2]):
        (images / f"clinic-{i}.jpg").write_bytes(f.read_bytes())
        rows.append((f"clinic-{i}.jpg", int(f.name.startswith("P"))))
    labels = tmp_path / "labels.csv"
    with open(labels, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["imgName", "Label"])
        w.writerows([(f.name, 0) for f in sorted(images.iterdir()) if not f.name.startswith("clinic")] + rows)
    assert main(["evaluate", "--model", str(model), "--images", str(images), "--labels", str(labels), "--json"]) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert out["seen_in_training"] == 2 and out["identical_copies"] == 1 and out["n"] == 6
    assert [[Path(f).name for f in g] for g in out["identical"]] == [[twin, "again.jpg"]]
    assert "warning: 2 of the 6 images were used to train this model" in captured.err
    assert "clinic-0.jpg" in captured.err
    assert f"warning: 1 of the 6 images are identical copies of others among them (the same bytes, e.g. {twin} = " \
           "again.jpg)" in captured.err


def test_evaluate_skips_bad_images_with_a_warning(trained, tmp_path, capsys):
    root, model = trained
    images = tmp_path / "imgs"
    images.mkdir()
    for f in (root / "PALM-Validation400").iterdir():
        (images / f.name).write_bytes(f.read_bytes())
    (images / "V0001.jpg").write_bytes(b"")
    code = main(["evaluate", "--model", str(model), "--images", str(images),
                 "--labels", str(root / "PALM-Validation-GT" / "labels.xlsx"), "--json"])
    captured = capsys.readouterr()
    assert code == 0 and json.loads(captured.out)["n"] == 5
    assert "V0001.jpg" in captured.err and "empty" in captured.err


def test_predict_text_and_json(trained, tmp_path, capsys):
    root, model = trained
    bad = tmp_path / "broken.jpg"
    bad.write_text("nope")
    good = root / "PALM-Validation400" / "V0000.jpg"
    code = main(["predict", "--model", str(model), str(good), str(bad), "--json"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 2  # one input was unreadable, the other still diagnosed
    assert lines[0]["file"] == str(good) and 0 <= lines[0]["probability"] <= 1
    assert lines[0]["verdict"] in ("PM", "not PM")
    assert lines[1]["verdict"] == "error" and "not a readable image" in lines[1]["error"]
    assert main(["predict", "--model", str(model), str(root / "PALM-Validation400")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 7 and re.match(r".*V0000\.jpg\t0\.\d{4}\t(PM|not PM)$", out[1])


@pytest.mark.parametrize("argv, message", [
    (["evaluate", "--model", "/no/such/model", "--images", ".", "--labels", "x.csv"], "label file not found"),
    (["predict", "--model", "/no/such/model", "x.jpg"], "model folder not found"),
    (["train", "--out", "/tmp/x"], "--data is required"),
    (["train", "--data", "/no/such/dir", "--out", "/tmp/x"], "data folder not found"),
])
def test_bad_usage_exits_2_with_one_line(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_argparse_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "--data", ".", "--out", "x", "--depth", "19"])
    assert info.value.code == 2


def test_bad_label_file_exits_2(trained, tmp_path, capsys):
    root, model = trained
    labels = tmp_path / "l.csv"
    labels.write_text("ID,imgName,Diagnosis\n1,V0000.jpg,1\n")
    assert main(["evaluate", "--model", str(model), "--images", str(root / "PALM-Validation400"),
                 "--labels", str(labels)]) == 2
    assert "no column named Label" in capsys.readouterr().err


def test_train_on_real_palm_then_evaluate(palm_root, tmp_path, capsys):
    """The core issue's acceptance run: ResNet-18-D, 1 epoch on 40 real images, scored on the 201."""
    assert _train(palm_root, tmp_path / "r18d", "--limit", "40", "--batch-size", "8") == 0
    out = capsys.readouterr().out
    assert "data: 40 training images" in out and "epoch 1/1" in out
    code = main(["evaluate", "--model", str(tmp_path / "r18d"), "--images", str(palm_root / "PALM-Validation400"),
                 "--labels", str(palm_root / "PALM-Validation-GT" / "PM_Label_and_Fovea_Location.xlsx"), "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["n"] == 201 and result["skipped"] == []
    assert 0 <= result["auc"] <= 1 and 0 <= result["accuracy"] <= 1


def test_two_process_data_parallel_training(tmp_path):
    """paddle.distributed.launch with 2 CPU processes (gloo): both ranks end with identical weights."""
    from tests.synthetic import make_palm_root

    root = make_palm_root(tmp_path / "palm", n_train=16, n_val=4)
    logs = tmp_path / "logs"
    env = {**os.environ, "PMSCREEN_LAUNCH_LOG_DIR": str(logs)}
    proc = subprocess.run([sys.executable, "-m", "core", "train", "--data", str(root), "--depth", "18",
                           "--epochs", "2", "--batch-size", "4", "--lr", "1e-3", "--out", str(tmp_path / "run"),
                           "--nproc", "2"], env=env, capture_output=True, text=True, timeout=600)
    worker = {r: (logs / f"workerlog.{r}").read_text() for r in (0, 1)}
    assert proc.returncode == 0, proc.stderr[-2000:] + worker[0][-2000:] + worker[1][-2000:]
    digests = {r: re.findall(r"rank \d: .*weights digest ([0-9a-f]{64})", worker[r]) for r in (0, 1)}
    assert len(digests[0]) == 1 and digests[0] == digests[1]
    assert "process 1 of 2" in worker[0] and "epoch 2/2" in worker[0]
    assert "epoch 2/2" not in worker[1]  # only rank 0 reports (and writes)
    from core.store.modelio import load_model

    load_model(tmp_path / "run")


def test_train_options_reach_the_recipe():
    from core.cli.parser import build_parser
    from core.cli.train import _config_from_args

    argv = ["train", "--data", "d", "--out", "o", "--decay-bn", "--label-smoothing", "0.1", "--mixup", "0.2"]
    config = _config_from_args(build_parser().parse_args(argv))
    assert (config.decay_bn, config.label_smoothing, config.mixup) == (True, 0.1, 0.2)
    assert _config_from_args(build_parser().parse_args(argv[:5])).decay_bn is False
    config = _config_from_args(build_parser().parse_args(argv[:5] + ["--gamma", "0.6", "--channel-gain", "0.15"]))
    assert (config.gamma, config.channel_gain) == (0.6, 0.15)
    assert (config.augment.gamma, config.augment.channel_gain) == (0.6, 0.15)
    for name, value in (("gamma", "3"), ("channel-gain", "-0.1")):
        bad = _config_from_args(build_parser().parse_args(argv[:5] + [f"--{name}", value]))
        with pytest.raises(ValueError, match=f"{name.replace('-', ' ')} must be a number from 0 to"):
            bad.validated()
    from core.training.trainer import TrainConfig

    with pytest.raises(ValueError, match="gamma must be a number from 0 to 2, got True"):  # bool is an int
        TrainConfig(gamma=True).validated()


def test_gui_command_passes_its_options_to_the_application(capsys):
    from gui.launch import main as pmscreen  # the pmscreen command: core.cli with the application

    with pytest.raises(SystemExit) as exc:
        pmscreen(["gui", "--help"])
    assert exc.value.code == 0 and "--lang" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        pmscreen(["gui", "--lang", "xx"])
    assert exc.value.code == 2 and "zh_CN" in capsys.readouterr().err
    assert main(["gui"]) == 2 and "pmscreen command" in capsys.readouterr().err  # python -m core: no GUI


def test_precision_option(trained, capsys):
    root, model = trained
    val = root / "PALM-Validation400"
    labels = next(root.rglob("*.xlsx"))
    for precision in ("fp32", "bf16"):
        assert main(["evaluate", "--model", str(model), "--images", str(val), "--labels", str(labels), "--json",
                     "--precision", precision]) == 0
    fp32, bf16 = (json.loads(line) for line in capsys.readouterr().out.strip().splitlines())
    assert fp32["n"] == bf16["n"] and abs(fp32["auc"] - bf16["auc"]) < 0.1


def test_a_reader_that_goes_away_ends_the_output_not_the_work(trained, tmp_path):
    """`pmscreen train … | head -1`, or a `less` quit half-way: the pipe closes, the training and a batch's report
    go on (they used to die of BrokenPipeError on the next progress line, losing the model)."""
    root, model = trained

    def closed_pipe(*args: str) -> subprocess.CompletedProcess:
        proc = subprocess.Popen([sys.executable, "-m", "core", *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        proc.stdout.close()  # the reader is gone before the first line
        err = proc.stderr.read()
        return subprocess.CompletedProcess(proc.args, proc.wait(timeout=600), "", err)

    run = closed_pipe("train", "--data", str(root), "--depth", "18", "--epochs", "1", "--batch-size", "4",
                      "--out", str(tmp_path / "run"))
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Broken pipe" not in run.stderr and "Traceback" not in run.stderr
    from core.store.modelio import load_model

    load_model(tmp_path / "run")

    report = tmp_path / "report.csv"
    run = closed_pipe("predict", "--model", str(model), "--report", str(report), "--no-audit",
                      str(root / "PALM-Validation400"))
    assert run.returncode == 0, run.stderr[-2000:]
    assert len(report.read_text().splitlines()) == 1 + 6  # the header and every image


def test_dot_as_the_folder_and_an_empty_model(trained, tmp_path, monkeypatch, capsys):
    """Hostile round: "--out ." trained an epoch, then failed with "PosixPath('.') has an empty name"; "--model ."
    did the same; "--model ''" (an unset $MODEL) silently used the bundled model."""
    root, model = trained
    here = tmp_path / "run"
    here.mkdir()
    monkeypatch.chdir(here)
    assert _train(root, ".", "--epochs", "2") == 0  # two saves: the second used to find its folder gone
    assert json.loads((here / "model.json").read_text())["history"][1]["epoch"] == 2
    monkeypatch.chdir(model)
    capsys.readouterr()
    assert main(["predict", "--model", ".", str(root / "PALM-Training400"), "--no-audit", "--json"]) == 0
    assert main(["predict", "--model", "", str(root), "--no-audit"]) == 2
    assert "--model is empty" in capsys.readouterr().err
