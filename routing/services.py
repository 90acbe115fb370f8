"""Writes for routing: drafts and publication of rule sets.

Each service runs in a transaction and leaves a record of who did what (a
published version keeps its publisher, time and note).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from . import engine, selectors
from .models import Rule, RuleSet, RuleSetStatus


@transaction.atomic
def create_draft(*, actor=None, name: str = "", based_on: RuleSet | None = None) -> RuleSet:
    """A new draft holding a copy of ``based_on`` (default: the version in effect now)."""
    based_on = based_on or selectors.rule_set_in_effect()
    draft = RuleSet.objects.create(
        name=name or (f"{based_on.name}（改定案）" if based_on else "振り分け規則"),
        based_on=based_on,
        created_by=actor,
    )
    if based_on is not None:
        Rule.objects.bulk_create(
            Rule(
                rule_set=draft,
                name=rule.name,
                priority=rule.priority,
                enabled=rule.enabled,
                conditions=rule.conditions,
                actions=rule.actions,
                description=rule.description,
            )
            for rule in based_on.rules.all()
        )
    return draft


@transaction.atomic
def add_rules(*, draft: RuleSet, rules: list[dict]) -> list[Rule]:
    """Add rules (dicts of name, priority, conditions, actions, enabled, description) to a draft."""
    if draft.is_published:
        raise engine.RuleSetInvalid([engine.RuleError(draft.name, "status", "公開済みの版は変更できません")])
    return [Rule.objects.create(rule_set=draft, **rule) for rule in rules]


@transaction.atomic
def publish_rule_set(
    *, draft: RuleSet, actor=None, note: str = "", effective_from: datetime.datetime | None = None
) -> RuleSet:
    """Validate the whole draft and publish it as the next version.

    Raises ``engine.RuleSetInvalid`` listing every error (each naming its rule);
    nothing is published then.
    """
    draft = RuleSet.objects.select_for_update().get(pk=draft.pk)
    if draft.is_published:
        raise engine.RuleSetInvalid(
            [engine.RuleError(draft.name, "status", f"既に第{draft.version}版として公開済みです")]
        )
    snapshot = selectors.reference_snapshot()
    errors = engine.validate_rules(selectors.rule_specs(draft), snapshot)
    if errors:
        raise engine.RuleSetInvalid(errors)
    # Versions are numbered under a lock on the published rows, so two
    # publications never take the same number.
    list(RuleSet.objects.select_for_update().filter(status=RuleSetStatus.PUBLISHED).values_list("pk", flat=True))
    latest = RuleSet.objects.filter(status=RuleSetStatus.PUBLISHED).aggregate(latest=Max("version"))["latest"] or 0
    now = timezone.now()
    draft.status = RuleSetStatus.PUBLISHED
    draft.version = latest + 1
    draft.effective_from = effective_from or now
    draft.published_at = now
    draft.published_by = actor
    draft.note = note
    draft.save()
    return draft


def _rule_validation_error(errors: list[engine.RuleError]) -> ValidationError:
    """Per-rule engine errors as a ValidationError keyed by the form's fields."""
    by_field: dict[str, list[str]] = {}
    for error in errors:
        head = error.field.split(".")[0]
        by_field.setdefault(head if head in RULE_FIELDS else NON_FIELD_ERRORS, []).append(
            f"{error.field}: {error.message}" if "." in error.field else error.message
        )
    return ValidationError(by_field)


RULE_FIELDS = ("name", "priority", "enabled", "conditions", "actions", "description")


@transaction.atomic
def save_rule(
    *,
    draft: RuleSet,
    rule: Rule | None = None,
    name: str,
    priority: int,
    enabled: bool = True,
    conditions: dict,
    actions: dict,
    description: str = "",
) -> Rule:
    """Add a rule to a draft or change one of its rules, after validating the rule
    on its own (the whole set is validated again when it is published).
    Raises ValidationError naming the field."""
    draft = RuleSet.objects.select_for_update().get(pk=draft.pk)
    if draft.is_published:
        raise ValidationError(f"{draft} は公開済みのため変更できません")
    name = (name or "").strip()
    spec = engine.RuleSpec(name=name, priority=priority, conditions=conditions, actions=actions, enabled=enabled)
    errors = engine.validate_rules([spec], selectors.reference_snapshot())
    if errors:
        raise _rule_validation_error(errors)
    clash = draft.rules.filter(name=name)
    if rule is not None:
        clash = clash.exclude(pk=rule.pk)
    if clash.exists():
        raise ValidationError({"name": ["同じ名前の規則がこの下書きにあります"]})
    rule = rule if rule is not None else Rule(rule_set=draft)
    if rule.rule_set_id != draft.pk:
        raise ValidationError("この規則は別の規則セットのものです")
    rule.name, rule.priority, rule.enabled = name, priority, enabled
    rule.conditions, rule.actions, rule.description = conditions, actions, description
    rule.save()
    return rule


@transaction.atomic
def delete_rule(*, draft: RuleSet, rule: Rule) -> None:
    draft = RuleSet.objects.select_for_update().get(pk=draft.pk)
    if draft.is_published or rule.rule_set_id != draft.pk:
        raise ValidationError(f"{draft} の規則ではないか、公開済みのため削除できません")
    rule.delete()
