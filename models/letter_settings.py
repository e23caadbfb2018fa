"""Organisation settings that referral letters use: the letterhead, the signer, the
outgoing-register number format and how long to wait for an answer.

`models.settings` lists these keys in its DEFAULTS and hands their values here to be
checked. The logo is kept in the database (base64 text of a PNG or JPEG file), so a
letter looks the same on every machine and nothing is read from a path at print time.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from typing import Any

from models.register import DEFAULT_REGISTER_FORMAT, check_register_format
from translations import LANGUAGES, _

DEFAULT_RESPONSE_DAYS = 30
MAX_LOGO_BYTES = 512 * 1024
MAX_LOGO_PIXELS = 4000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

LETTER_DEFAULTS: dict[str, Any] = {
    # The outgoing register: see models.register for the fields of the format.
    "register_number_format": DEFAULT_REGISTER_FORMAT,
    # A sent letter with no answer after this many days becomes "no response".
    "referral_response_days": DEFAULT_RESPONSE_DAYS,
    # The letterhead under the organisation's name, and who signs the letters.
    "letterhead_address": "",
    "letterhead_phone": "",
    "letterhead_email": "",
    "letterhead_logo": "",
    "letter_signer_name": "",
    "letter_signer_title": {},  # {"ky": …, "ru": …, "en": …}: the title in each letter language
}


def _text(key: str, value: Any, *, max_length: int, multiline: bool = False) -> str:
    from models.validation import clean_text

    if not isinstance(value, str):
        raise ValueError(_("Enter text, or leave it empty."))
    return clean_text(value, max_length=max_length, multiline=multiline)


def decode_logo(value: str) -> bytes | None:
    """The logo's file content from the setting's text, or None when no logo is set."""
    if not value:
        return None
    return base64.b64decode(value.encode("ascii"), validate=True)


def check_logo(value: Any) -> str:
    """The logo setting: "" (none) or the base64 text of a PNG or JPEG of up to 512 KB."""
    if value in ("", None):
        return ""
    if isinstance(value, bytes | bytearray):
        value = base64.b64encode(bytes(value)).decode("ascii")
    if not isinstance(value, str):
        raise ValueError(_("The logo must be a PNG or JPEG image."))
    try:
        content = decode_logo(value)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise ValueError(_("The logo must be a PNG or JPEG image.")) from None
    if content is None or len(content) > MAX_LOGO_BYTES:
        raise ValueError(_("The logo is too large: at most 512 KB."))
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            kind, size = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValueError(_("The logo must be a PNG or JPEG image.")) from None
    if kind not in ("PNG", "JPEG"):
        raise ValueError(_("The logo must be a PNG or JPEG image."))
    if max(size) > MAX_LOGO_PIXELS or min(size) < 1:
        raise ValueError(_("The logo is too large: at most 4000 pixels on a side."))
    return value


def check_letter_setting(key: str, value: Any) -> Any:
    """Validate (and normalise) one letter setting; ValueError with a translated message."""
    if key == "register_number_format":
        return check_register_format(value)
    if key == "referral_response_days":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 365:
            raise ValueError(_("Choose between 1 and 365 days."))
        return value
    if key == "letterhead_address":
        return _text(key, value, max_length=500, multiline=True)
    if key == "letterhead_phone":
        return _text(key, value, max_length=100)
    if key in ("letterhead_email",):
        text = _text(key, value, max_length=200)
        if text and not _EMAIL.match(text):
            raise ValueError(_("“{email}” is not an e-mail address.").format(email=text))
        return text
    if key == "letterhead_logo":
        return check_logo(value)
    if key == "letter_signer_name":
        return _text(key, value, max_length=200)
    if key == "letter_signer_title":
        if not isinstance(value, dict) or not set(value) <= set(LANGUAGES):
            raise ValueError(_("Give the signer's title for each letter language."))
        return {
            lang: _text(key, value[lang], max_length=200) for lang in LANGUAGES if lang in value
        }
    return value
