"""Which images a model learnt from, by content (core.data.contents): digests of regular files only, a record
under the model's seal."""

import json
import os

import pytest

from core.data.contents import (
    as_record,
    content_digest,
    digests,
    identical_copies,
    recorded,
    seen_in_training,
    trained_on,
)
from core.store.modelio import ModelFileError, checked_meta
from tests.synthetic import fundus_image, save_tiny_members, write_rgb


def test_only_regular_files_are_hashed_and_nothing_blocks(tmp_path):
    image = write_rgb(tmp_path / "a.jpg", fundus_image(True, 1, size=64))
    assert len(content_digest(image)) == 16
    fifo = tmp_path / "fifo.jpg"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer forever
    zero = tmp_path / "zero.jpg"
    zero.symlink_to("/dev/zero")  # reading it would never end
    (tmp_path / "folder.jpg").mkdir()
    for path in (fifo, zero, tmp_path / "folder.jpg", tmp_path / "missing.jpg"):
        assert content_digest(path) is None
    assert trained_on([image, fifo, zero]) == as_record([content_digest(image)])


def test_identical_copies_are_grouped_by_content_not_name(tmp_path):
    a = write_rgb(tmp_path / "a.jpg", fundus_image(True, 1, size=64))
    b = write_rgb(tmp_path / "b.jpg", fundus_image(True, 2, size=64))
    (tmp_path / "a-copy.jpg").write_bytes(a.read_bytes())
    (tmp_path / "b2.jpg").write_bytes(b.read_bytes())
    (tmp_path / "b3.jpg").write_bytes(b.read_bytes())
    (tmp_path / "empty-1.jpg").touch()
    order = ["a.jpg", "b.jpg", "a-copy.jpg", "missing.jpg", "b2.jpg", "b3.jpg", "empty-1.jpg"]
    found = digests(tmp_path / n for n in order)
    assert found[3] is None  # unreadable: never a copy of anything
    assert identical_copies(found) == [[0, 2], [1, 4, 5]]
    assert identical_copies(digests([a, b])) == []


def test_the_record_is_sealed_with_the_model(tmp_path):
    seen = write_rgb(tmp_path / "seen.jpg", fundus_image(True, 1, size=64))
    new = write_rgb(tmp_path / "new.jpg", fundus_image(False, 2, size=64))
    model = save_tiny_members(tmp_path / "model", card={"trained_on": trained_on([seen])})
    _, meta = checked_meta(model)
    assert recorded(meta) == {content_digest(seen)}
    assert seen_in_training(meta, [new, seen]) == [seen]
    path = model / "model.json"
    original = json.loads(path.read_text())
    for edit in ({"images": []}, None):  # emptied, or removed: evaluate would stop warning
        changed = dict(original)
        if edit is None:
            del changed["trained_on"]
        else:
            changed["trained_on"] = {**original["trained_on"], **edit}
        path.write_text(json.dumps(changed))
        with pytest.raises(ModelFileError, match="the seal differs"):
            checked_meta(model)


def test_a_labelled_name_that_is_no_image_file_is_named_for_what_it_is(tmp_path):
    """A labelled name (evaluate, training on a label file) that is a FIFO, a folder or missing: each named for
    what it is (all were "the file does not exist"), and the other images are still taken."""
    import csv

    from core.data.datasets import labelled_folder

    folder = tmp_path / "images"
    write_rgb(folder / "a.jpg", fundus_image(True, 1, size=64))
    write_rgb(folder / "b.jpg", fundus_image(False, 2, size=64))
    os.mkfifo(folder / "fifo.jpg")
    (folder / "dir.jpg").mkdir()
    labels = tmp_path / "labels.csv"
    with open(labels, "w", newline="") as f:
        csv.writer(f).writerows([("imgName", "Label"), ("a.jpg", 1), ("b.jpg", 0), ("fifo.jpg", 1), ("dir.jpg", 0),
                                 ("gone.jpg", 1)])
    samples, problems = labelled_folder(folder, labels)
    assert sorted(s.path.name for s in samples) == ["a.jpg", "b.jpg"]
    said = {os.path.basename(p.path): p.problem for p in problems}
    assert "not a regular file (a FIFO)" in said["fifo.jpg"]
    assert "is a folder" in said["dir.jpg"]
    assert "does not exist" in said["gone.jpg"]
