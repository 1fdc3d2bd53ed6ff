from collections import Counter

import pytest

from core.data.datasets import (
    DatasetError,
    Sample,
    labelled_folder,
    open_dataset,
    palm_label,
    read_label_file,
    stratified_split,
    stratified_subset,
)
from tests.synthetic import fundus_image, make_palm_root, write_label_file, write_rgb


def test_palm_prefixes():
    assert palm_label("P0001.jpg") == (1, "P")
    assert palm_label("h0001.jpg") == (0, "H")
    assert palm_label("N12.png") == (0, "N")
    assert palm_label("X0001.jpg") is None


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_palm_root_with_label_file(tmp_path, fmt):
    root = make_palm_root(tmp_path / "p", n_train=12, n_val=6, label_format=fmt)
    ds = open_dataset(root)
    assert ds.layout == "palm" and ds.class_names == ("non-PM", "PM")
    assert len(ds.train) == 12 and len(ds.val) == 6
    assert ds.counts("train") == {"H": 2, "N": 4, "P": 6}
    assert [s.label for s in sorted(ds.val, key=lambda s: s.path.name)] == [1, 0, 1, 0, 1, 0]
    assert "labels." + fmt in ds.val_source
    assert not ds.problems


def test_problems_are_collected_not_raised(tmp_path):
    root = make_palm_root(tmp_path / "p")
    write_rgb(root / "PALM-Training400" / "X0001.jpg", fundus_image(False, 0))
    write_rgb(root / "PALM-Validation400" / "V9999.jpg", fundus_image(False, 0))  # no label
    write_label_file(root / "PALM-Validation-GT" / "labels.xlsx",
                     [(1, "V0000.jpg", 1), (2, "V0001.jpg", 0), (3, "V7777.jpg", 1), (4, "V0002.jpg", "x")])
    ds = open_dataset(root)
    text = "\n".join(map(str, ds.problems))
    assert "X0001.jpg: unknown file-name prefix 'X'" in text
    assert "V9999.jpg: no label in labels.xlsx" in text
    assert "V7777.jpg: listed in labels.xlsx but the file does not exist" in text
    assert "row 5: label 'x'" in text
    assert len(ds.val) == 2


def test_label_file_without_label_column(tmp_path):
    path = write_label_file(tmp_path / "l.csv", [(1, "a.jpg", 1)], header=("ID", "imgName", "Diagnosis"))
    with pytest.raises(DatasetError, match=r"l\.csv: no column named Label"):
        read_label_file(path)


def test_label_columns_found_by_header_in_any_order(tmp_path):
    path = write_label_file(tmp_path / "l.xlsx", [(1, 0.0, "a.jpg"), (2, 1, "b.jpg")],
                            header=("ID", "LABEL", "ImgName"))
    assert read_label_file(path)[0] == {"a.jpg": 0, "b.jpg": 1}


def test_labelled_folder_errors(tmp_path):
    (tmp_path / "imgs").mkdir()
    labels = write_label_file(tmp_path / "l.csv", [(1, "a.jpg", 1)])
    with pytest.raises(DatasetError, match="no image in this folder has a label"):
        labelled_folder(tmp_path / "imgs", labels)
    with pytest.raises(DatasetError, match="label file not found"):
        labelled_folder(tmp_path / "imgs", tmp_path / "missing.xlsx")
    with pytest.raises(DatasetError, match="image folder not found"):
        labelled_folder(tmp_path / "nothere", labels)


def test_empty_and_missing_folders(tmp_path):
    with pytest.raises(DatasetError, match="no images found"):
        open_dataset(tmp_path)
    with pytest.raises(DatasetError, match="folder not found"):
        open_dataset(tmp_path / "missing")


def test_without_label_file_a_seeded_stratified_split(tmp_path):
    root = make_palm_root(tmp_path / "p", n_train=30)
    for f in (root / "PALM-Validation-GT").iterdir():
        f.unlink()
    ds = open_dataset(root, val_fraction=0.2, seed=3)
    assert len(ds.train) + len(ds.val) == 30
    assert Counter(s.label for s in ds.val) == {1: 3, 0: 3}  # 20 % of 15 PM and of 15 non-PM
    again = open_dataset(root, val_fraction=0.2, seed=3)
    assert [s.path for s in again.val] == [s.path for s in ds.val]
    assert any("no label file" in str(p) for p in ds.problems)


def test_class_folder_layout(tmp_path):
    for cls in ("cataract", "normal", "glaucoma"):
        for i in range(5):
            write_rgb(tmp_path / "ds" / cls / f"{i}.png", fundus_image(False, i, 32))
    ds = open_dataset(tmp_path / "ds")
    assert ds.layout == "folders" and ds.class_names == ("cataract", "glaucoma", "normal")
    assert len(ds.train) + len(ds.val) == 15 and {s.tag for s in ds.val} == {"cataract", "glaucoma", "normal"}
    # with explicit train/ and val/ splits
    for split in ("train", "val"):
        for cls in ("a", "b"):
            write_rgb(tmp_path / "ds2" / split / cls / "x.png", fundus_image(False, 0, 32))
    ds2 = open_dataset(tmp_path / "ds2")
    assert (len(ds2.train), len(ds2.val), ds2.class_names) == (2, 2, ("a", "b"))


def test_stratified_subset_keeps_proportions_and_order(tmp_path):
    samples = [Sample(tmp_path / f"{i}", int(i < 60), "") for i in range(100)]
    sub = stratified_subset(samples, 10, seed=1)
    assert Counter(s.label for s in sub) == {1: 6, 0: 4}
    assert sub == sorted(sub, key=lambda s: int(s.path.name))
    keep, held = stratified_split(samples, 0.25, seed=0)
    assert Counter(s.label for s in held) == {1: 15, 0: 10} and len(keep) == 75


def test_real_palm_layout(palm_root):
    ds = open_dataset(palm_root)
    assert ds.counts("train") == {"H": 26, "N": 161, "P": 213}
    assert len(ds.val) == 201 and sum(s.label for s in ds.val) == 106
    assert not ds.problems
