"""Local-government codes and kana folding: pure, no database."""

import pytest

from routing.codes import InvalidLocalGovernmentCode, check_digit, is_valid_code, normalise_kana, validate_code

# The test vectors of shared/reference/jurisdictions.md.
VECTORS = [
    "010006",  # 北海道
    "130001",  # 東京都
    "131016",  # 千代田区
    "011002",  # 札幌市
    "141305",  # 川崎市
    "271403",  # 堺市
    "221309",  # 浜松市
    "012131",  # 苫小牧市 (remainder 0)
    "012050",  # 室蘭市 (remainder 1)
    "202029",  # 松本市
    "151009",  # 新潟市
]


@pytest.mark.parametrize("code", VECTORS)
def test_check_digit_of_reference_vectors(code):
    assert check_digit(code[:5]) == int(code[5])
    assert validate_code(code) == code


def test_check_digit_for_remainders_zero_and_one():
    # (11 - 0) % 10 = 1 for remainder 0; (11 - 1) % 10 = 0 for remainder 1.
    assert check_digit("01213") == 1
    assert check_digit("01205") == 0


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("202028", "検査数字"),  # wrong check digit
        ("20202", "6桁"),
        ("20202a", "6桁"),
        ("480006", "都道府県コード"),  # prefecture 48 does not exist
        ("000000", "都道府県コード"),
    ],
)
def test_invalid_codes_are_rejected_with_the_reason(code, reason):
    with pytest.raises(InvalidLocalGovernmentCode, match=reason):
        validate_code(code)
    assert not is_valid_code(code)


@pytest.mark.parametrize("typed", ["まつもとし", "マツモトシ", "ﾏﾂﾓﾄｼ", " まつもとし "])
def test_kana_is_folded_to_full_width_katakana(typed):
    assert normalise_kana(typed) == "マツモトシ"


def test_kana_folding_keeps_kanji_and_long_vowel_marks():
    assert normalise_kana("ﾎｯｶｲﾄﾞｳ") == "ホッカイドウ"
    assert normalise_kana("松本") == "松本"
    assert normalise_kana("さっぽろー") == "サッポロー"
