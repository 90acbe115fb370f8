"""Rules: validation (with errors that name the rule) and compilation.

A rule has conditions (all must hold; a list means "any of") and actions.

Conditions:
  ``policy_areas`` [slug]      the consultation's policy area is one of these
  ``prefectures`` [code]       the filer's prefecture is one of these
  ``local_governments`` [code] the filer is one of these
  ``kinds`` [kind]             the filer is a prefecture / city / town / village / special_ward
  ``joint`` bool               co-filers are present (true) or absent (false)
  ``joint_across`` system      some co-filer falls under another office of this branch system
  ``urgency`` [level]          normal / urgent
  ``keywords`` [text]          one of these appears in the title or body (case and width folded)
  ``pattern`` regex            the regular expression matches the title or body

Actions:
  ``route_to``            {"office": slug} | {"branch_of": system} | {"triage": true}
  ``collaborators``       [{"office": slug} | {"branch_of": system}]
  ``sla_policy``          slug
  ``priority``            low / normal / high
  ``joint_collaborators`` bool (default true): co-filers' own branch offices collaborate

Semantics: rules are tried in order of ``priority`` (smaller first; ties in
the order given). The first matching rule with ``route_to`` decides the primary
office. ``sla_policy`` and ``priority`` come from the first matching rule that
sets them. Collaborators accumulate from every matching rule, without
duplicates and never the primary office.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .types import KINDS, PRIORITIES, URGENCIES, ReferenceSnapshot, RuleSpec

LIST_CONDITIONS = ("policy_areas", "prefectures", "local_governments", "kinds", "urgency", "keywords")
CONDITIONS = (*LIST_CONDITIONS, "joint", "joint_across", "pattern")
ACTIONS = ("route_to", "collaborators", "sla_policy", "priority", "joint_collaborators")


@dataclass(frozen=True)
class RuleError:
    rule: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"規則「{self.rule}」の {self.field}: {self.message}"


class RuleSetInvalid(ValueError):
    SHOWN = 5

    def __init__(self, errors: list[RuleError]):
        self.errors = errors
        shown = "; ".join(str(error) for error in errors[: self.SHOWN])
        more = (
            f"; ほか{len(errors) - self.SHOWN}件 (and {len(errors) - self.SHOWN} more)"
            if len(errors) > self.SHOWN
            else ""
        )
        super().__init__(shown + more)


def fold(text: str) -> str:
    """Width- and case-folded text for keyword matching."""
    return unicodedata.normalize("NFKC", text or "").casefold()


# --- validation ----------------------------------------------------------------


def _target_errors(rule: str, where: str, target: Any, reference: ReferenceSnapshot, *, allow_triage: bool):
    if not isinstance(target, dict) or len(target) != 1:
        yield RuleError(
            rule, where, "対象は office、branch_of" + ("、triage" if allow_triage else "") + " のいずれか一つです"
        )
        return
    ((kind, value),) = target.items()
    if kind == "office":
        if value not in reference.offices:
            yield RuleError(rule, where, f"部局 {value!r} は存在しません (unknown office)")
    elif kind == "branch_of":
        if value not in reference.systems:
            yield RuleError(rule, where, f"地方支分部局の系統 {value!r} は存在しません (unknown office system)")
    elif kind == "triage" and allow_triage:
        if value is not True:
            yield RuleError(rule, where, "triage は true のみ指定できます")
    else:
        yield RuleError(rule, where, f"{kind!r} は対象の種類ではありません (unknown target)")


def _rule_errors(spec: RuleSpec, reference: ReferenceSnapshot):
    name = spec.name or "(無名)"
    if not spec.name:
        yield RuleError(name, "name", "名前は必須です")
    if not isinstance(spec.priority, int):
        yield RuleError(name, "priority", "優先順位は整数です")
    conditions, actions = spec.conditions or {}, spec.actions or {}
    if not isinstance(conditions, dict):
        yield RuleError(name, "conditions", "条件はオブジェクトです")
        conditions = {}
    if not isinstance(actions, dict):
        yield RuleError(name, "actions", "動作はオブジェクトです")
        actions = {}
    for key in conditions:
        if key not in CONDITIONS:
            yield RuleError(name, f"conditions.{key}", f"未知の条件です（使える条件: {', '.join(CONDITIONS)}）")
    for key in actions:
        if key not in ACTIONS:
            yield RuleError(name, f"actions.{key}", f"未知の動作です（使える動作: {', '.join(ACTIONS)}）")
    for key in LIST_CONDITIONS:
        if key in conditions:
            value = conditions[key]
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                yield RuleError(name, f"conditions.{key}", "文字列のリストです")
            elif not value:
                yield RuleError(name, f"conditions.{key}", "空のリストには何も一致しません (can never match)")
    known = {
        "policy_areas": (reference.policy_areas, "施策分野"),
        "prefectures": (reference.prefectures, "都道府県"),
        "local_governments": (reference.local_governments, "団体コード"),
        "kinds": (KINDS, "団体の種別"),
        "urgency": (URGENCIES, "緊急度"),
    }
    for key, (universe, label) in known.items():
        values = conditions.get(key)
        if isinstance(values, list):
            for value in values:
                if value not in universe:
                    yield RuleError(name, f"conditions.{key}", f"{label} {value!r} は存在しません (unknown)")
    if "joint" in conditions and not isinstance(conditions["joint"], bool):
        yield RuleError(name, "conditions.joint", "true または false です")
    if "joint_across" in conditions:
        if conditions["joint_across"] not in reference.systems:
            yield RuleError(name, "conditions.joint_across", f"系統 {conditions['joint_across']!r} は存在しません")
        if conditions.get("joint") is False:
            yield RuleError(name, "conditions", "joint が false なら joint_across は一致しません (can never match)")
    if "pattern" in conditions:
        try:
            re.compile(conditions["pattern"])
        except (re.error, TypeError) as exc:
            yield RuleError(name, "conditions.pattern", f"正規表現として解釈できません: {exc}")
    # Contradictions between conditions.
    lgs = conditions.get("local_governments")
    if isinstance(lgs, list) and lgs:
        known_lgs = [code for code in lgs if code in reference.local_governments]
        prefectures = conditions.get("prefectures")
        if (
            isinstance(prefectures, list)
            and prefectures
            and known_lgs
            and not any(reference.local_governments[code][0] in prefectures for code in known_lgs)
        ):
            yield RuleError(name, "conditions", "指定した団体はどれも指定した都道府県にありません (can never match)")
        kinds = conditions.get("kinds")
        if (
            isinstance(kinds, list)
            and kinds
            and known_lgs
            and not any(reference.local_governments[code][1] in kinds for code in known_lgs)
        ):
            yield RuleError(name, "conditions", "指定した団体はどれも指定した種別ではありません (can never match)")

    if not actions:
        yield RuleError(name, "actions", "動作が一つもありません")
    if "route_to" in actions:
        yield from _target_errors(name, "actions.route_to", actions["route_to"], reference, allow_triage=True)
    if "collaborators" in actions:
        collaborators = actions["collaborators"]
        if not isinstance(collaborators, list) or not collaborators:
            yield RuleError(name, "actions.collaborators", "協力部局のリストです")
        else:
            for index, target in enumerate(collaborators):
                yield from _target_errors(
                    name, f"actions.collaborators[{index}]", target, reference, allow_triage=False
                )
    if "sla_policy" in actions and actions["sla_policy"] not in reference.sla_policies:
        yield RuleError(name, "actions.sla_policy", f"SLA方針 {actions['sla_policy']!r} は存在しません")
    if "priority" in actions and actions["priority"] not in PRIORITIES:
        yield RuleError(name, "actions.priority", f"優先度は {', '.join(PRIORITIES)} のいずれかです")
    if "joint_collaborators" in actions and not isinstance(actions["joint_collaborators"], bool):
        yield RuleError(name, "actions.joint_collaborators", "true または false です")


def _covers(higher: dict, lower: dict, reference: ReferenceSnapshot) -> bool:
    """Whether every consultation that ``lower``'s conditions match is matched by ``higher``'s."""
    for key, value in higher.items():
        if key in ("policy_areas", "kinds", "urgency", "local_governments"):
            if key not in lower or not set(lower[key]) <= set(value):
                return False
        elif key == "prefectures":
            if "prefectures" in lower and set(lower["prefectures"]) <= set(value):
                continue
            lgs = lower.get("local_governments")
            if lgs and all(reference.local_governments.get(code, ("",))[0] in value for code in lgs):
                continue
            return False
        elif key == "joint":
            if lower.get("joint") != value and not (value is True and "joint_across" in lower):
                return False
        elif key == "joint_across":
            if lower.get("joint_across") != value:
                return False
        elif key == "keywords":
            keywords = [fold(k) for k in value]
            if "keywords" not in lower or not all(any(k in fold(lk) for k in keywords) for lk in lower["keywords"]):
                return False
        elif key == "pattern" and lower.get("pattern") != value:
            return False
    return True


def ordered(specs: list[RuleSpec]) -> list[RuleSpec]:
    return [spec for _, spec in sorted(enumerate(specs), key=lambda pair: (pair[1].priority, pair[0]))]


def validate_rules(specs: list[RuleSpec], reference: ReferenceSnapshot) -> list[RuleError]:
    """Every problem of a rule set, each naming its rule. Empty means publishable."""
    errors: list[RuleError] = []
    names: set[str] = set()
    for spec in specs:
        errors.extend(_rule_errors(spec, reference))
        if spec.name in names:
            errors.append(RuleError(spec.name, "name", "同じ名前の規則が複数あります (duplicate name)"))
        names.add(spec.name)
    if errors:
        return errors
    # Shadowing: a routing rule that a higher one always pre-empts never decides.
    # Only rules filed under the same (policy area, prefecture) keys can cover
    # one another, so each rule is compared with its bucket, not the whole set.
    routing = [spec for spec in ordered(specs) if spec.enabled and "route_to" in spec.actions]
    buckets: dict[tuple[str | None, str | None], list[int]] = {}
    keys = []
    for position, spec in enumerate(routing):
        areas, prefectures = _index_keys(spec.conditions, reference)
        keys.append((areas, prefectures))
        for area in areas or (None,):
            for prefecture in prefectures or (None,):
                buckets.setdefault((area, prefecture), []).append(position)
    for position, lower in enumerate(routing):
        areas, prefectures = keys[position]
        area_keys = (next(iter(sorted(areas))), None) if areas else (None,)
        prefecture_keys = (next(iter(sorted(prefectures))), None) if prefectures else (None,)
        candidates = sorted(
            {
                index
                for area in area_keys
                for prefecture in prefecture_keys
                for index in buckets.get((area, prefecture), ())
                if index < position
            }
        )
        for index in candidates:
            higher = routing[index]
            if _covers(higher.conditions, lower.conditions, reference):
                errors.append(
                    RuleError(
                        lower.name,
                        "actions.route_to",
                        f"上位の規則「{higher.name}」が同じ相談にすべて先に一致するため、この振り分けは使われません "
                        "(unreachable: shadowed by a higher rule)",
                    )
                )
                break
    return errors


# --- compilation ---------------------------------------------------------------


def _index_keys(conditions: dict, reference: ReferenceSnapshot) -> tuple[frozenset[str] | None, frozenset[str] | None]:
    """The policy areas and prefectures a rule is filed under (None: any)."""
    areas = frozenset(conditions["policy_areas"]) if "policy_areas" in conditions else None
    prefectures = frozenset(conditions["prefectures"]) if "prefectures" in conditions else None
    if "local_governments" in conditions:
        # A rule about named local governments is filed under their prefectures.
        lg_prefectures = frozenset(reference.local_governments[code][0] for code in conditions["local_governments"])
        prefectures = lg_prefectures if prefectures is None else prefectures & lg_prefectures
    return areas, prefectures


@dataclass(slots=True)
class CompiledRule:
    order: int
    spec: RuleSpec
    policy_areas: frozenset[str] | None
    prefectures: frozenset[str] | None
    local_governments: frozenset[str] | None
    kinds: frozenset[str] | None
    urgency: frozenset[str] | None
    joint: bool | None
    joint_across: str | None
    keywords: tuple[str, ...]
    pattern: re.Pattern | None
    route_to: tuple[str, Any] | None
    collaborators: tuple[tuple[str, str], ...]
    sla_policy: str | None
    priority: str | None
    joint_collaborators: bool
    # The conditions left to check once the index has matched the policy area,
    # prefecture and local government (None: the rule matches outright).
    residual: Callable[[Any, Any, ReferenceSnapshot], bool] | None = None

    def __post_init__(self) -> None:
        self.residual = _residual_check(self)


def _residual_check(rule: CompiledRule):
    """A function ``(facts, folded_text, reference) -> bool`` for the conditions
    the index cannot decide, most selective first; None when there are none."""
    checks = []
    if rule.keywords:
        keywords = rule.keywords
        if len(keywords) == 1:
            (keyword,) = keywords
            checks.append(lambda facts, folded, reference: keyword in folded)
        else:
            checks.append(lambda facts, folded, reference: any(k in folded for k in keywords))
    if rule.pattern is not None:
        search = rule.pattern.search
        checks.append(lambda facts, folded, reference: search(f"{facts.title}\n{facts.body}") is not None)
    if rule.kinds is not None:
        kinds = rule.kinds
        checks.append(lambda facts, folded, reference: facts.filer.kind in kinds)
    if rule.urgency is not None:
        urgency = rule.urgency
        checks.append(lambda facts, folded, reference: facts.urgency in urgency)
    if rule.joint is not None:
        joint = rule.joint
        checks.append(lambda facts, folded, reference: bool(facts.co_filers) == joint)
    if rule.joint_across is not None:
        system = rule.joint_across

        def across(facts, folded, reference):
            lead = reference.office_for(system, facts.filer)
            return any(reference.office_for(system, other) != lead for other in facts.co_filers)

        checks.append(across)
    if not checks:
        return None
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda facts, folded, reference: first(facts, folded, reference) and second(facts, folded, reference)
    return lambda facts, folded, reference: all(check(facts, folded, reference) for check in checks)


def _frozen(conditions: dict, key: str) -> frozenset[str] | None:
    return frozenset(conditions[key]) if key in conditions else None


def _compile_rule(order: int, spec: RuleSpec, reference: ReferenceSnapshot) -> CompiledRule:
    conditions, actions = spec.conditions, spec.actions
    areas, prefectures = _index_keys(conditions, reference)
    route = actions.get("route_to")
    return CompiledRule(
        order=order,
        spec=spec,
        policy_areas=areas,
        prefectures=prefectures,
        local_governments=_frozen(conditions, "local_governments"),
        kinds=_frozen(conditions, "kinds"),
        urgency=_frozen(conditions, "urgency"),
        joint=conditions.get("joint"),
        joint_across=conditions.get("joint_across"),
        keywords=tuple(fold(keyword) for keyword in conditions.get("keywords", ())),
        pattern=re.compile(conditions["pattern"]) if "pattern" in conditions else None,
        route_to=next(iter(route.items())) if route else None,
        collaborators=tuple(next(iter(target.items())) for target in actions.get("collaborators", ())),
        sla_policy=actions.get("sla_policy"),
        priority=actions.get("priority"),
        joint_collaborators=actions.get("joint_collaborators", True),
    )


@dataclass
class CompiledRuleSet:
    """A validated rule set, indexed by (policy area, prefecture).

    A decision looks only at the rules filed under its policy area and
    prefecture (and the rules that name neither), so its cost follows the size
    of that bucket, not of the whole set.
    """

    rules: tuple[CompiledRule, ...]
    version: int | None = None
    rule_set_id: int | None = None
    _buckets: dict[tuple[str | None, str | None], list[int]] = field(default_factory=dict)
    _candidates: dict[tuple[str, str], tuple[CompiledRule, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for index, rule in enumerate(self.rules):
            # A rule naming local governments is filed under each of them, so
            # other filers of the same prefecture never look at it.
            places = [("lg", code) for code in rule.local_governments] if rule.local_governments else None
            for area in rule.policy_areas or (None,):
                for place in places or rule.prefectures or (None,):
                    self._buckets.setdefault((area, place), []).append(index)

    def candidates(self, policy_area: str, prefecture: str, local_government: str = "") -> tuple[CompiledRule, ...]:
        """The rules that may match, in evaluation order."""
        key = (policy_area, prefecture)
        found = self._candidates.get(key)
        if found is None:
            lists = [
                self._buckets.get(bucket, [])
                for bucket in ((policy_area, prefecture), (policy_area, None), (None, prefecture), (None, None))
            ]
            found = tuple(self.rules[index] for index in heapq.merge(*lists))
            self._candidates[key] = found
        place = ("lg", local_government)
        specific = self._buckets.get((policy_area, place)), self._buckets.get((None, place))
        if not any(specific):
            return found
        lg_key = (policy_area, place)
        with_lg = self._candidates.get(lg_key)
        if with_lg is None:
            merged = heapq.merge((rule.order for rule in found), *(bucket for bucket in specific if bucket))
            with_lg = tuple(self.rules[index] for index in merged)
            self._candidates[lg_key] = with_lg
        return with_lg


def compile_rule_set(
    specs: list[RuleSpec], reference: ReferenceSnapshot, *, version: int | None = None, rule_set_id: int | None = None
) -> CompiledRuleSet:
    """Validate (raising ``RuleSetInvalid`` with every error) and index a rule set."""
    errors = validate_rules(specs, reference)
    if errors:
        raise RuleSetInvalid(errors)
    enabled = [spec for spec in ordered(specs) if spec.enabled]
    return CompiledRuleSet(
        rules=tuple(_compile_rule(order, spec, reference) for order, spec in enumerate(enabled)),
        version=version,
        rule_set_id=rule_set_id,
    )
