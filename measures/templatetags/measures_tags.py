"""Measures shown inside other apps' pages: the filing form's panel, the
consultation page's introduced measures and the dashboard's KPI table and
roadmap (template tags, so that those pages' views need not import this app)."""

from django import template

from measures import selectors, services
from measures import windows as window_rules
from routing.models import PolicyArea

register = template.Library()


@register.inclusion_tag("measures/_area_panel.html")
def area_measures(slug):
    slug = str(slug or "")[:64]
    area = PolicyArea.objects.filter(slug=slug).first() if slug else None
    return {
        "panel_area": area,
        "panel_measures": selectors.for_policy_area(area.slug) if area else [],
        "today": window_rules.today(),
    }


@register.inclusion_tag("measures/_consultation_measures.html", takes_context=True)
def consultation_measures(context, consultation):
    """The measures introduced in the answer (the caller authorised the consultation);
    for its offices, the form to choose them among the area's measures."""
    user = context["request"].user
    introduced = selectors.introduced(consultation)
    may_introduce = services.may_introduce(user, consultation)
    choices = []
    if may_introduce:
        choices = selectors.choices(
            policy_area_id=consultation.policy_area_id, chosen=[row.measure for row in introduced]
        )
    return {
        "c": consultation,
        "introduced": introduced,
        "may_introduce": may_introduce,
        "choices": choices,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("measures/_kpis_and_roadmap.html")
def measure_kpis_and_roadmap():
    """The dashboard's KPI table and roadmap timeline, as on the measures' figures page (two queries)."""
    return {"kpis": list(selectors.kpi_table()), "milestones": list(selectors.roadmap())}
