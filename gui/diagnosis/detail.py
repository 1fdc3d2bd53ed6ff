"""The Diagnosis view's detail panel: the selected image with its Grad-CAM heatmap (computed on demand off the UI
thread and cached, see gui.heatmaps) under an overlay toggle and an opacity slider, the verdict or the quality
gate's reason to retake it, the model and its operating point, and a DICOM file's patient-free metadata."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QImage, QPixmap
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSizePolicy, QSlider, QVBoxLayout, QWidget
from superqt import QElidingLabel

from core.screening.gradcam import DEFAULT_OPACITY as HEATMAP_OPACITY
from core.screening.session import Row
from core.screening.verdicts import judged, ungradable

from .. import settings
from ..heatmaps import HeatmapService
from ..palette import verdict_color
from ..qimages import qimage_rgb, to_qimage
from ..reasons import error_text
from ..resources import icon
from ..thumbnails import ThumbnailLoader
from ..widgets import ImageLabel, breakable
from .dicom import DicomBox
from .results import probability_text, shown_name, why_ungradable

DEFAULT_OPACITY = round(100 * HEATMAP_OPACITY)  # percent
MUTED = "color: palette(mid);"


def colour_ramp(width: int = 256, height: int = 10) -> QPixmap:
    """The heatmap's colour scale (core.screening.gradcam.colorize), left = none, right = strongest."""
    from core.screening.gradcam import colorize

    ramp = np.repeat(colorize(np.linspace(0, 1, width, dtype=np.float32)[None, :]), height, axis=0)
    return QPixmap.fromImage(to_qimage(ramp))


class DetailPanel(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.row: Row | None = None
        self.file_label = shown_name  # the results table's label of a file (with its folder where names repeat)
        self._heat_base: tuple | None = None  # (key, base float32, coloured heat float32) of the picture shown
        self.image_loader = ThumbnailLoader(size=560, threads=1, capacity=30, parent=self)
        self.image_loader.loaded.connect(self._image_loaded)
        self.image_loader.failed.connect(lambda path, _: self._image_loaded(path))
        self.heatmaps = HeatmapService(parent=self)
        self.heatmaps.ready.connect(self._heatmap_ready)
        self.heatmaps.failed.connect(lambda path, _: self._heatmap_ready(path))

        self.heatmap_check = QCheckBox()
        self.heatmap_check.setIcon(icon("heatmap"))
        self.heatmap_check.setChecked(settings.value("diagnosis/heatmap", False, bool))
        self.heatmap_check.toggled.connect(self._heatmap_toggled)
        self.opacity_label = QLabel()
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setSingleStep(5)
        self.opacity.setPageStep(10)
        self.opacity.setValue(max(0, min(100, settings.value("diagnosis/opacity", DEFAULT_OPACITY, int))))
        self.opacity.valueChanged.connect(self._opacity_changed)
        self.opacity_value = QLabel()
        self.opacity_value.setMinimumWidth(40)
        self.opacity_value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addWidget(self.heatmap_check)
        controls.addSpacing(12)
        controls.addWidget(self.opacity_label)
        controls.addWidget(self.opacity, 1)
        controls.addWidget(self.opacity_value)

        self.image = ImageLabel(minimum=240)
        self.heat_note = QLabel()  # "Computing the heatmap…", or why there is none
        self.heat_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heat_note.setStyleSheet(MUTED)
        self.heat_note.setWordWrap(True)
        self.legend = self._legend()
        self.heat_caption = QLabel()  # what the colours mean, for this image's verdict
        self.heat_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # the caption says how to read the colours (and that a not-PM image's hot spots are no signs of PM): full
        # contrast, not the muted grey of the legend (1.6:1, hard to read)
        self.heat_caption.setWordWrap(True)
        self.verdict = self._centred(scale=2.0, bold=True)
        self.probability = self._centred(scale=1.3)
        self.detail_model = self._centred()
        self.detail_file = QElidingLabel("")
        self.detail_file.setElideMode(Qt.TextElideMode.ElideMiddle)
        self.detail_file.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.dicom_box = DicomBox()
        for w in (self.heat_note, self.heat_caption, self.verdict, self.probability, self.detail_model,
                  self.detail_file, self.dicom_box):
            # a long text wraps (or, for the file name, is elided) inside the panel instead of widening the window
            w.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        for w in (self.legend, self.heat_caption):
            # their room is kept while they are hidden: the picture moved up 27 px when the heatmap came on
            policy = w.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            w.setSizePolicy(policy)
        lay = QVBoxLayout(self)
        lay.addLayout(controls)
        lay.addWidget(self.image, 1)
        for w in (self.legend, self.heat_caption, self.heat_note, self.detail_file, self.verdict, self.probability,
                  self.detail_model, self.dicom_box):
            lay.addWidget(w)

    def _legend(self) -> QWidget:
        self.legend_low, self.legend_high, self.legend_ramp = QLabel(), QLabel(), QLabel()
        self.legend_ramp.setPixmap(colour_ramp(200, 10))
        legend = QWidget()
        lay = QHBoxLayout(legend)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addStretch(1)
        for w in (self.legend_low, self.legend_ramp, self.legend_high):
            lay.addWidget(w)
        lay.addStretch(1)
        self.legend_low.setStyleSheet(MUTED)
        self.legend_high.setStyleSheet(MUTED)
        return legend

    @staticmethod
    def _centred(scale: float = 1.0, bold: bool = False) -> QLabel:
        label = QLabel()
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        if scale != 1.0 or bold:
            f = QFont(label.font())
            f.setPointSizeF(f.pointSizeF() * scale)
            f.setBold(bold)
            label.setFont(f)
        return label

    def retranslate(self, heatmap_key: str, more_key: str, less_key: str) -> None:
        self.heatmap_check.setText(self.tr("Heatmap"))
        self.heatmap_check.setToolTip(self.tr("Overlay the Grad-CAM heatmap: the regions of the image that raised "
                                              "the PM score most ({0})").format(heatmap_key))
        self.opacity_label.setText(self.tr("Opacity:"))
        self.opacity.setToolTip(self.tr("Opacity of the heatmap over the photograph ({0} more, {1} less)").format(
            more_key, less_key))
        self.legend_low.setText(self.tr("none"))
        self.legend_high.setText(self.tr("strongest"))
        self._opacity_changed(self.opacity.value(), refresh=False)
        self.show_row(self.row)

    # ---------------------------------------------------------------- the row shown
    def show_row(self, row: Row | None) -> None:
        """Detail ``row`` (None: nothing selected)."""
        self.row = row
        self.dicom_box.show_for(row.pred.path if row is not None else "")
        if row is None:
            self.image.set_image(None, self.tr("No image"))
            for w in (self.verdict, self.probability, self.detail_model, self.heat_note):
                w.setText("")
            self.legend.hide()
            self.heat_caption.hide()
            self.detail_file.setText("")
            return
        pred = row.pred
        self.detail_file.setText(self.file_label(pred))
        self.detail_file.setToolTip(pred.shown_path)
        self.verdict.setStyleSheet(f"color: {verdict_color(pred).name()};")
        if pred.error:
            self.verdict.setText(self.tr("Error"))
            self._set_long_text(self.probability, error_text(pred.error))
        elif ungradable(pred):
            self.verdict.setText(self.tr("Ungradable — retake"))
            self._set_long_text(self.probability, why_ungradable(pred))
        else:
            self.verdict.setText(self.tr("PM — pathologic myopia") if pred.pm else self.tr("Not PM"))
            self.probability.setText(self.tr("PM probability: {0}").format(probability_text(pred.probability)))
            self.probability.setToolTip("")
        p = row.model
        self.detail_model.setText(self.tr("Model: {0} (PM when probability ≥ {1:.1%})").format(p.name, p.threshold))
        self.refresh_image()

    @staticmethod
    def _set_long_text(label: QLabel, text: str) -> None:
        """A reason or a path, wrapped anywhere inside the panel (the whole text is the tooltip too)."""
        label.setText(breakable(text))
        label.setToolTip(text)

    def forget(self) -> None:
        """The results were cleared: drop the blended picture kept for the slider."""
        self._heat_base = None

    # ---------------------------------------------------------------- picture and heatmap
    def refresh_image(self) -> None:
        """The selected picture, with its heatmap blended in when the overlay is on and the map is ready."""
        row = self.row
        if row is None:
            return
        pred = row.pred
        if pred.error:
            self.image.set_image(None, self.tr("Cannot read this file"))
            self.heat_note.setText("")
            self.legend.hide()
            self.heat_caption.hide()
            return
        base = self.image_loader.image(pred.path)
        want = self.heatmap_check.isChecked()
        cam = None
        if want and judged(pred):
            cam = self.heatmaps.request(row.model.model_dir, pred.path)
            problem = self.heatmaps.error(row.model.model_dir, pred.path)
            self.heat_note.setText("" if cam is not None else
                                   breakable(self.tr("No heatmap: {0}").format(problem)) if problem else
                                   self.tr("Computing the heatmap…"))
        elif want:
            self.heat_note.setText(self.tr("No heatmap: the network gave no verdict for this image"))
        else:
            self.heat_note.setText("")
        self.legend.setVisible(cam is not None)
        self.heat_caption.setVisible(cam is not None)
        if judged(pred):  # set while hidden too, so that the room kept for it is the room it takes
            self.heat_caption.setText(self.heat_caption_text(pred, row.model.threshold))
        if base is None:
            self.image.set_image(None, self.tr("Loading…"))
        elif cam is None:
            self.image.set_image(base)
        else:
            self.image.set_image(self._blend(pred.path, base, cam))

    def heat_caption_text(self, pred, threshold: float) -> str:
        """What the coloured regions mean for this verdict: Grad-CAM shows what raised the PM score most, which for
        an image judged not PM is not evidence of PM."""
        if pred.pm:
            return self.tr("Coloured: the regions that raised the PM score most. The score reached the threshold "
                           "({0:.1%}): judged PM.").format(threshold)
        return self.tr("Coloured: the regions that raised the PM score most; the score stayed below the threshold "
                       "({0:.1%}), so they are not signs of PM.").format(threshold)

    def _blend(self, path: str, base: QImage, cam: np.ndarray) -> QImage:
        """``base`` with the coloured heatmap at the slider's opacity (as core.screening.gradcam.overlay), keeping
        the upsampled colours of the current image so that moving the slider only blends."""
        from core.screening.gradcam import colorize, field_heat

        key = (path, base.cacheKey(), id(cam))
        if self._heat_base is None or self._heat_base[0] != key:
            rgb = qimage_rgb(base)
            heat = colorize(field_heat(rgb, cam)).astype(np.float32)  # no colour over the dark surround
            self._heat_base = (key, rgb.astype(np.float32), heat)
        _, rgb, heat = self._heat_base
        a = self.opacity_fraction()
        out = rgb * (1.0 - a) + heat * a
        return to_qimage((out + 0.5).astype(np.uint8))

    def opacity_fraction(self) -> float:
        return self.opacity.value() / 100.0

    def _image_loaded(self, path: str) -> None:
        row = self.row
        if row is not None and row.pred.path == path:
            self.refresh_image()
            if self.image.image() is None and not row.pred.error:
                self.image.set_image(None, self.tr("Cannot read this file"))

    def _heatmap_ready(self, path: str) -> None:
        if self.row is not None and self.row.pred.path == path:
            self.refresh_image()

    def _heatmap_toggled(self, on: bool) -> None:
        settings.set_value("diagnosis/heatmap", on)
        self.refresh_image()

    def _opacity_changed(self, value: int, refresh: bool = True) -> None:
        self.opacity_value.setText(f"{value} %")
        if refresh:
            settings.set_value("diagnosis/opacity", value)
            if self.heatmap_check.isChecked():
                self.refresh_image()

    def step_opacity(self, step: int) -> None:
        """Change the heatmap's opacity by ``step`` percent (turning the heatmap on)."""
        self.heatmap_check.setChecked(True)
        self.opacity.setValue(max(0, min(100, self.opacity.value() + step)))

    def heatmap_shown(self) -> bool:
        """True when the picture shown has the heatmap blended in."""
        return self.legend.isVisibleTo(self)

    def shutdown(self) -> None:
        self.image_loader.shutdown()
        self.heatmaps.shutdown()
