"""The model card of the model in use, as the clinician reads it before trusting a verdict: intended use,
protocol, expected performance with intervals, threshold, limitations (core.training.finalize.model_card_shown,
written from the sealed model.json)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget


class ModelCardDialog(QDialog):
    def __init__(self, folder: Path, meta: dict, parent: QWidget | None = None):
        from core.training.finalize import model_card_shown

        super().__init__(parent)
        self.meta = meta
        self.setObjectName("modelCardDialog")
        self.setWindowTitle(self.tr("Model card — {0}").format(meta.get("name", folder.name)))
        self.text = QTextBrowser()
        self.text.setObjectName("modelCardText")
        self.text.setOpenExternalLinks(False)  # a card's text is data: no link in it is followed
        self.text.setOpenLinks(False)
        self.text.setMarkdown(model_card_shown(meta))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        folder_button = buttons.addButton(self.tr("Open model folder"), QDialogButtonBox.ButtonRole.ActionRole)
        folder_button.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))))
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.text)
        lay.addWidget(buttons)
        self.resize(760, 640)
