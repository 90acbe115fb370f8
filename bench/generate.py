"""Generators of realistic random consultations and rule sets for the benchmarks.

Not a benchmark itself (``python -m bench`` skips it)."""

import random

from routing.engine import ConsultationFacts, FilerFacts, ReferenceSnapshot, RuleSpec

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


def consultations(snapshot: ReferenceSnapshot, all_filers: list[FilerFacts], count: int, seed: int = 1):
    """Random consultations: 10 % joint (1–3 co-filers, mostly nearby), 5 % urgent, a few words of text."""
    rng = random.Random(seed)
    areas = sorted(snapshot.policy_areas)
    by_prefecture: dict[str, list[FilerFacts]] = {}
    for filer in all_filers:
        by_prefecture.setdefault(filer.prefecture, []).append(filer)
    result = []
    for _ in range(count):
        filer = rng.choice(all_filers)
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


def rules(snapshot: ReferenceSnapshot, count: int, seed: int = 2) -> list[RuleSpec]:
    """``count`` valid rules of three shapes, none shadowing another, all above
    the default set (priorities 1–99; the defaults use 100):
    a policy area for one named local government; a policy area in a few
    prefectures with a case keyword; the same narrowed to kinds of filer."""
    rng = random.Random(seed)
    areas = sorted(snapshot.policy_areas)
    codes = sorted(snapshot.local_governments)
    prefectures = sorted(snapshot.prefectures)
    offices = sorted(slug for slug, office in snapshot.offices.items() if not office.system)
    systems = sorted(snapshot.systems)
    used_pairs: set[tuple[str, str]] = set()
    result = []
    for index in range(count):
        area = rng.choice(areas)
        target = {"office": rng.choice(offices)} if rng.random() < 0.5 else {"branch_of": rng.choice(systems)}
        shape = rng.random()
        if shape < 0.4:
            code = rng.choice(codes)
            while (area, code) in used_pairs:
                area, code = rng.choice(areas), rng.choice(codes)
            used_pairs.add((area, code))
            conditions = {"policy_areas": [area], "local_governments": [code]}
        else:
            conditions = {
                "policy_areas": [area],
                "prefectures": rng.sample(prefectures, rng.randint(1, 3)),
                "keywords": [f"案件{index}号"],
            }
            if shape > 0.8:
                conditions["kinds"] = rng.sample(["city", "town", "village"], 2)
        actions = {"route_to": target}
        if rng.random() < 0.2:
            actions["collaborators"] = [{"office": rng.choice(offices)}]
        result.append(
            RuleSpec(
                name=f"生成規則{index}", priority=rng.randint(1, 99), conditions=conditions, actions=actions, id=index
            )
        )
    return result
