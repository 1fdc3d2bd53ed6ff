"""English and Simplified Chinese: Qt translators installed from resources/translations, switchable at run time.

Every widget sets its texts in a ``retranslate()`` method that runs at construction and again on the
``QEvent.LanguageChange`` Qt sends to all widgets when a translator is installed or removed.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, QLibraryInfo, QLocale, QTranslator

from . import settings
from .resources import translations_dir

# Language code -> name in that language (never translated: a user must find their own language).
LANGUAGES = {"en": "English", "zh_CN": "简体中文"}
SYSTEM = ""  # setting value meaning "follow the system locale"

_installed: list[QTranslator] = []
_chosen = None  # the code last applied (SYSTEM or one of LANGUAGES): --lang's for this session, else the setting's

# Qt 6's own file dialog asks for "&Look in:" and "Files of &type:", which qtbase's Chinese catalogue holds only
# without the "&" (it showed them in English): our catalogue translates them, and Qt falls back to it.
QT_FILE_DIALOG = (QT_TRANSLATE_NOOP("QFileDialog", "&Look in:"), QT_TRANSLATE_NOOP("QFileDialog", "Files of &type:"))


def system_language() -> str:
    """The shipped language that fits the system's UI languages best (any Chinese locale -> zh_CN)."""
    for name in QLocale.system().uiLanguages():
        tag = name.replace("-", "_").lower()
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return "en"


def preferred_language() -> str:
    """The setting: SYSTEM ("") or a code of LANGUAGES."""
    code = settings.value("language", SYSTEM, str)
    return code if code in LANGUAGES else SYSTEM


def chosen_language() -> str:
    """The choice the language menu ticks: the code last applied (``pmscreen gui --lang en`` ticks English
    whatever the setting says), else the setting."""
    return _chosen if _chosen is not None else preferred_language()


def apply_language(code: str = SYSTEM, remember: bool = False) -> str:
    """Install the translators for ``code`` (SYSTEM: follow the locale); returns the language now shown."""
    global _chosen
    app = QCoreApplication.instance()
    _chosen = code if code in LANGUAGES else SYSTEM
    if remember:
        settings.set_value("language", code)
    lang = code if code in LANGUAGES else system_language()
    for tr in _installed:
        app.removeTranslator(tr)
    _installed.clear()
    if lang != "en":
        ours = QTranslator(app)
        if ours.load(f"pmscreen_{lang}", str(translations_dir())):
            _installed.append(ours)
        qt = QTranslator(app)  # Qt's own strings: standard buttons, file dialogs
        if qt.load(f"qtbase_{lang}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            _installed.append(qt)
        for tr in _installed:
            app.installTranslator(tr)
    QLocale.setDefault(QLocale(lang))
    # Qt posts LanguageChange to every window; deliver it now so the texts are updated when this returns.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.LanguageChange)
    return lang
