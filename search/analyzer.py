"""Banso's Japanese analyzer: text to search terms, the same way for documents and queries.

Pure (no database). Words come from SudachiPy (sudachidict-core, split mode C, with the
mode-A parts of compounds as further terms); every term is folded: NFKC (full- and half-width),
lower case, katakana as hiragana. Runs of kanji and katakana also give character bigrams, so that
two-character words inside compounds and names the dictionary does not know still match.
A query is a list of groups, all of which must match; a group is a list of alternatives
(the word, its parts, its bigrams, its synonyms), each a space-separated set of terms that
must all be present.
"""

from __future__ import annotations

import csv
import functools
import re
import threading
import unicodedata
from pathlib import Path

SYNONYMS_FILE = Path(__file__).with_name("synonyms.csv")

# Parts of speech that carry no meaning for search (particles, auxiliaries, punctuation, blanks);
# also the dependent words (する, ある, いる, なる: "非自立可能").
_SKIPPED_POS = frozenset({"助詞", "助動詞", "補助記号", "空白"})
# Sudachi refuses inputs over about 49 KB; texts are cut into pieces well below that.
_CHUNK_CHARS = 4000
_MAX_TERM_CHARS = 64
_KATAKANA = re.compile(r"[\u30a1-\u30f6]")
_ASCII_WORD = re.compile(r"[0-9a-z]+")
_HAS_WORD = re.compile(r"\w")
# Kanji (with the iteration mark) and katakana (with the prolonged sound mark).
_CJK_RUN = re.compile(r"[\u3005\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\u30a1-\u30fa\u30fc]{2,}")
_local = threading.local()


def _tokenizer():
    # One dictionary per process (it is large); a tokenizer per thread (they are not thread-safe).
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        from sudachipy import SplitMode

        tokenizer = _local.tokenizer = _dictionary().tokenizer(mode=SplitMode.C)
    return tokenizer


@functools.cache
def _dictionary():
    from sudachipy import Dictionary

    return Dictionary(dict="core")


def normalise(text: str) -> str:
    """NFKC and lower case: the form the tokenizer reads."""
    return unicodedata.normalize("NFKC", text or "").lower()


def _hiragana(normalised: str) -> str:
    # One character for one: offsets in the normalised text stay valid.
    return _KATAKANA.sub(lambda match: chr(ord(match.group()) - 0x60), normalised)


def fold(term: str) -> str:
    """A term's search form: normalised, katakana as hiragana."""
    return _hiragana(normalise(term))


def _chunks(text: str):
    while len(text) > _CHUNK_CHARS:
        cut = max(text.rfind("\n", 0, _CHUNK_CHARS), text.rfind("。", 0, _CHUNK_CHARS))
        cut = cut + 1 if cut > _CHUNK_CHARS // 2 else _CHUNK_CHARS
        yield text[:cut]
        text = text[cut:]
    if text:
        yield text


class _Word:
    """One word of the text: its folded form, its mode-A parts and its surface."""

    __slots__ = ("end", "parts", "start", "surface", "term")

    def __init__(self, term: str, parts: tuple[str, ...], surface: str, start: int = 0, end: int = 0):
        self.term = term
        self.parts = parts
        self.surface = surface
        self.start = start
        self.end = end


def _words(text: str) -> list[_Word]:
    from sudachipy import SplitMode

    words: list[_Word] = []
    offset = 0
    for chunk in _chunks(normalise(text)):
        ascii_run: list[str] = []
        ascii_end = -1
        for morpheme in _tokenizer().tokenize(chunk):
            surface = morpheme.surface()
            if _ASCII_WORD.fullmatch(surface):
                # Sudachi cuts "5g" into 5 and g (gram): adjacent letters and digits are one word.
                if ascii_run and morpheme.begin() == ascii_end:
                    ascii_run.append(surface)
                else:
                    _flush_ascii(words, ascii_run)
                    ascii_run = [surface]
                ascii_end = morpheme.end()
                continue
            _flush_ascii(words, ascii_run)
            ascii_run = []
            pos = morpheme.part_of_speech()
            if pos[0] in _SKIPPED_POS or pos[1] == "非自立可能":
                continue
            term = fold(morpheme.normalized_form())
            if not _HAS_WORD.search(term) or len(term) > _MAX_TERM_CHARS:
                continue
            split = morpheme.split(SplitMode.A)
            parts = tuple(fold(part.normalized_form()) for part in split) if len(split) > 1 else ()
            words.append(_Word(term, parts, surface, offset + morpheme.begin(), offset + morpheme.end()))
        _flush_ascii(words, ascii_run)
        offset += len(chunk)
    return words


def _flush_ascii(words: list[_Word], run: list[str]) -> None:
    if not run:
        return
    term = "".join(run)[:_MAX_TERM_CHARS]
    words.append(_Word(term, (), term))
    if term.isdigit() and term.startswith("0") and term.strip("0"):
        # Reference numbers are zero-padded (BNS-2026-000123): "123" finds them too.
        words.append(_Word(term.lstrip("0"), (), term))


def bigrams(text: str) -> list[str]:
    """Character bigrams of the kanji and katakana runs of ``text``, folded."""
    grams = []
    for run in _CJK_RUN.findall(normalise(text)):
        folded = fold(run)
        grams.extend(folded[index : index + 2] for index in range(len(folded) - 1))
    return grams


def terms_of(text: str) -> list[str]:
    """The terms of a document, in order, with repeats (positions and frequencies matter)."""
    terms: list[str] = []
    for word in _words(text):
        terms.append(word.term)
        terms.extend(part for part in word.parts if part != word.term)
    terms.extend(bigrams(text))
    return terms


def document_terms(text: str) -> str:
    """Space-separated search terms of ``text`` for a tsvector (``search.backend``)."""
    return " ".join(terms_of(text))


# --- queries ----------------------------------------------------------------------------------


def _conjunction(terms) -> str:
    return " ".join(dict.fromkeys(term for term in terms if term))


def _alternatives_of(word: _Word) -> list[str]:
    alternatives = [word.term]
    if word.parts:
        alternatives.append(_conjunction(word.parts))
    if len(word.surface) > 2 and _CJK_RUN.fullmatch(word.surface):
        # A name the document's tokenizer cut differently is still found by its bigrams.
        alternatives.append(_conjunction(bigrams(word.surface)))
    return list(dict.fromkeys(alternatives))


@functools.cache
def synonym_groups() -> tuple[tuple[str, ...], ...]:
    """The synonym table (``synonyms.csv``), each word normalised (NFKC, lower case)."""
    groups = []
    with SYNONYMS_FILE.open(encoding="utf-8") as handle:
        for row in csv.reader(line for line in handle if not line.startswith("#")):
            words = tuple(dict.fromkeys(normalise(cell.strip()) for cell in row if cell.strip()))
            if len(words) > 1:
                groups.append(words)
    return tuple(groups)


@functools.cache
def _synonym_index() -> dict[str, tuple[str, ...]]:
    """Each synonym, folded, to the words of its groups (normalised, for the tokenizer)."""
    index: dict[str, tuple[str, ...]] = {}
    for group in synonym_groups():
        for word in group:
            key = _hiragana(word)
            index[key] = tuple(dict.fromkeys((*index.get(key, ()), *group)))
    return index


@functools.cache
def _phrase_alternative(phrase: str) -> str:
    """A synonym as the terms a document containing it has (its words, all required)."""
    return _conjunction(word.term for word in _words(phrase))


def _synonym_spans(folded: str) -> list[tuple[int, int, tuple[str, ...]]]:
    """Where the synonym table's words occur in the folded query, longest first, not overlapping."""
    index = _synonym_index()
    found: list[tuple[int, int, tuple[str, ...]]] = []
    taken = [False] * len(folded)
    for word in sorted(index, key=len, reverse=True):
        start = folded.find(word)
        while start >= 0:
            end = start + len(word)
            boundary_ok = not (
                word.isascii()
                and ((start > 0 and folded[start - 1].isalnum()) or (end < len(folded) and folded[end].isalnum()))
            )
            if boundary_ok and not any(taken[start:end]):
                found.append((start, end, index[word]))
                for position in range(start, end):
                    taken[position] = True
            start = folded.find(word, start + 1)
    return sorted(found)


_CJK_CHARS = re.compile(r"[\u3005\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\u30a1-\u30fa\u30fc]+")
_MAX_ALTERNATIVES = 8


def _runs(words: list[_Word]) -> list[list[_Word]]:
    """Consecutive words written in kanji or katakana without a gap: one run of the query."""
    runs: list[list[_Word]] = []
    for word in words:
        joined = (
            runs
            and _CJK_CHARS.fullmatch(word.surface)
            and _CJK_CHARS.fullmatch(runs[-1][-1].surface)
            and runs[-1][-1].end == word.start
        )
        if joined:
            runs[-1].append(word)
        else:
            runs.append([word])
    return runs


def _run_alternatives(run: list[_Word]) -> list[str]:
    """A run of several words: all its words (each in one of its forms), or the run's bigrams,
    so that a name the tokenizer cut into pieces ("猫" + "実沢") still finds "猫実沢"."""
    combinations = [""]
    for word in run:
        choices = _alternatives_of(word)
        if len(combinations) * len(choices) > _MAX_ALTERNATIVES:
            choices = choices[:1]
        combinations = [f"{done} {choice}" for done in combinations for choice in choices]
    alternatives = [_conjunction(combination.split()) for combination in combinations]
    alternatives.append(_conjunction(bigrams("".join(word.surface for word in run))))
    return list(dict.fromkeys(alternatives))


def query_terms(text: str) -> list[list[str]]:
    """The groups of a query: every group must match; a group matches when one of its
    alternatives (a space-separated set of terms, all required) is in the document."""
    normalised = normalise(text)
    folded = _hiragana(normalised)
    groups: list[list[str]] = []
    cursor = 0
    for start, end, synonyms in [*_synonym_spans(folded), (len(folded), len(folded), ())]:
        # The tokenizer reads the unfolded text (katakana read as hiragana would be cut wrongly).
        for run in _runs(_words(normalised[cursor:start])):
            groups.append(_alternatives_of(run[0]) if len(run) == 1 else _run_alternatives(run))
        if synonyms:
            alternatives = [_phrase_alternative(word) for word in synonyms]
            inside = _words(normalised[start:end])
            if len(inside) == 1:
                alternatives.extend(_alternatives_of(inside[0]))
            alternatives = [alternative for alternative in dict.fromkeys(alternatives) if alternative]
            if alternatives:
                groups.append(alternatives)
        cursor = end
    unique: list[list[str]] = []
    for group in groups:
        if group not in unique:
            unique.append(group)
    return unique


def match_terms(text: str) -> set[str]:
    """What a highlight marks: every term of a query's alternatives, and the query's words as
    written (folded), since a dictionary form (溜め池) may not be how the text spells it (ため池)."""
    terms = {term for group in query_terms(text) for alternative in group for term in alternative.split()}
    terms.update(fold(word.surface) for word in _words(text))
    return terms
