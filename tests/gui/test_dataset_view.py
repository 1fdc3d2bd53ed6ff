"""Dataset view: opening a folder fills the grid and counts; filters, preview, problems, errors, drag and drop."""

import os
import threading

from gui_support import GUI_SIZE, drop, make_palm, open_dataset
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from gui.dataset.grid import ItemRole
from tests.synthetic import fundus_image, write_rgb


def test_opening_a_folder_fills_the_grid_and_the_counts(qtbot, window, tiny_palm):
    view = window.dataset_view
    assert [view.tabs.tabText(i) for i in range(2)] == ["Counts", "Problems"]  # labelled before a data set
    open_dataset(qtbot, window, tiny_palm)
    assert view.model.rowCount() == 12  # 8 training + 4 validation; X0001.jpg is not a sample
    assert view.pages.currentWidget() is view.grid
    assert view.shown_label.text() == "12 of 12 images"
    counts = view.class_counts()
    assert counts["PM"] == (4, 2) and counts["non-PM"] == (4, 2)
    # the label file says only PM / non-PM: nothing is known of H, N and P in the validation split
    assert counts["PM/P"] == (4, None) and counts["non-PM/H"] == (2, None) and counts["non-PM/N"] == (2, None)
    table = {view.counts.item(r, 0).text().strip(): (view.counts.item(r, 1).text(), view.counts.item(r, 2).text())
             for r in range(view.counts.rowCount())}
    assert table["PM"] == ("4", "2") and table["Total"] == ("8", "4")
    assert table["H (high myopia)"] == ("2", "–")  # not 0
    from gui.dataset.grid import badge_text

    items = [view.model.item(r) for r in range(view.model.rowCount())]
    assert {badge_text(it) for it in items} == {"P", "H", "N", "PM", "non-PM"}  # validation images: by label only
    window.set_language("zh_CN")  # GUI round: the badges stayed English in Chinese
    assert {badge_text(it) for it in items} == {"P", "H", "N", "病理性近视", "非病理性近视"}
    window.set_language("en")
    window.show_page(0)
    window.resize(1280, 640)  # GUI round: at 1280x800 in Chinese (longer notes) the table scrolled, Total cut
    for language in ("zh_CN", "en"):
        window.set_language(language)
        QApplication.processEvents()
        last = view.counts.visualItemRect(view.counts.item(view.counts.rowCount() - 1, 0))
        assert view.counts.viewport().rect().contains(last), language
        box = view.tabs.widget(0)  # and the notes below it are whole too (the first fix pushed them out instead)
        for label in (view.source_label, view.check_label):
            bottom = label.mapTo(box, label.rect().bottomLeft()).y()
            assert label.height() >= label.heightForWidth(label.width()) and bottom <= box.height(), language
    # the problem found while reading: an unknown file-name prefix
    assert view.tabs.tabText(1) == "Problems (1)"
    assert view.problems.topLevelItem(0).text(0) == "X0001.jpg"
    assert "prefix" in view.problems.topLevelItem(0).text(1)
    # thumbnails arrive asynchronously and are cached
    qtbot.waitUntil(lambda: isinstance(view.model.index(0).data(Qt.ItemDataRole.DecorationRole), QImage), timeout=60000)
    thumb = view.model.index(0).data(Qt.ItemDataRole.DecorationRole)
    assert max(thumb.width(), thumb.height()) <= 112
    # the training view learns about the data set
    assert "8 training and 4 validation" in window.training_view.data_label.text()
    assert window.training_view.start_button.isEnabled()


def test_filters_by_split_and_class(qtbot, window, tiny_palm):
    view = window.dataset_view
    open_dataset(qtbot, window, tiny_palm)
    view.set_filters("val")
    assert view.model.rowCount() == 4
    assert all(view.model.item(r).split == "val" for r in range(4))
    view.set_filters("all", ("label", "PM"))
    assert view.model.rowCount() == 6
    view.set_filters("train", ("tag", "H"))
    assert view.model.rowCount() == 2
    assert {view.model.item(r).sample.path.name for r in range(2)} == {"H0001.jpg", "H0002.jpg"}
    assert view.shown_label.text() == "2 of 12 images"
    # the combo boxes drive the same filter
    view.split_combo.setCurrentIndex(view.split_combo.findData("all"))
    i = next(i for i in range(view.class_combo.count()) if tuple(view.class_combo.itemData(i)) == ("label", "non-PM"))
    view.class_combo.setCurrentIndex(i)
    assert view.model.rowCount() == 6


def test_selecting_an_image_shows_the_preview_with_name_label_and_size(qtbot, window, tiny_palm):
    view = window.dataset_view
    open_dataset(qtbot, window, tiny_palm)
    view.set_filters("train", ("tag", "P"))
    view.grid.setCurrentIndex(view.model.index(1))
    assert view.info_fields["file"].text() == "P0002.jpg"
    assert view.info_fields["split"].text() == "training"
    assert view.info_fields["label"].text() == "PM — P (pathologic myopia)"
    qtbot.waitUntil(lambda: view.preview.image() is not None, timeout=60000)
    assert view.info_fields["size"].text() == "256 × 240 pixels"  # the original size, not the thumbnail's
    view.set_filters("val")
    view.grid.setCurrentIndex(view.model.index(0))
    assert view.info_fields["label"].text() == "PM"  # V0001 is PM in the csv


def test_a_folder_that_is_no_data_set_shows_an_error_and_keeps_working(qtbot, window, tmp_path, tiny_palm):
    view = window.dataset_view
    window.show_page(0)  # (the window opens on Diagnosis)
    (tmp_path / "empty").mkdir()
    view.open_folder(tmp_path / "empty")
    qtbot.waitUntil(lambda: not view.busy and view.error_label.isVisible(), timeout=60000)
    assert "Cannot open this data set" in view.error_label.text()
    assert "no images found" in view.error_label.text()
    assert QApplication.activeModalWidget() is None  # no modal dialog
    open_dataset(qtbot, window, tiny_palm)  # and a good one still opens
    assert not view.error_label.isVisible() and view.model.rowCount() == 12


def test_dropping_a_folder_on_the_window_opens_it_as_a_data_set(qtbot, window, tiny_palm):
    window.show_page(1)
    drop(window, [tiny_palm])
    assert window.stack.currentIndex() == 0
    qtbot.waitUntil(lambda: window.dataset_view.dataset is not None, timeout=60000)
    assert window.dataset_view.model.rowCount() == 12


def test_a_large_grid_scrolls_without_decoding_on_the_ui_thread(qtbot, window, tmp_path, monkeypatch):
    """10,000 images: the model is filled at once, painting the grid never decodes an image on the UI thread
    (every decode is on the loader's threads), and the decoder queue stays bounded however fast the user scrolls.
    (How long painting a screen takes: bench/gui_bench.py, docs/performance.md.)"""
    import cv2

    src = write_rgb(tmp_path / "src.jpg", fundus_image(True, 1, (480, 512)))
    train = tmp_path / "big" / "Training"
    train.mkdir(parents=True)
    for i in range(10_000):
        os.symlink(src, train / f"{'PHN'[i % 3]}{i:05d}.jpg")
    view = window.dataset_view
    window.show_page(0)  # (the window opens on Diagnosis)
    open_dataset(qtbot, window, tmp_path / "big")
    assert view.model.total() == 10_000
    decodes = {"ui": 0, "other": 0}

    def counting(decode):
        def wrapper(*args, **kwargs):
            decodes["ui" if threading.current_thread() is threading.main_thread() else "other"] += 1
            return decode(*args, **kwargs)
        return wrapper

    for name in ("imdecode", "imread"):  # every image decoder of the program ends in one of these two
        monkeypatch.setattr(cv2, name, counting(getattr(cv2, name)))
    requested = []  # thumbnails the painted cells asked the loader for
    image = view.loader.image
    monkeypatch.setattr(view.loader, "image", lambda path: (requested.append(path), image(path))[-1])
    window.show_page(0)
    assert view.grid.viewport().isVisible()
    bar = view.grid.verticalScrollBar()
    assert bar.maximum() > 100_000
    for step in range(60):
        bar.setValue(int(bar.maximum() * step / 59))
        view.grid.viewport().repaint()
        assert view.loader.pending() <= view.loader.max_queue + 2
    assert len(set(requested)) >= 60 * 10  # each repaint drew a screen of cells, each asking for its picture
    last = view.model.index(view.model.rowCount() - 1)
    view.grid.scrollTo(last)
    qtbot.waitUntil(lambda: isinstance(last.data(Qt.ItemDataRole.DecorationRole), QImage), timeout=60000)
    assert decodes["ui"] == 0, f"{decodes['ui']} images decoded on the UI thread while painting"
    assert decodes["other"] >= 1  # the thumbnails shown were decoded, on the loader's threads
    assert last.data(ItemRole).split == "val"  # no validation folder: a stratified 20 % is held out


def test_unreadable_images_are_found_and_listed_as_problems(qtbot, window, tmp_path):
    root = make_palm(tmp_path / "palm", unknown=False)
    train = root / "PALM-Training400"
    good = (train / "P0001.jpg").read_bytes()
    (train / "P0009.jpg").write_bytes(good[: len(good) // 2])  # truncated
    (train / "N0009.jpg").write_bytes(b"")  # empty
    (train / "P0042.jpg").write_bytes(good)  # readable, but P0001.jpg again (PALM itself has three such pairs)
    view = window.dataset_view
    open_dataset(qtbot, window, root)
    assert view.model.rowCount() == 15  # all still carry a label from their names
    qtbot.waitUntil(lambda: not view.checking, timeout=60000)
    problems = {view.problems.topLevelItem(i).text(0): view.problems.topLevelItem(i).text(1)
                for i in range(view.problems.topLevelItemCount())}
    assert "truncated" in problems["P0009.jpg"] and "empty" in problems["N0009.jpg"]
    assert problems["P0042.jpg"] == "the same image as P0001.jpg (identical bytes)"
    assert view.tabs.tabText(1) == "Problems (3)"
    assert view.check_label.text() == ("All 15 images decoded: 2 unreadable, 1 identical copies of other images (see "
                                       "Problems).")
    view.set_filters("train", ("tag", "P"))
    view.grid.setCurrentIndex(view.model.index(4))  # P0009.jpg
    qtbot.waitUntil(lambda: "Cannot read this image" in view.preview.text(), timeout=60000)
    assert view.info_fields["size"].text() == "unreadable"


def test_a_one_folder_per_class_layout(qtbot, window, tmp_path):
    for cls, pm in (("normal", False), ("pm", True)):
        for i in range(5):
            write_rgb(tmp_path / "eyes" / cls / f"{cls}{i}.png", fundus_image(pm, 10 * pm + i, GUI_SIZE))
    view = window.dataset_view
    open_dataset(qtbot, window, tmp_path / "eyes")
    assert view.model.total() == 10
    assert [view.class_combo.itemText(i) for i in range(view.class_combo.count())] == ["All classes", "normal", "pm"]
    counts = view.class_counts()
    assert sum(counts["pm"]) == 5 and sum(counts["normal"]) == 5 and counts["pm"][1] >= 1  # stratified hold-out
    assert "one folder per class" in view.source_label.text()
