"""Realistic random consultations (what a town would file), as routing facts."""

from __future__ import annotations

import random

from routing.engine import ConsultationFacts, FilerFacts, ReferenceSnapshot

WORDS = [
    "ドローン", "スマート農業", "キャッシュレス", "観光アプリ", "オンデマンド交通", "光ファイバ", "5G",
    "データ連携基盤", "テレワーク", "移住", "子育て", "遠隔医療", "防災", "サイバー攻撃", "脱炭素",
    "補助金", "交付金", "人材育成", "GIGAスクール", "マイナンバー", "デジタル推進委員", "EBPM",
]  # fmt: skip


def filers(snapshot: ReferenceSnapshot, names: dict[str, str]) -> list[FilerFacts]:
    return [
        FilerFacts(
            code=code,
            name=names.get(code, code),
            prefecture=prefecture,
            prefecture_name=snapshot.prefectures[prefecture],
            kind=kind,
        )
        for code, (prefecture, kind) in sorted(snapshot.local_governments.items())
    ]


def consultations(
    snapshot: ReferenceSnapshot,
    all_filers: list[FilerFacts],
    count: int,
    seed: int = 1,
    *,
    filed_by: list[FilerFacts] | None = None,
):
    """Random consultations: 10 % joint (1–3 co-filers, mostly nearby), 5 % urgent, a few words
    of text; filed by any of ``all_filers``, or by one of ``filed_by`` when given."""
    rng = random.Random(seed)
    areas = sorted(snapshot.policy_areas)
    by_prefecture: dict[str, list[FilerFacts]] = {}
    for filer in all_filers:
        by_prefecture.setdefault(filer.prefecture, []).append(filer)
    result = []
    for _ in range(count):
        filer = rng.choice(filed_by or all_filers)
        co_filers = ()
        if rng.random() < 0.10:
            pool = by_prefecture[filer.prefecture] if rng.random() < 0.6 else all_filers
            co_filers = tuple(rng.sample(pool, rng.randint(1, 3)))
        words = rng.sample(WORDS, 3)
        result.append(
            ConsultationFacts(
                policy_area=rng.choice(areas),
                filer=filer,
                co_filers=co_filers,
                urgency="urgent" if rng.random() < 0.05 else "normal",
                title=f"{words[0]}の導入について",
                body=f"{words[1]}と{words[2]}を組み合わせた取組について相談します。案件{rng.randint(0, 20000)}号",
            )
        )
    return result
