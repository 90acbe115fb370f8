"""The long select writes what Django's select writes, faster."""

import re

import pytest
from django import forms

from frontend.forms.widgets import LongSelect, PreparedChoices

CHOICES = [
    ("", "選択してください"),
    ("農林水産省 <本省>", [("maff-hq", '本省 "大臣官房"'), ("maff-rab-kanto", "関東農政局 & 支局")]),
    ("meti-rbe-kanto", "関東経済産業局"),
    (7, "数字の値"),
]


def _normalised(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


@pytest.mark.parametrize("value", ["", "maff-rab-kanto", "meti-rbe-kanto", "7", None, "unknown"])
@pytest.mark.parametrize(
    "attrs", [{"id": "id_office"}, {"id": "x", "aria-describedby": "h e", "required": True, "disabled": False}]
)
def test_the_long_select_writes_what_djangos_select_writes(value, attrs):
    expected = forms.Select(choices=CHOICES).render("office", value, attrs)
    written = LongSelect(choices=CHOICES).render("office", value, attrs)
    assert _normalised(written) == _normalised(expected)


def test_texts_are_escaped_and_one_option_is_selected():
    written = LongSelect(choices=[("a", "<b>"), ("a", "again")]).render("office", "a", {"id": "o"})
    assert "&lt;b&gt;" in written and "<b>" not in written
    assert written.count(" selected") == 1


def test_prepared_choices_validate_like_a_list():
    field = forms.ChoiceField(choices=PreparedChoices(CHOICES), widget=LongSelect)
    assert field.clean("maff-hq") == "maff-hq"
    with pytest.raises(forms.ValidationError):
        field.clean("nowhere")
