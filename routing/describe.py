"""Rules in words, for the secretariat's rules page (pure: plain data in, text out)."""

from __future__ import annotations

from .engine import ReferenceSnapshot

URGENCY_JA = {"normal": "通常", "urgent": "緊急"}
KIND_JA = {
    "prefecture": "都道府県",
    "city": "市",
    "town": "町",
    "village": "村",
    "special_ward": "特別区",
}


def _names(values, table, english: bool) -> str:
    names = []
    for value in values:
        name = table.get(value, value)
        if isinstance(name, tuple):  # (name_ja, name_en)
            name = name[1] if english else name[0]
        names.append(str(name))
    return ("; " if english else "、").join(names)


def describe_conditions(conditions: dict, reference: ReferenceSnapshot, *, english: bool = False) -> list[str]:
    """One line per condition; an empty list means 'every consultation'."""
    labels = (
        {"policy_areas": "Policy area", "prefectures": "Prefecture", "local_governments": "Local government",
         "kinds": "Kind of local government", "urgency": "Urgency", "keywords": "Keywords", "joint": "Joint",
         "joint_across": "Joint across branch offices of", "pattern": "Text matches"}
        if english
        else {"policy_areas": "施策分野", "prefectures": "都道府県", "local_governments": "団体",
              "kinds": "団体の種別", "urgency": "緊急度", "keywords": "キーワード", "joint": "共同相談",
              "joint_across": "次の系統で管轄が分かれる共同相談", "pattern": "本文・件名の正規表現"}
    )  # fmt: skip
    lines = []
    for key, value in conditions.items():
        if key == "policy_areas":
            text = _names(value, reference.policy_areas, english)
        elif key == "prefectures":
            text = _names(value, reference.prefectures, english)
        elif key == "local_governments":
            text = ("; " if english else "、").join(value)
        elif key == "kinds":
            text = _names(value, {} if english else KIND_JA, english)
        elif key == "urgency":
            text = _names(value, {} if english else URGENCY_JA, english)
        elif key == "keywords":
            text = ("; " if english else "、").join(f"「{word}」" for word in value)
        elif key == "joint":
            text = ("yes" if value else "no") if english else ("はい" if value else "いいえ")
        elif key == "joint_across":
            system = reference.systems.get(value)
            text = (system.name_en if english else system.name) if system else str(value)
        else:
            text = str(value)
        lines.append(f"{labels.get(key, key)}: {text}")
    return lines


def _target(target: dict, reference: ReferenceSnapshot, english: bool) -> str:
    if "office" in target:
        office = reference.offices.get(target["office"])
        return (office.name_en if english else office.name) if office else target["office"]
    if "branch_of" in target:
        system = reference.systems.get(target["branch_of"])
        name = (system.name_en if english else system.name) if system else target["branch_of"]
        return f"the {name} office whose jurisdiction covers the filer" if english else f"管轄する{name}"
    if target.get("triage"):
        return "the secretariat's triage" if english else "事務局の振り分け待ち"
    return str(target)


def describe_actions(actions: dict, reference: ReferenceSnapshot, *, english: bool = False) -> list[str]:
    lines = []
    for key, value in actions.items():
        if key == "route_to":
            lines.append(("Route to: " if english else "振り分け先: ") + _target(value, reference, english))
        elif key == "collaborators":
            targets = ("; " if english else "、").join(_target(item, reference, english) for item in value)
            lines.append(("Collaborators: " if english else "協力部局: ") + targets)
        elif key == "joint_collaborators":
            if english:
                lines.append("Co-filers' own branch offices collaborate: " + ("yes" if value else "no"))
            else:
                lines.append("共同提出団体を管轄する部局の協力: " + ("あり" if value else "なし"))
        elif key == "sla_policy":
            lines.append(("Response targets: " if english else "回答期限の方針: ") + str(value))
        elif key == "priority":
            lines.append(("Priority: " if english else "優先度: ") + str(value))
        else:
            lines.append(f"{key}: {value}")
    return lines
