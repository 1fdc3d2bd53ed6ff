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


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_huge_cells_and_nul_names_are_problems_with_short_messages(tmp_path, suffix):
    """Hostile round: a 39 KB workbook whose 2,000 rows all point at one 20 MB shared string filled the memory
    (each row's message copied it); a name holding a NUL stopped evaluate, train and cv ("embedded null byte")."""
    big = "x" * 30_000  # (openpyxl writes at most 32,767 characters a cell, a CSV field may hold 131,072)
    nul = "bad\0name.jpg" if suffix == ".csv" else "no-nul-in-a-workbook.jpg"  # openpyxl refuses to write one
    rows = [(1, "a.jpg", 1), (2, big, 1), (3, "b.jpg", big), (4, nul, "x"), (5, "c.jpg", 0)]
    path = write_label_file(tmp_path / f"labels{suffix}", rows)
    labels, problems = read_label_file(path)
    assert labels == {"a.jpg": 1, "c.jpg": 0}
    text = [str(p) for p in problems]
    assert len(text) == 3 and all(len(t) < 400 for t in text), [t[:400] for t in text]
    assert "row 3: imgName 'xxxx" in text[0] and "(30000 characters) is longer than a file name can be" in text[0]
    assert "row 4: label 'xxxx" in text[1] and "of b.jpg is not 0 or 1" in text[1]
    if suffix == ".csv":
        path.write_text(path.read_text().replace(f"{nul},x", f"{nul},1"))
        text = [str(p) for p in read_label_file(path)[1]]
        assert "row 5: imgName 'bad\\x00name.jpg' holds a NUL character; not used" in text[2], text[2]
    write_rgb(tmp_path / "img" / "a.jpg", fundus_image(True, 1))
    write_rgb(tmp_path / "img" / "c.jpg", fundus_image(False, 2))
    samples, _ = labelled_folder(tmp_path / "img", path)  # the folder is read with the rows that are names
    assert sorted(s.path.name for s in samples) == ["a.jpg", "c.jpg"]
