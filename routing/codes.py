"""Local-government codes (全国地方公共団体コード) and kana normalisation.

Pure functions: no database, no Django.
"""

import unicodedata

_WEIGHTS = (6, 5, 4, 3, 2)


class InvalidLocalGovernmentCode(ValueError):
    """A code that is not six digits or whose check digit is wrong."""


def check_digit(first_five: str) -> int:
    """The check digit for the first five digits of a code."""
    if len(first_five) != 5 or not first_five.isdigit():
        raise InvalidLocalGovernmentCode(f"expected five digits, got {first_five!r}")
    total = sum(weight * int(digit) for weight, digit in zip(_WEIGHTS, first_five, strict=True))
    return (11 - total % 11) % 10


def validate_code(code: str) -> str:
    """Return ``code`` when it is a valid six-digit code, else raise with the reason."""
    if not isinstance(code, str) or len(code) != 6 or not code.isdigit():
        raise InvalidLocalGovernmentCode(f"団体コード {code!r} は6桁の数字ではありません (a code has six digits)")
    prefecture = int(code[:2])
    if not 1 <= prefecture <= 47:
        raise InvalidLocalGovernmentCode(
            f"団体コード {code} の都道府県コード {code[:2]} は存在しません (unknown prefecture)"
        )
    expected = check_digit(code[:5])
    if int(code[5]) != expected:
        raise InvalidLocalGovernmentCode(
            f"団体コード {code} の検査数字が誤っています: {code[5]} ではなく {expected} "
            f"(check digit of {code} is wrong: expected {expected})"
        )
    return code


def is_valid_code(code: str) -> bool:
    try:
        validate_code(code)
    except InvalidLocalGovernmentCode:
        return False
    return True


_HIRAGANA_START, _HIRAGANA_END = ord("ぁ"), ord("ゖ")
_KATAKANA_OFFSET = ord("ァ") - ord("ぁ")


def normalise_kana(text: str) -> str:
    """Fold half-width katakana and hiragana to full-width katakana (NFKC first).

    People type ``まつもと`` or ``マツモト``; the official list has ``ﾏﾂﾓﾄｼ``.
    Both sides pass through this so that all of them meet.
    """
    folded = unicodedata.normalize("NFKC", text or "")
    return "".join(
        chr(ord(char) + _KATAKANA_OFFSET) if _HIRAGANA_START <= ord(char) <= _HIRAGANA_END else char for char in folded
    ).strip()
