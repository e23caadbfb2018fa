"""Compile the ky, ru and en `.po` catalogs into `.mo` files (run by `make translations`)."""

from __future__ import annotations

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from translations import CATALOG_DIR, DOMAIN, LANGUAGES


def compile_all() -> list[str]:
    """Compile every catalog that exists; return the paths written."""
    written = []
    for lang in LANGUAGES:
        po = CATALOG_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not po.exists():
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=lang, domain=DOMAIN)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        written.append(str(mo))
    return written


if __name__ == "__main__":
    for path in compile_all():
        print(path)
