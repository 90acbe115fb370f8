"""Removing people from text that others will read (pure: no database).

An entry of the library is read by every local government: the names and
e-mail addresses of the people who wrote the consultation and its answer must
not travel with it. Names are replaced as written, with or without the space
between family and given name (half- or full-width); every e-mail address is
replaced, known or not, in half- or full-width letters. A family name alone is
left: it is often a place name too (松本, 新潟), and replacing it would damage
the text. The rest of the text is kept exactly as written."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

NAME_MARK = "〇〇"
EMAIL_MARK = "［メールアドレス］"

_LOCAL = r"[A-Za-z0-9._%+\-Ａ-Ｚａ-ｚ０-９．＿％＋－]"
_DOMAIN = r"[A-Za-z0-9\-Ａ-Ｚａ-ｚ０-９－]"
_EMAIL = re.compile(rf"{_LOCAL}+[@＠]{_DOMAIN}+(?:[.．]{_DOMAIN}+)+")
_SPACES = "[ \u3000]*"


def _char(char: str) -> str:
    """A character as itself or as its full-/half-width twin."""
    folded = unicodedata.normalize("NFKC", char)
    if folded == char:
        wide = chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char
        return re.escape(char) if wide == char else f"[{re.escape(char)}{wide}]"
    return f"[{re.escape(char)}{re.escape(folded)}]"


def _name_pattern(name: str) -> re.Pattern | None:
    parts = [part for part in re.split(r"[\s\u3000]+", (name or "").strip()) if part]
    if sum(len(part) for part in parts) < 2:
        return None  # one character is no name to look for
    return re.compile(_SPACES.join("".join(_char(c) for c in part) for part in parts), re.IGNORECASE)


def redact(text: str, *, names: Iterable[str] = ()) -> str:
    """``text`` with each of ``names`` replaced by 〇〇 and every e-mail address by
    ［メールアドレス］."""
    result = _EMAIL.sub(EMAIL_MARK, text or "")
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        pattern = _name_pattern(name)
        if pattern is not None:
            result = pattern.sub(NAME_MARK, result)
    return result
