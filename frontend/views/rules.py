"""The secretariat's routing-rules pages: the rule set in effect in words, drafts
edited rule by rule with validation, one consultation simulated, a draft
replayed over past consultations, and publication with a note."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from config.i18n import localised
from routing import decisions, engine, selectors, services
from routing.describe import describe_actions, describe_conditions
from routing.models import Rule, RuleSet, RuleSetStatus
from routing.replay import replay_rule_set

from ..forms.rules import PublishForm, RuleForm, SimulateForm
from .common import add_service_errors, page_for

REPLAY_LIMIT = 10_000


def _rows(rule_set: RuleSet) -> list[dict]:
    reference = selectors.reference_snapshot()
    return [
        {
            "rule": rule,
            "conditions": describe_conditions(rule.conditions, reference),
            "actions": describe_actions(rule.actions, reference),
        }
        for rule in rule_set.rules.all()
    ]


def _draft(pk: int) -> RuleSet:
    return get_object_or_404(RuleSet, pk=pk, status=RuleSetStatus.DRAFT)


@page_for(Role.SECRETARIAT)
def rules_index(request):
    if request.method == "POST":
        based_on = request.POST.get("based_on")
        source = get_object_or_404(RuleSet, pk=based_on) if based_on else None
        draft = services.create_draft(actor=request.user, based_on=source)
        messages.success(request, _("下書き「%(name)s」を作りました。") % {"name": draft.name})
        return redirect("routing-rules-draft", pk=draft.pk)
    in_effect = selectors.rule_set_in_effect()
    return render(
        request,
        "frontend/rules/index.html",
        {
            "in_effect": in_effect,
            "rows": _rows(in_effect) if in_effect else [],
            "drafts": RuleSet.objects.filter(status=RuleSetStatus.DRAFT).select_related("created_by"),
            "versions": RuleSet.objects.filter(status=RuleSetStatus.PUBLISHED).select_related("published_by"),
        },
    )


@page_for(Role.SECRETARIAT)
def version_detail(request, pk: int):
    rule_set = get_object_or_404(RuleSet, pk=pk, status=RuleSetStatus.PUBLISHED)
    return render(request, "frontend/rules/version.html", {"rule_set": rule_set, "rows": _rows(rule_set)})


def _draft_page(request, draft: RuleSet, *, status: int = 200, **extra):
    reference = selectors.reference_snapshot()
    areas = [(slug, localised(*names)) for slug, names in reference.policy_areas.items()]
    context = {
        "draft": draft,
        "rows": _rows(draft),
        "problems": engine.validate_rules(selectors.rule_specs(draft), reference),
        "simulate_form": SimulateForm(policy_areas=areas),
        "publish_form": PublishForm(),
        "replay_limit": REPLAY_LIMIT,
    }
    context.update(extra)
    if "simulate_form" in extra:
        extra["simulate_form"].fields["policy_area"].choices = [("", _("選んでください")), *areas]
    return render(request, "frontend/rules/draft.html", context, status=status)


@page_for(Role.SECRETARIAT)
def draft_detail(request, pk: int):
    return _draft_page(request, _draft(pk))


@page_for(Role.SECRETARIAT)
def rule_edit(request, pk: int, rule_pk: int | None = None):
    draft = _draft(pk)
    rule = get_object_or_404(Rule, pk=rule_pk, rule_set=draft) if rule_pk else None
    if request.method == "POST":
        form = RuleForm(request.POST)
        if form.is_valid():
            try:
                services.save_rule(draft=draft, rule=rule, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("規則「%(name)s」を保存しました。") % {"name": form.cleaned_data["name"]})
                return redirect("routing-rules-draft", pk=draft.pk)
        status = 400
    else:
        initial = (
            {field: getattr(rule, field) for field in RuleForm.base_fields}
            if rule
            else {"priority": 100, "enabled": True, "actions": {"route_to": {"triage": True}}}
        )
        form, status = RuleForm(initial=initial), 200
    return render(request, "frontend/rules/rule_form.html", {"draft": draft, "rule": rule, "form": form}, status=status)


@require_POST
@page_for(Role.SECRETARIAT)
def rule_delete(request, pk: int, rule_pk: int):
    draft = _draft(pk)
    rule = get_object_or_404(Rule, pk=rule_pk, rule_set=draft)
    services.delete_rule(draft=draft, rule=rule)
    messages.success(request, _("規則「%(name)s」を削除しました。") % {"name": rule.name})
    return redirect("routing-rules-draft", pk=draft.pk)


@require_POST
@page_for(Role.SECRETARIAT)
def draft_simulate(request, pk: int):
    """The draft's decision for one consultation beside the decision of the version in effect."""
    draft = _draft(pk)
    reference = selectors.reference_snapshot()
    form = SimulateForm(request.POST, policy_areas=[(slug, names[0]) for slug, names in reference.policy_areas.items()])
    if not form.is_valid():
        return _draft_page(request, draft, simulate_form=form, status=400)
    data = form.cleaned_data
    try:
        facts = decisions.consultation_facts(
            local_government=data["local_government"],
            policy_area=data["policy_area"],
            urgency=data["urgency"],
            title=data["title"],
            body=data["body"],
        )
    except decisions.RoutingInputError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        return _draft_page(request, draft, simulate_form=form, status=400)
    try:
        with_draft = decisions.route(facts, rule_set=draft)
    except engine.RuleSetInvalid as exc:
        form.add_error(None, str(exc))
        return _draft_page(request, draft, simulate_form=form, status=400)
    in_effect = decisions.route(facts)
    return _draft_page(request, draft, simulate_form=form, simulation={"draft": with_draft, "in_effect": in_effect})


@require_POST
@page_for(Role.SECRETARIAT)
def draft_replay(request, pk: int):
    draft = _draft(pk)
    try:
        report = replay_rule_set(rule_set=draft, limit=REPLAY_LIMIT)
    except engine.RuleSetInvalid as exc:
        messages.error(request, str(exc))
        return redirect("routing-rules-draft", pk=draft.pk)
    reference = selectors.reference_snapshot()

    def office_name(slug: str) -> str:
        office = reference.offices.get(slug)
        if office is None:
            return _("振り分け待ち（事務局）") if slug == "triage" else slug
        return localised(office.name, office.name_en)

    moves = [
        {
            "from": office_name(old),
            "to": office_name(new),
            "count": count,
            "examples": report.examples.get((old, new), []),
        }
        for (old, new), count in report.moves.most_common()
    ]
    return _draft_page(request, draft, replay={"total": report.total, "changed": report.changed, "moves": moves})


@require_POST
@page_for(Role.SECRETARIAT)
def draft_publish(request, pk: int):
    draft = _draft(pk)
    form = PublishForm(request.POST)
    if not form.is_valid():
        return _draft_page(request, draft, publish_form=form, status=400)
    try:
        published = services.publish_rule_set(
            draft=draft,
            actor=request.user,
            note=form.cleaned_data["note"],
            effective_from=form.cleaned_data["effective_from"],
        )
    except engine.RuleSetInvalid as exc:
        for problem in exc.errors:
            form.add_error(None, str(problem))
        return _draft_page(request, draft, publish_form=form, status=400)
    messages.success(request, _("第%(version)s版として公開しました。") % {"version": published.version})
    return redirect("routing-rules")


urlpatterns = [
    path("routing/rules/", rules_index, name="routing-rules"),
    path("routing/rules/versions/<int:pk>/", version_detail, name="routing-rules-version"),
    path("routing/rules/drafts/<int:pk>/", draft_detail, name="routing-rules-draft"),
    path("routing/rules/drafts/<int:pk>/rules/new/", rule_edit, name="routing-rules-rule-new"),
    path("routing/rules/drafts/<int:pk>/rules/<int:rule_pk>/", rule_edit, name="routing-rules-rule"),
    path("routing/rules/drafts/<int:pk>/rules/<int:rule_pk>/delete/", rule_delete, name="routing-rules-rule-delete"),
    path("routing/rules/drafts/<int:pk>/simulate/", draft_simulate, name="routing-rules-simulate"),
    path("routing/rules/drafts/<int:pk>/replay/", draft_replay, name="routing-rules-replay"),
    path("routing/rules/drafts/<int:pk>/publish/", draft_publish, name="routing-rules-publish"),
]
