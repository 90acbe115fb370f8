"""Rules in words, for the secretariat's rules page (plain data in, text out),
in the active language: Japanese msgids with their English in locale/en, names
kept in both languages picked by ``config.i18n.localised``."""

from __future__ import annotations

from django.utils.translation import gettext, pgettext, pgettext_lazy

from config.i18n import localised

from .engine import ReferenceSnapshot
from .engine.types import URGENCY_CHOICES
from .models import LocalGovernmentKind

CONDITION_LABELS = {
    "policy_areas": pgettext_lazy("rule description", "施策分野"),
    "prefectures": pgettext_lazy("rule description", "都道府県"),
    "local_governments": pgettext_lazy("rule description", "団体"),
    "kinds": pgettext_lazy("rule description", "団体の種別"),
    "urgency": pgettext_lazy("rule description", "緊急度"),
    "keywords": pgettext_lazy("rule description", "キーワード"),
    "joint": pgettext_lazy("rule description", "共同相談"),
    "joint_across": pgettext_lazy("rule description", "次の系統で管轄が分かれる共同相談"),
    "pattern": pgettext_lazy("rule description", "本文・件名の正規表現"),
}
ACTION_LABELS = {
    "route_to": pgettext_lazy("rule description", "振り分け先"),
    "collaborators": pgettext_lazy("rule description", "協力部局"),
    "joint_collaborators": pgettext_lazy("rule description", "共同提出団体を管轄する部局の協力"),
    "sla_policy": pgettext_lazy("rule description", "回答期限の方針"),
    "priority": pgettext_lazy("rule description", "優先度"),
}
URGENCY_LABELS = dict(URGENCY_CHOICES)
KIND_LABELS = dict(LocalGovernmentKind.choices)


def _joined(texts) -> str:
    return pgettext("rule description", "、").join(str(text) for text in texts)


def _names(values, table) -> str:
    names = []
    for value in values:
        name = table.get(value, value)
        if isinstance(name, tuple):  # (name_ja, name_en)
            name = localised(*name)
        names.append(name)
    return _joined(names)


def _yes(value) -> str:
    return pgettext("rule description", "はい") if value else pgettext("rule description", "いいえ")


def describe_conditions(conditions: dict, reference: ReferenceSnapshot) -> list[str]:
    """One line per condition; an empty list means 'every consultation'."""
    lines = []
    for key, value in conditions.items():
        if key == "policy_areas":
            text = _names(value, reference.policy_areas)
        elif key == "prefectures":
            text = _names(value, reference.prefectures)
        elif key == "local_governments":
            text = _joined(value)
        elif key == "kinds":
            text = _names(value, KIND_LABELS)
        elif key == "urgency":
            text = _joined(gettext(URGENCY_LABELS[v]) if v in URGENCY_LABELS else v for v in value)
        elif key == "keywords":
            text = _joined(f"「{word}」" for word in value)
        elif key == "joint":
            text = _yes(value)
        elif key == "joint_across":
            system = reference.systems.get(value)
            text = localised(system.name, system.name_en) if system else str(value)
        else:
            text = str(value)
        lines.append(f"{CONDITION_LABELS.get(key, key)}: {text}")
    return lines


def _target(target: dict, reference: ReferenceSnapshot) -> str:
    if "office" in target:
        office = reference.offices.get(target["office"])
        return localised(office.name, office.name_en) if office else target["office"]
    if "branch_of" in target:
        system = reference.systems.get(target["branch_of"])
        name = localised(system.name, system.name_en) if system else target["branch_of"]
        return pgettext("rule description", "管轄する%(name)s") % {"name": name}
    if target.get("triage"):
        return pgettext("rule description", "事務局の振り分け待ち")
    return str(target)


def describe_actions(actions: dict, reference: ReferenceSnapshot) -> list[str]:
    lines = []
    for key, value in actions.items():
        if key == "route_to":
            text = _target(value, reference)
        elif key == "collaborators":
            text = _joined(_target(item, reference) for item in value)
        elif key == "joint_collaborators":
            text = pgettext("rule description", "あり") if value else pgettext("rule description", "なし")
        else:
            text = str(value)
        lines.append(f"{ACTION_LABELS.get(key, key)}: {text}")
    return lines
