"""The analyzer, the query literal and the highlight: pure, no database."""

import json

from search import analyzer
from search.backend import Query, highlight, scan_rank, vector_literal


def _finds(document: str, query: str) -> bool:
    literal = vector_literal([(analyzer.document_terms(document), "B")])
    return scan_rank(literal, json.dumps(analyzer.query_terms(query))) > 0


def test_words_are_folded_across_widths_and_kana():
    terms = analyzer.document_terms("ＤＸ推進とｻｰﾊﾞｰ更新").split()
    assert "dx" in terms
    assert "さーばー" in terms  # half-width katakana, NFKC, then hiragana
    assert analyzer.document_terms("サーバー") == analyzer.document_terms("ｻｰﾊﾞｰ")


def test_particles_and_punctuation_are_not_terms():
    terms = analyzer.document_terms("農業の補助について、相談したい。").split()
    assert "の" not in terms and "、" not in terms and "為る" not in terms
    assert {"農業", "補助", "相談"} <= set(terms)


def test_compounds_give_their_parts_and_bigrams():
    terms = set(analyzer.document_terms("補助金交付要綱").split())
    assert {"補助金", "補助", "交付", "要綱"} <= terms
    assert "助金" in terms  # a bigram


def test_two_character_words_inside_compounds_match():
    assert _finds("スマート農業の実証事業に関する相談", "農業")
    assert _finds("補助金の申請期限", "補助")
    assert _finds("スマート農業の実証事業に関する相談", "スマート農業")


def test_unknown_names_match_by_bigrams():
    assert _finds("北海道音威子府村からの相談です", "音威子府")
    assert _finds("架空の町、猫実沢町の水道", "猫実沢")


def test_query_needs_every_word():
    assert not _finds("スマート農業の実証", "スマート農業 補助")
    assert _finds("スマート農業の補助制度", "スマート農業 補助")


def test_latin_and_digits_stay_one_word():
    assert "5g" in analyzer.document_terms("5G基地局").split()
    assert _finds("５Ｇ基地局の整備", "5g")


def test_synonyms_apply_to_queries():
    assert _finds("自治体デジタルトランスフォーメーション推進計画", "DX")
    assert _finds("ＤＸ推進計画の策定", "デジタルトランスフォーメーション")
    assert _finds("第5世代移動通信システムの基地局", "5G")
    assert _finds("ICTを活用した見守り", "情報通信技術")
    assert _finds("スマホ教室の開催", "スマートフォン")
    groups = analyzer.query_terms("ＩＣＴ")
    assert groups and "ict" in groups[0]


def test_reference_numbers():
    document = "BNS-2026-000123 道路の補修"
    assert _finds(document, "BNS-2026-000123")
    assert _finds(document, "000123")
    assert _finds(document, "123")
    assert not _finds(document, "BNS-2026-000124")


def test_empty_and_symbol_queries_have_no_terms():
    assert not Query("")
    assert not Query("、。！？")
    assert not Query("の")


def test_literals_quote_what_they_must():
    literal = vector_literal([("it's a\\b", "A")])
    assert literal == "'it''s':1A 'a\\\\b':2A"
    assert Query("it's").tsquery().count("''") >= 0  # quoted, never raw


def test_weights_rank_the_title_above_the_body():
    groups = json.dumps(analyzer.query_terms("農業"))
    title = vector_literal([(analyzer.document_terms("農業"), "A"), (analyzer.document_terms("道路"), "B")])
    body = vector_literal([(analyzer.document_terms("道路"), "A"), (analyzer.document_terms("農業"), "B")])
    assert scan_rank(title, groups) > scan_rank(body, groups) > 0


def test_highlight_marks_and_escapes():
    text = "<b>前置き</b>" + "あ" * 200 + "スマート農業の補助金について<script>alert(1)</script>" + "い" * 300
    marked = highlight(text, "スマート農業 補助")
    assert "<mark>スマート</mark>" in marked or "<mark>スマート農業</mark>" in marked
    assert "<mark>補助" in marked
    assert "<script>" not in marked and "&lt;script&gt;" in marked
    assert "<b>" not in marked
    assert marked.startswith("…") and marked.endswith("…")
    assert len(marked) < 400


def test_highlight_across_widths():
    marked = highlight("ｽﾏｰﾄ農業の話", "スマート")
    assert "<mark>ｽﾏｰﾄ</mark>" in marked


def test_highlight_without_match_is_the_escaped_beginning():
    assert highlight("a < b", "農業") == "a &lt; b"
    assert highlight("", "農業") == ""
