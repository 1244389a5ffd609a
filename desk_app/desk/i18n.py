"""The desk's interface language: Chinese or English from Qt translation files.

Source strings in the code are English; ``resources/translations/desk_zh_CN.qm`` turns them
into Chinese. The language follows the system locale unless the settings pick one. Qt cannot
re-translate widgets already built without every widget handling ``LanguageChange``, so a
change in the settings dialog applies at the next start (the dialog says so).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from desk_app.desk.resources import resource_path

SUPPORTED = ("zh_CN", "en")


def resolve_language(choice: str, system_locale: str | None = None) -> str:
    """``zh_CN`` or ``en`` for a settings value (``system``, ``zh_CN``, ``en``).

    Any Chinese locale (zh_CN, zh_TW, zh_HK, zh_SG) gets the Chinese interface: it is the only
    Chinese we ship, and simplified Chinese is far easier for a zh_TW reader than English.
    """
    if choice in SUPPORTED:
        return choice
    name = system_locale if system_locale is not None else QLocale.system().name()
    return "zh_CN" if name.lower().startswith("zh") else "en"


def install_translators(app: QCoreApplication, choice: str) -> str:
    """Load the desk's and Qt's own translations for ``choice``; returns the language used.

    The translators are parented to ``app`` so they live as long as it does.
    """
    language = resolve_language(choice)
    desk = QTranslator(app)
    if desk.load(str(resource_path("translations", f"desk_{language}.qm"))):
        app.installTranslator(desk)
    qt = QTranslator(app)
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if qt.load(f"qtbase_{language}", qt_dir) or qt.load(f"qt_{language}", qt_dir):
        app.installTranslator(qt)
    QLocale.setDefault(QLocale(language))
    return language
