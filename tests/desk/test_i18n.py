"""Chinese and English interfaces from the Qt translation files in resources/translations."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator

from desk_app.desk.dialogs.login import LoginDialog
from desk_app.desk.i18n import resolve_language
from desk_app.desk.resources import resource_path
from desk_app.desk.shortcuts import shortcuts

REPO = Path(__file__).resolve().parents[2]
TRANSLATIONS = resource_path("translations")


def _tool(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).with_name(name))
    if not Path(found).exists():
        pytest.skip(f"{name} is not installed")
    return found


@pytest.mark.parametrize(
    ("choice", "system", "expected"),
    [
        ("system", "zh_CN", "zh_CN"),
        ("system", "zh_TW", "zh_CN"),
        ("system", "en_GB", "en"),
        ("system", "de_DE", "en"),
        ("en", "zh_CN", "en"),
        ("zh_CN", "en_US", "zh_CN"),
    ],
)
def test_language_follows_the_system_unless_chosen(choice: str, system: str, expected: str) -> None:
    assert resolve_language(choice, system) == expected


def test_every_string_in_the_code_has_a_chinese_translation(tmp_path: Path) -> None:
    lupdate = _tool("pyside6-lupdate")
    ts = tmp_path / "desk_zh_CN.ts"
    shutil.copy(TRANSLATIONS / "desk_zh_CN.ts", ts)
    sources = sorted(str(p) for p in (REPO / "desk_app" / "desk").rglob("*.py"))
    subprocess.run([lupdate, *sources, "-ts", str(ts)], check=True, capture_output=True)
    untranslated = [
        message.findtext("source")
        for message in ET.parse(ts).iter("message")
        if message.find("translation") is not None
        and message.find("translation").get("type") == "unfinished"
    ]
    assert untranslated == []


def test_compiled_files_match_their_sources(tmp_path: Path) -> None:
    lrelease = _tool("pyside6-lrelease")
    for name in ("desk_zh_CN", "desk_en"):
        out = tmp_path / f"{name}.qm"
        subprocess.run(
            [lrelease, str(TRANSLATIONS / f"{name}.ts"), "-qm", str(out)],
            check=True,
            capture_output=True,
        )
        assert out.read_bytes() == (TRANSLATIONS / f"{name}.qm").read_bytes(), name


def test_chinese_interface_is_shown_with_the_zh_cn_file(qtbot, qapp) -> None:
    translator = QTranslator()
    assert translator.load(str(TRANSLATIONS / "desk_zh_CN.qm"))
    qapp.installTranslator(translator)
    try:
        dialog = LoginDialog()
        qtbot.addWidget(dialog)
        assert dialog.windowTitle() == "智能客服工作台 — 登录"
        assert dialog.remember.text() == "在这台电脑上记住我"
        assert QCoreApplication.translate("Labels", "Asked for a person") == "客户要求转人工"
        assert all(not s.description.isascii() for s in shortcuts())
    finally:
        qapp.removeTranslator(translator)
    assert LoginDialog().windowTitle() == "Agent Desk — sign in"
