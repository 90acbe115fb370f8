"""Generators of realistic random consultations and rule sets for the benchmarks.

Not a benchmark itself (``python -m bench`` skips it)."""

import random

from demo.facts import consultations, filers
from routing.engine import ReferenceSnapshot, RuleSpec

__all__ = ["consultations", "filers", "rules"]


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
