"""A phonetic key for personal names, the same whether a name is written in Cyrillic or Latin.

Clients' names reach Komok in many spellings: Kyrgyz or Russian Cyrillic, the Kyrgyz
passport's Latin (ж → zh, ү → u, ө → o, ң → n, ы → y, х → kh, я → ia…), everyday Latin
("Jeenbekov", "Yevgeniy", "Akhmed"/"Ahmed"), Uzbek Latin (x, q, o', g', sh, ch), ISO 9
diacritics (ž, č, š). `name_key("Жээнбеков Нурлан")`, `name_key("Zheenbekov Nurlan")` and
`name_key("Jeenbekov Nurlan")` are all "zhenbekov nurlan". Search and duplicate detection
index and compare these keys (`models.search`, `models.duplicates`).

How a word becomes a key: Cyrillic letters map to a small phonetic alphabet (ж/zh/j/dzh →
one sound, х/kh/h/x → one, ч/ch/ç, ш/sh/ş, ы/и/й/y/i → i, ү/ü/u → u, ө/ö/o → o, ң/ng → n,
ц → ts, щ → shch, я → ia, ю → iu, ё/yo and е/ye → e, soft and hard signs dropped); Latin
spellings are read into the same alphabet, longest spelling first ("shch" before "sh").
Then doubled letters fold (ээ/ee → e, ий → i), "ie"/"io" fold to "e" and "dzh"/"tch" to
"zh"/"ch". The key is written back in plain Latin letters and is its own key (idempotent).
Letters of other scripts are kept as they are, lower-cased; digits and punctuation separate
words. Known limits: ISO 9's j (й) and c (ц) read as everyday Latin j (ж) and c (k).
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Cyrillic (Kyrgyz, Russian, Kazakh and Uzbek letters) → the phonetic alphabet. Upper-case
# codes are sounds written with two Latin letters: J ж, C ч, W ш, H х.
_CYRILLIC = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e", "ё": "e",
    "ж": "J", "җ": "J", "з": "z", "и": "i", "й": "i", "і": "i", "ї": "i", "к": "k", "қ": "k",
    "л": "l", "м": "m", "н": "n", "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ү": "u", "ұ": "u", "ў": "u", "ф": "f", "х": "H", "ҳ": "H", "һ": "H",
    "ц": "ts", "ч": "C", "ш": "W", "щ": "WC", "ъ": "", "ы": "i", "ь": "", "э": "e", "є": "e",
    "ю": "iu", "я": "ia",
}  # fmt: skip

# Latin letters with marks whose sound is not the bare letter's (others lose their marks).
_LATIN_SPECIAL = {
    "ž": "zh", "č": "ch", "ç": "ch", "š": "sh", "ş": "sh", "ŝ": "shch", "ğ": "g", "ı": "i",
    "ñ": "n", "ə": "a", "û": "iu", "â": "ia", "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o",
    "đ": "d", "ł": "l", "ŋ": "n",
}  # fmt: skip

# Latin spellings → the phonetic alphabet, longest first.
_LATIN_SPELLINGS = {
    "shch": "WC", "o'": "u", "g'": "g", "zh": "J", "kh": "H", "sh": "W", "ch": "C", "ph": "f",
    "j": "J", "h": "H", "x": "H", "y": "i", "c": "k", "q": "k", "w": "v",
}  # fmt: skip
_LATIN_RE = re.compile("|".join(sorted(map(re.escape, _LATIN_SPELLINGS), key=len, reverse=True)))

# Rules on the phonetic alphabet, applied until nothing changes.
_FOLDS = (
    (re.compile(r"(.)\1+"), r"\1"),  # doubled letters: ээ, ee, ий, ss
    (re.compile("dJ"), "J"),  # дж, dzh, dj
    (re.compile("tC"), "C"),  # тч, tch
    (re.compile("ng"), "n"),  # ң written "ng"
    (re.compile("i[eo]"), "e"),  # ye, yo, ё, е after a vowel
)
_SPELL_OUT = {"J": "zh", "C": "ch", "W": "sh", "H": "kh"}
_APOSTROPHES = {"'", "ʼ", "ʻ", "’", "‘", "`", "´", "ʹ", "ʺ"}


def _letters(word: str) -> str:
    """The word in the phonetic alphabet before folding (Cyrillic mapped, Latin read)."""
    out: list[str] = []
    latin: list[str] = []

    def flush() -> None:
        if latin:
            text = "".join(latin)
            out.append(_LATIN_RE.sub(lambda m: _LATIN_SPELLINGS[m.group(0)], text))
            latin.clear()

    for ch in word:
        if ch in _CYRILLIC:
            flush()
            out.append(_CYRILLIC[ch])
        elif ch in _APOSTROPHES:
            latin.append("'")
        elif ch in _LATIN_SPECIAL:
            latin.append(_LATIN_SPECIAL[ch])
        elif "a" <= ch <= "z":
            latin.append(ch)
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if c.isalpha())
            if base.isascii():
                latin.append(base.lower())
            else:
                flush()
                out.append(ch)
    flush()
    return "".join(out).replace("'", "")


def _fold(letters: str) -> str:
    while True:
        before = letters
        for pattern, repl in _FOLDS:
            letters = pattern.sub(repl, letters)
        if letters == before:
            return letters


@functools.lru_cache(maxsize=65536)
def word_key(word: str) -> str:
    """The key of one word of a name ("" when it has no letters)."""
    folded = _fold(_letters(unicodedata.normalize("NFC", word).casefold()))
    return "".join(_SPELL_OUT.get(ch, ch) for ch in folded)


def split_words(text: str) -> list[str]:
    """The words of a name: runs of letters (apostrophes inside a word are kept with it)."""
    words: list[str] = []
    current: list[str] = []
    for ch in unicodedata.normalize("NFC", str(text)):
        if ch.isalpha() or ch in _APOSTROPHES or unicodedata.category(ch) == "Mn":
            current.append(ch)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def name_tokens(text: str | None) -> list[str]:
    """The keys of the words of a name, in order, without empty ones."""
    if not text:
        return []
    return list(_name_tokens(text))


@functools.lru_cache(maxsize=65536)
def _name_tokens(text: str) -> tuple[str, ...]:
    return tuple(key for key in map(word_key, split_words(text)) if key)


def name_key(text: str | None) -> str:
    """The phonetic key of a whole name: the word keys joined by single spaces."""
    return " ".join(name_tokens(text))


__all__ = ["name_key", "name_tokens", "split_words", "word_key"]
