"""Every string of the pages is translatable, and the English catalogue has them all."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
TRANSLATE_TAG = re.compile(r"""{%\s*translate\s+(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def _unquote(line: str) -> str:
    return line[line.index('"') + 1 : line.rindex('"')].replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


def catalogue() -> dict[str, tuple[str, bool]]:
    """msgid → (msgstr, fuzzy) from the .po file (a small reader: no gettext tools needed)."""
    entries: dict[str, tuple[str, bool]] = {}
    msgid = msgstr = None
    target = None
    fuzzy = False

    def flush():
        if msgid:  # the header has an empty msgid
            entries[msgid] = (msgstr or "", fuzzy)

    for raw in [*CATALOGUE.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if line.startswith("#,") and "fuzzy" in line:
            flush()
            msgid = msgstr = None
            fuzzy = True
        elif line.startswith("msgid "):
            if msgid is not None:
                flush()
                fuzzy = False
            msgid, msgstr, target = _unquote(line), None, "id"
        elif line.startswith("msgid_plural"):
            target = "plural"
        elif line.startswith("msgstr"):
            msgstr, target = _unquote(line), "str"
        elif line.startswith('"') and target == "id":
            msgid += _unquote(line)
        elif line.startswith('"') and target == "str":
            msgstr += _unquote(line)
        elif not line:
            if msgid is not None:
                flush()
            msgid = msgstr = target = None
            fuzzy = False
    return entries


def test_every_entry_of_the_english_catalogue_is_translated():
    untranslated = [msgid for msgid, (msgstr, fuzzy) in catalogue().items() if not msgstr or fuzzy]
    assert not untranslated, f"{len(untranslated)} untranslated or fuzzy: {untranslated[:10]}"


def test_every_translate_tag_of_the_pages_is_in_the_catalogue():
    known = catalogue()
    missing = []
    for template in (ROOT / "frontend" / "templates").rglob("*.html"):
        for match in TRANSLATE_TAG.finditer(template.read_text(encoding="utf-8")):
            text = match.group(1) if match.group(1) is not None else match.group(2)
            if JAPANESE.search(text) and text not in known:
                missing.append(f"{template.relative_to(ROOT)}: {text}")
    assert not missing, "run `make messages` and translate:\n" + "\n".join(missing[:20])
