"""The Letters settings page: letterhead, logo, signer, register number format with its live
example, the answer deadline; refused values stay on screen; coordinators only."""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path

from PySide6.QtGui import QColor, QImage

from desktop.settings_letterhead import LetterheadPage
from models.settings import get_setting
from tests.ui.test_settings_support import other_user, screenshot, settings_view, settle
from translations import _, set_language


def _page(qtbot, opened) -> LetterheadPage:
    view = settings_view(qtbot, opened, page="letters")
    page = view.page("letters")
    assert isinstance(page, LetterheadPage) and page.loaded
    return page


def _setting(opened, key: str):
    with opened.db.read() as session:
        return get_setting(session, key)


def _png(path: Path, size: tuple[int, int] = (120, 40)) -> Path:
    image = QImage(*size, QImage.Format.Format_RGB32)
    image.fill(QColor("#1b6e20"))
    assert image.save(str(path), "PNG")
    return path


def test_defaults_and_the_live_register_example(qtbot, real_vault):
    page = _page(qtbot, real_vault)
    year = date.today().year
    assert page.register_format.text() == "{serial}/{year}"
    assert page.example.text() == f"e.g. 42/{year}"
    assert page.response_days.value() == 30
    page.register_format.setText("12/{yy}-{serial:04d}")
    assert page.example.text() == f"e.g. 12/{year % 100:02d}-0042"
    page.register_format.setText("{serial}")
    assert "{year}" in page.example.text() and page.example.styleSheet()
    page.register_format.setText("{serial}/{year}")
    page.save()
    settle(qtbot)
    assert page.status.text() == _("Nothing to save.")


def test_saving_letterhead_signer_and_register(qtbot, real_vault):
    page = _page(qtbot, real_vault)
    page.address.setPlainText("720001, Бишкек ш., Чүй пр., 1\nкеңсе 4")
    page.phone.setText("+996 312 00 00 00")
    page.email.setText("not an address")
    page.signer.setText("Айгүл Өмүрбекова")
    page.titles["ky"].setText("Төрайым")
    page.titles["ru"].setText("Председатель")
    page.register_format.setText("KG-{year}/{serial:03d}")
    page.response_days.setValue(21)
    page.save()
    settle(qtbot)
    assert "e-mail address" in page.errors.text("letterhead_email")
    assert page.email.text() == "not an address"  # kept as typed
    assert _setting(real_vault, "letterhead_phone") == "+996 312 00 00 00"
    assert _setting(real_vault, "letter_signer_title") == {
        "ky": "Төрайым", "ru": "Председатель", "en": ""
    }  # fmt: skip
    assert _setting(real_vault, "register_number_format") == "KG-{year}/{serial:03d}"
    assert _setting(real_vault, "referral_response_days") == 21
    assert _setting(real_vault, "letterhead_address").endswith("кеңсе 4")
    page.email.setText("info@komok.kg")
    page.save()
    settle(qtbot)
    assert page.status.text() == _("Saved.")
    assert _setting(real_vault, "letterhead_email") == "info@komok.kg"
    page.refresh()  # read back: nothing shows as changed
    settle(qtbot)
    assert page.signer.text() == "Айгүл Өмүрбекова" and page.response_days.value() == 21
    page.save()
    settle(qtbot)
    assert page.status.text() == _("Nothing to save.")


def test_logo_is_checked_shown_saved_and_removed(qtbot, real_vault, tmp_path):
    page = _page(qtbot, real_vault)
    assert page.logo_preview.text() == _("No logo") and not page.remove_logo_button.isEnabled()
    not_image = tmp_path / "logo.png"
    not_image.write_text("this is not a picture", encoding="utf-8")
    assert not page.load_logo(not_image)
    assert "PNG or JPEG" in page.errors.text("letterhead_logo")
    huge = tmp_path / "huge.png"
    huge.write_bytes(b"\x89PNG" + b"\x00" * (600 * 1024))
    assert not page.load_logo(huge)
    assert "512 KB" in page.errors.text("letterhead_logo")
    assert not page.load_logo(tmp_path / "missing.png")
    assert "cannot be read" in page.errors.text("letterhead_logo")
    logo = _png(tmp_path / "real.png")
    assert page.load_logo(logo)
    assert page.errors.text("letterhead_logo") == ""
    assert not page.logo_preview.pixmap().isNull() and page.remove_logo_button.isEnabled()
    page.save()
    settle(qtbot)
    assert base64.b64decode(_setting(real_vault, "letterhead_logo")) == logo.read_bytes()
    page.remove_logo_button.click()
    assert page.logo_preview.text() == _("No logo")
    page.save()
    settle(qtbot)
    assert _setting(real_vault, "letterhead_logo") == ""


def test_only_coordinators_see_the_page(qtbot, real_vault):
    for role in ("caseworker", "volunteer"):
        other = other_user(real_vault, f"user_{role}", role)
        view = settings_view(qtbot, other)
        assert view.page("letters") is None


def test_screenshots_in_kyrgyz_and_russian(qtbot, real_vault, tmp_path):
    page = _page(qtbot, real_vault)
    page.address.setPlainText("720001, Бишкек ш., Чүй пр., 1")
    page.signer.setText("Айгүл Өмүрбекова")
    page.load_logo(_png(tmp_path / "logo.png", (160, 48)))
    for lang in ("ky", "ru"):
        set_language(lang)
        page.window().retranslate()
        qtbot.wait(50)
        assert page.logo_button.text() == _("Choose image…")
        screenshot(page.window(), f"settings_letters_{lang}.png")
    set_language("en")
