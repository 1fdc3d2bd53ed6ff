"""A DICOM file's patient-free metadata (core.images.dicom.read_metadata) in the Diagnosis view's detail panel,
read on a worker thread the first time its file is shown."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from core.images.imageio import DICOM_SUFFIXES

from .. import tasks


def _read_metadata(path: str) -> dict:
    from core.images.dicom import read_metadata

    return read_metadata(path)


class DicomBox(QLabel):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.path = ""
        self._meta: dict[str, dict | str] = {}  # path -> metadata, or why it cannot be read
        self.setObjectName("dicomBox")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setStyleSheet("#dicomBox { background: palette(alternate-base); border: 1px solid "
                           "palette(midlight); border-radius: 4px; padding: 4px 8px; }")
        self.hide()

    def show_for(self, path: str) -> None:
        """The metadata of ``path`` when it is a DICOM file (read in the background), else nothing."""
        self.path = path
        if not path or Path(path).suffix.lower() not in DICOM_SUFFIXES:
            self.hide()
            return
        meta = self._meta.get(path)
        if meta is None:
            meta = self._meta[path] = self.tr("Reading the DICOM header…")
            tasks.start(_read_metadata, path, returned=lambda result, path=path: self._read(path, result),
                        errored=lambda exc, path=path: self._read(path, getattr(exc, "problem", None) or str(exc)))
        self.setText(self.html(meta))
        self.show()

    def _read(self, path: str, meta: dict | str) -> None:
        self._meta[path] = meta
        if path == self.path:
            self.show_for(path)

    def fields(self, meta: dict) -> list[tuple[str, str]]:
        """(label, value) of the patient-free DICOM metadata, in a fixed order, in the current language."""
        out = []
        side = {"R": self.tr("right eye (R)"), "L": self.tr("left eye (L)"), "B": self.tr("both eyes (B)")}
        if meta.get("modality"):
            out.append((self.tr("Modality"), str(meta["modality"])))
        if meta.get("manufacturer") or meta.get("model"):
            out.append((self.tr("Camera"), " ".join(str(meta[k]) for k in ("manufacturer", "model") if meta.get(k))))
        if meta.get("laterality"):
            out.append((self.tr("Eye"), side.get(str(meta["laterality"]).upper(), str(meta["laterality"]))))
        if meta.get("acquisition_date"):
            out.append((self.tr("Acquired"), str(meta["acquisition_date"])))
        if meta.get("columns") and meta.get("rows"):
            out.append((self.tr("Size"), self.tr("{0} × {1} px").format(meta["columns"], meta["rows"])))
        if meta.get("field_of_view_deg"):
            out.append((self.tr("Field of view"), f"{float(meta['field_of_view_deg']):g}°"))
        if meta.get("frames") and int(meta["frames"]) > 1:
            out.append((self.tr("Frames"), self.tr("{0} (the first is used)").format(meta["frames"])))
        if meta.get("photometric"):
            bits = self.tr(", {0} bits").format(meta["bits_stored"]) if meta.get("bits_stored") else ""
            out.append((self.tr("Pixels"), f"{meta['photometric']}{bits}"))
        if meta.get("transfer_syntax"):
            out.append((self.tr("Encoding"), str(meta["transfer_syntax"])))
        if meta.get("sop_class"):
            out.append((self.tr("Object"), str(meta["sop_class"])))
        return out

    def html(self, meta: dict | str) -> str:
        title = "<b>{}</b> <span style='color: gray;'>{}</span>".format(
            escape(self.tr("DICOM")), escape(self.tr("(no patient data is shown)")))
        if isinstance(meta, str):
            return f"{title}<br>{escape(meta)}"
        cells = "".join(f"<tr><td style='color: gray; padding-right: 10px;'>{escape(k)}</td><td>{escape(v)}</td></tr>"
                        for k, v in self.fields(meta))
        return f"{title}<table>{cells}</table>"
