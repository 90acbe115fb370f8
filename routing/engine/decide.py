"""Route one consultation: the primary office (or triage), collaborators, the
SLA policy, the deciding rule, and why — in Japanese and English."""

from __future__ import annotations

from .rules import CompiledRule, CompiledRuleSet, fold
from .types import ConsultationFacts, Decision, FilerFacts, OfficeInfo, ReferenceSnapshot, RuleRef


class _Text:
    """The folded title and body, computed only if a rule needs them."""

    __slots__ = ("_facts", "_folded")

    def __init__(self, facts: ConsultationFacts):
        self._facts = facts
        self._folded: str | None = None

    @property
    def folded(self) -> str:
        if self._folded is None:
            self._folded = fold(f"{self._facts.title}\n{self._facts.body}")
        return self._folded

    @property
    def raw(self) -> str:
        return f"{self._facts.title}\n{self._facts.body}"


def _reasons(
    rule: CompiledRule, facts: ConsultationFacts, text: _Text, reference: ReferenceSnapshot
) -> list[tuple[str, str]]:
    """The (ja, en) descriptions of the conditions of a rule that matched."""
    filer = facts.filer
    reasons: list[tuple[str, str]] = []
    if rule.policy_areas is not None:
        name_ja, name_en = reference.policy_areas.get(facts.policy_area, (facts.policy_area, facts.policy_area))
        reasons.append((f"施策分野が「{name_ja}」", f"policy area is “{name_en}”"))
    if rule.local_governments is not None:
        reasons.append((f"提出団体が{filer.name}", f"filer is {filer.name} ({filer.code})"))
    elif rule.prefectures is not None:
        reasons.append(
            (f"提出団体が{filer.prefecture_name}内", f"filer is in {filer.prefecture_name_en or filer.prefecture_name}")
        )
    if rule.kinds is not None:
        reasons.append((f"団体の種別が{filer.kind}", f"filer kind is {filer.kind}"))
    if rule.urgency is not None:
        reasons.append((f"緊急度が{facts.urgency}", f"urgency is {facts.urgency}"))
    if rule.joint is not None:
        reasons.append(("共同提出あり", "joint filing") if rule.joint else ("単独提出", "single filer"))
    if rule.joint_across is not None:
        reasons.append(("共同提出団体が別の管轄", "co-filers fall under another office"))
    if rule.keywords:
        found = next(keyword for keyword in rule.keywords if keyword in text.folded)
        reasons.append((f"件名・本文に「{found}」", f"title or body contains “{found}”"))
    if rule.pattern is not None:
        reasons.append(("件名・本文がパターンに一致", "title or body matches the pattern"))
    return reasons or [("無条件", "always")]


def _resolve(target: tuple[str, str], filer: FilerFacts, reference: ReferenceSnapshot):
    """(office or None, (ja, en) note of the jurisdiction step or the failure)."""
    kind, value = target
    if kind == "office":
        office = reference.offices.get(value)
        if office is None:
            return None, (f"部局 {value} が現在ありません", f"office {value} does not exist now")
        return office, None
    system = reference.systems.get(value)
    office = reference.office_for(value, filer)
    system_name = system.name if system else value
    if office is None:
        return None, (
            f"{filer.prefecture_name}を管轄する{system_name}が見つかりません",
            f"no {system.name_en if system else value} covers {filer.prefecture_name_en or filer.prefecture_name}",
        )
    if (value, filer.code) in reference.overrides:
        return office, (f"{filer.name}は{office.name}の管轄", f"{filer.name} is under {office.name} ({office.name_en})")
    return office, (
        f"{filer.prefecture_name}は{office.name}の管轄",
        f"{filer.prefecture_name_en or filer.prefecture_name} is under {office.name} ({office.name_en})",
    )


def decide(facts: ConsultationFacts, rules: CompiledRuleSet, reference: ReferenceSnapshot) -> Decision:
    """Route ``facts``. Never raises on a valid consultation: what cannot be
    routed goes to triage with the reason."""
    text = _Text(facts)
    primary: OfficeInfo | None = None
    deciding: CompiledRule | None = None
    steps: list[tuple[str, str]] = []
    collaborators: dict[str, OfficeInfo] = {}
    sla_policy: str | None = None
    priority: str | None = None
    matched: list[str] = []
    triage_reason = ""
    decided = False

    if facts.policy_area not in reference.policy_areas:
        triage_reason = f"unknown policy area {facts.policy_area!r}"
    # The index has already matched policy area, prefecture and local
    # government; only each rule's remaining conditions are checked here.
    folded = text.folded
    for rule in rules.candidates(facts.policy_area, facts.filer.prefecture, facts.filer.code):
        residual = rule.residual
        if residual is not None and not residual(facts, folded, reference):
            continue
        matched.append(rule.spec.name)
        if sla_policy is None and rule.sla_policy:
            sla_policy = rule.sla_policy
        if priority is None and rule.priority:
            priority = rule.priority
        if not decided and rule.route_to is not None:
            if rule.route_to[0] == "triage":
                decided, deciding = True, rule
                triage_reason = "the rule sends it to the secretariat"
            else:
                office, note = _resolve(rule.route_to, facts.filer, reference)
                if note:
                    steps.append(note)
                if office is not None:
                    decided, deciding, primary = True, rule, office
        for target in rule.collaborators:
            office, note = _resolve(target, facts.filer, reference)
            if office is not None:
                collaborators.setdefault(office.slug, office)
                if note and target[0] == "branch_of":
                    steps.append(note)

    # Joint consultations: co-filers under other branch offices bring those offices in.
    if (
        primary is not None
        and deciding is not None
        and deciding.joint_collaborators
        and deciding.route_to[0] == "branch_of"
    ):
        system = deciding.route_to[1]
        for other in facts.co_filers:
            office = reference.office_for(system, other)
            if office is not None and office.slug != primary.slug and office.slug not in collaborators:
                collaborators[office.slug] = office
                steps.append(
                    (
                        f"共同提出団体の{other.name}は{office.name}の管轄（協力部局）",
                        f"co-filer {other.name} is under {office.name} ({office.name_en}), a collaborating office",
                    )
                )
    if primary is not None:
        collaborators.pop(primary.slug, None)
    if not decided and not triage_reason:
        triage_reason = "no rule matched"

    rule_ref = RuleRef(deciding.spec.id, deciding.spec.name, rules.version) if deciding else None
    final_triage_reason = "" if primary else triage_reason

    def explain() -> tuple[str, str]:
        # Built on first use: replaying thousands of decisions needs no prose.
        reasons = _reasons(deciding, facts, text, reference) if deciding else []
        return _explain(primary, tuple(collaborators.values()), rule_ref, reasons, steps, triage_reason)

    return Decision(
        primary_office=primary,
        collaborators=tuple(collaborators.values()),
        sla_policy=sla_policy or reference.default_sla_policy,
        priority=priority or "normal",
        rule=rule_ref,
        rule_set_version=rules.version,
        matched_rules=tuple(matched),
        triage_reason=final_triage_reason,
        explainer=explain,
    )


def _explain(primary, collaborators, rule, reasons, steps, triage_reason) -> tuple[str, str]:
    version_ja = f"（第{rule.version}版）" if rule and rule.version else ""
    version_en = f" (version {rule.version})" if rule and rule.version else ""
    ja: list[str] = []
    en: list[str] = []
    if rule is not None:
        ja.append(f"規則「{rule.name}」{version_ja}により振り分けました。")
        en.append(f"Routed by rule “{rule.name}”{version_en}.")
        ja.append("一致した条件: " + "、".join(r[0] for r in reasons) + "。")
        en.append("Matched: " + "; ".join(r[1] for r in reasons) + ".")
    for step_ja, step_en in steps:
        ja.append(step_ja + "。")
        en.append(step_en + ".")
    if primary is not None:
        ja.append(f"担当: {primary.name}。")
        en.append(f"Primary office: {primary.name} ({primary.name_en}).")
    else:
        reason_ja = {
            "no rule matched": "一致する規則がないため",
            "the rule sends it to the secretariat": "規則により",
        }.get(triage_reason, f"振り分けできないため（{triage_reason}）")
        ja.append(f"{reason_ja}事務局が振り分けます（トリアージ）。")
        en.append(f"The secretariat routes it by hand (triage): {triage_reason}.")
    if collaborators:
        ja.append("協力部局: " + "、".join(office.name for office in collaborators) + "。")
        en.append(
            "Collaborating offices: " + ", ".join(office.name_en or office.name for office in collaborators) + "."
        )
    return "".join(ja), " ".join(en)
