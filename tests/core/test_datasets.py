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
    (root / "PALM-Training400" / "P0999.jpg").mkdir()  # a folder named like an image was skipped without a word
    write_label_file(root / "PALM-Validation-GT" / "labels.xlsx",
                     [(1, "V0000.jpg", 1), (2, "V0001.jpg", 0), (3, "V7777.jpg", 1), (4, "V0002.jpg", "x")])
    ds = open_dataset(root)
    text = "\n".join(map(str, ds.problems))
    assert "X0001.jpg: unknown file-name prefix 'X'" in text
    assert "P0999.jpg: is a folder, not an image file" in text
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
    for cls in ("PM", "normal"):  # sorted by name, "PM" came first and was the negative class
        for i in range(5):
            write_rgb(tmp_path / "ds" / cls / f"{i}.png", fundus_image(cls == "PM", i, 32))
    (tmp_path / "ds" / "PM" / "5.png").mkdir()
    ds = open_dataset(tmp_path / "ds")
    assert [str(p) for p in ds.problems] == [f"{tmp_path / 'ds' / 'PM' / '5.png'}: is a folder, not an image file"]
    assert ds.layout == "folders" and ds.class_names == ("normal", "PM")
    assert {s.label for s in ds.train + ds.val if s.tag == "PM"} == {1}
    assert len(ds.train) + len(ds.val) == 10 and {s.tag for s in ds.val} == {"PM", "normal"}
    # with explicit train/ and val/ splits; one folder named like non-PM makes the other PM
    for split in ("train", "val"):
        for cls in ("myopia", "healthy"):
            write_rgb(tmp_path / "ds2" / split / cls / "x.png", fundus_image(False, 0, 32))
    ds2 = open_dataset(tmp_path / "ds2")
    assert (len(ds2.train), len(ds2.val), ds2.class_names) == (2, 2, ("healthy", "myopia"))


@pytest.mark.parametrize("classes, message", [
    (("a", "b"), r"cannot tell which class folder holds the PM images \(a, b\): name it PM and the other non-PM"),
    (("PM", "P"), "cannot tell which class folder"),
    (("cataract", "glaucoma", "normal"), r"3 class folders \(cataract, glaucoma, normal\); PM Screen learns PM "
                                         "against non-PM"),
])
def test_class_folders_that_do_not_say_which_is_pm_are_refused(tmp_path, classes, message):
    for cls in classes:
        for i in range(2):
            write_rgb(tmp_path / "ds" / cls / f"{i}.png", fundus_image(False, i, 32))
    with pytest.raises(DatasetError, match=message):
        open_dataset(tmp_path / "ds")


def test_a_stray_picture_beside_class_folders_is_listed_not_taken_for_palm(tmp_path):
    for cls in ("PM", "healthy"):
        for i in range(4):
            write_rgb(tmp_path / "ds" / cls / f"{i}.png", fundus_image(False, i, 32))
    write_rgb(tmp_path / "ds" / "notes.jpg", fundus_image(False, 9, 32))  # "n": read as a PALM N image before
    ds = open_dataset(tmp_path / "ds")
    assert ds.layout == "folders" and len(ds.train) + len(ds.val) == 8
    assert [(p.path.rsplit("/", 1)[-1], p.problem) for p in ds.problems] == [
        ("notes.jpg", "outside the class folders (no label); not used")]


def test_a_folder_of_unprefixed_names_is_not_opened_as_palm(tmp_path):
    for i in range(5):
        write_rgb(tmp_path / "mixed" / f"eye{i}.jpg", fundus_image(False, i, 32))
    write_rgb(tmp_path / "mixed" / "notes.jpg", fundus_image(False, 9, 32))
    with pytest.raises(DatasetError, match=r"mixed: only 1 of its 6 images have a P, H or N file-name prefix"):
        open_dataset(tmp_path / "mixed")
    for i in range(6):  # mostly prefixed: a prefix-labelled folder whose odd names are problems
        write_rgb(tmp_path / "mixed" / f"{'PN'[i % 2]}{i:04d}.jpg", fundus_image(i % 2 == 0, i, 32))
    ds = open_dataset(tmp_path / "mixed")
    assert ds.layout == "palm" and len(ds.problems) == 5


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
