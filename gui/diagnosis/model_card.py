"""The model card of the model in use, as the clinician reads it before trusting a verdict: intended use,
protocol, expected performance with intervals, threshold, limitations (core.training.finalize.model_card_shown,
written from the sealed model.json)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLocale, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

from .model_picker import ResearchModelNote, operating_points, point_figures


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
        # What a clinician needs first, in the language shown (the card is the sealed document, in English)
        self.summary = QLabel(self.summary_text(meta))
        self.summary.setObjectName("modelCardSummary")
        self.summary.setWordWrap(True)
        self.research = ResearchModelNote()
        self.research.show_for(meta)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        folder_button = buttons.addButton(self.tr("Open model folder"), QDialogButtonBox.ButtonRole.ActionRole)
        folder_button.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))))
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.research)
        lay.addWidget(self.summary)
        lay.addWidget(self.text)
        lay.addWidget(buttons)
        self.resize(760, 640)

    def summary_text(self, meta: dict) -> str:
        """The operating point in use and what was measured there, with its intervals when the card has them."""
        threshold, metrics, _ = operating_points(meta)[0]
        lines = [self.tr("PM when the probability is at least {0:.1%}.").format(threshold)]
        if metrics and "sensitivity" in metrics and "specificity" in metrics:
            figures = point_figures(meta, metrics)
            ci = meta.get("metrics_ci95") or {}
            if metrics is meta.get("metrics") and all(len(ci.get(k) or ()) == 2 for k in ("sensitivity",
                                                                                          "specificity")):
                figures += self.tr(" (95 % intervals: sensitivity {0:.1%}–{1:.1%}, specificity {2:.1%}–{3:.1%})"
                                   ).format(*ci["sensitivity"], *ci["specificity"])
            lines.append(self.tr("{0}.", "a sentence's full stop").format(figures[:1].upper() + figures[1:]))
        else:
            lines.append(self.tr("No sensitivity or specificity was measured at this threshold."))
        if not QLocale().name().startswith("en"):
            lines.append(self.tr("The model card below is the model's sealed document, in English."))
        return "\n".join(lines)
