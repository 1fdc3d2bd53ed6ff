"""Issue 13: label files with conflicting duplicates or impossible labels give problem rows, never a silent
overwrite or a traceback (in the data set, evaluate and training)."""

from __future__ import annotations

import pytest

from core.data.datasets import labelled_folder, open_dataset, read_label_file
from tests.synthetic import fundus_image, make_palm_root, write_label_file, write_rgb

ROWS = [(1, "a.jpg", 1), (2, "b.jpg", 0), (3, "dup.jpg", 1), (4, "dup.jpg", 0), (5, "same.jpg", 1),
        (6, "same.jpg", 1), (7, "inf.jpg", "inf"), (8, "two.jpg", 2), (9, "text.jpg", "PM"), (10, "neg.jpg", -1),
        (11, "half.jpg", 0.5), (12, "nan.jpg", "nan"), (13, "dup.jpg", 1)]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_bad_and_conflicting_labels_are_problems(tmp_path, suffix):
    path = write_label_file(tmp_path / f"labels{suffix}", ROWS)
    labels, problems = read_label_file(path)
    assert labels == {"a.jpg": 1, "b.jpg": 0, "same.jpg": 1}  # dup.jpg: which label is right is unknown
    text = [str(p) for p in problems]
    assert any("row 5: dup.jpg is labelled 0 here and 1 in row 4; not used" in t for t in text)
    for name in ("inf.jpg", "two.jpg", "text.jpg", "neg.jpg", "half.jpg", "nan.jpg"):
        assert sum(name in t and "is not 0 or 1" in t for t in text) == 1, name
    assert all("\n" not in t for t in text)


def test_evaluate_and_training_data_with_such_a_label_file(tmp_path, capsys):
    from core.cli import main
    from tests.synthetic import save_tiny_model

    images = tmp_path / "val"
    for i, name in enumerate(sorted({r[1] for r in ROWS})):
        write_rgb(images / name, fundus_image(i % 2 == 0, i))
    labels = write_label_file(tmp_path / "labels.csv", ROWS)
    samples, problems = labelled_folder(images, labels)
    assert sorted(s.path.name for s in samples) == ["a.jpg", "b.jpg", "same.jpg"]
    assert any("dup.jpg" in str(p) and "no label" in str(p) for p in problems)
    model = save_tiny_model(tmp_path / "m")
    assert main(["evaluate", "--model", str(model), "--images", str(images), "--labels", str(labels),
                 "--json"]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err and "dup.jpg is labelled 0 here and 1 in row 4" in err and "'inf'" in err

    root = make_palm_root(tmp_path / "palm")
    write_label_file(next((root / "PALM-Validation-GT").iterdir()), [(1, "V0000.jpg", 1), (2, "V0000.jpg", 0),
                                                                     (3, "V0001.jpg", "inf"), (4, "V0002.jpg", 0)])
    ds = open_dataset(root)
    assert [s.path.name for s in ds.val] == ["V0002.jpg"]
    assert any("V0000.jpg is labelled 0" in str(p) for p in ds.problems)
