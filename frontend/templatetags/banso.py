"""Template helpers shared by every page: status tags, times in JST, business
time left, and form fields with their errors tied to them (WCAG 3.3.1)."""

from __future__ import annotations

import datetime

from django import forms, template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.i18n import english
from consult import rules
from consult.lifecycle import Status

register = template.Library()

WEEKDAYS_JA = "月火水木金土日"


@register.simple_tag
def status_tag(status: str, merged_into=None):
    """The status in words, with a colour that only repeats what the words say; a
    merged consultation (``merged_into``: the kept one's id) says so beside it. Written
    in Python, not a template: every list row has one."""
    html = format_html(
        '<strong class="status-tag status-tag--{}">{}</strong>', status, _(Status.LABELS.get(status, status))
    )
    if merged_into is not None and merged_into != "":
        html += format_html(' <strong class="status-tag status-tag--merged">{}</strong>', _("統合済み"))
    return html


@register.filter
def jst(value: datetime.datetime | datetime.date | None, style: str = "datetime") -> str:
    """A time as people in Japanese offices read it: 2026年11月26日(木) 15:30."""
    if value is None:
        return "—"
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
        day = value.date()
    else:
        day = value
    if english():
        text = day.strftime("%a %d %b %Y")
    else:
        text = f"{day.year}年{day.month}月{day.day}日({WEEKDAYS_JA[day.weekday()]})"
    if isinstance(value, datetime.datetime) and style == "datetime":
        text += f" {value:%H:%M}"
    return text


@register.filter
def iso(value: datetime.datetime | None) -> str:
    return timezone.localtime(value).isoformat() if value else ""


def business_seconds_left(calendar, due: datetime.datetime, now: datetime.datetime) -> int:
    """Business seconds from ``now`` to ``due`` on ``calendar`` (negative once passed)."""
    return calendar.position(due) - calendar.position(now)


def describe_business_seconds(seconds: int, day_seconds: int) -> str:
    """「残り 1日と3.5時間」 / 「2.0時間超過」 in business time."""
    overdue = seconds < 0
    seconds = abs(seconds)
    days, rest = divmod(seconds, day_seconds)
    hours = round(rest / 3600, 1)
    if days and hours:
        amount = ngettext("%(days)d営業日と%(hours)s時間", "%(days)d営業日と%(hours)s時間", days) % {
            "days": days,
            "hours": hours,
        }
    elif days:
        amount = ngettext("%(days)d営業日", "%(days)d営業日", days) % {"days": days}
    else:
        amount = _("%(hours)s時間") % {"hours": hours}
    return _("%(amount)s超過") % {"amount": amount} if overdue else _("残り%(amount)s") % {"amount": amount}


@register.simple_tag(takes_context=True)
def due(context, consultation, which: str = "first"):
    """A deadline with the business time left, 'overdue' or 'paused' in words
    (overdue as ``consult.rules`` decides it, for this one deadline). Written in
    Python, not a template: every list row has one."""
    from consult.services import calendar_of

    which = rules.FIRST if which == "first" else rules.RESOLUTION
    at = rules.deadline_of(consultation, which)
    answered = which == rules.FIRST and consultation.first_responded_at is not None
    if at is None:
        return format_html('<span class="due">—</span>')
    if answered or consultation.status in Status.FINISHED:
        state, words = "done", ""
    elif not rules.deadline_counts(consultation, which):
        state = "paused"  # awaiting the filer
        words = format_html(' <span class="due__left">{}</span>', _("（相談者の回答待ちのため停止中）"))
    else:
        calendar = calendar_of(consultation)
        now = context.get("now") or timezone.now()
        seconds = business_seconds_left(calendar, at, now)
        passed = rules.passed(at, now)
        if passed:
            seconds = min(seconds, -1)
        left = describe_business_seconds(seconds, calendar.day_seconds)
        # Past the instant itself is overdue, as the figures count it, even when no
        # business time is left between (a deadline at 17:15 seen that evening).
        state = "overdue" if passed else "soon" if seconds <= rules.DUE_SOON_SECONDS else "ok"
        flag = {"overdue": _("期限超過"), "soon": _("期限間近")}.get(state)
        words = (
            format_html(' <strong class="due__flag">{}</strong> <span class="due__left">{}</span>', flag, left)
            if flag
            else format_html(' <span class="due__left">{}</span>', left)
        )
    return format_html(
        '<span class="due due--{}"> <time datetime="{}">{}</time>{} </span>', state, iso(at), jst(at), words
    )


def _describedby(field, hint: str) -> str:
    ids = []
    if hint:
        ids.append(f"{field.auto_id}-hint")
    if field.errors:
        ids.append(f"{field.auto_id}-error")
    return " ".join(ids)


@register.inclusion_tag("frontend/includes/field.html")
def field(bound_field, hint: str = "", label: str = "", wide: bool = False):
    """A form field with its label, hint and error, tied together by ids.
    Radio and checkbox groups become a fieldset with a legend."""
    widget = bound_field.field.widget
    grouped = isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple)
    describedby = _describedby(bound_field, hint)
    attrs = {}
    if describedby and not grouped:
        attrs["aria-describedby"] = describedby
    if bound_field.errors and not grouped:
        attrs["aria-invalid"] = "true"
    return {
        "field": bound_field,
        "hint": hint,
        "label": label or bound_field.label,
        "grouped": grouped,
        "describedby": describedby,
        "checkbox": isinstance(widget, forms.CheckboxInput),
        "widget": bound_field.as_widget(attrs=attrs) if not grouped else "",
        "wide": wide,
    }


@register.inclusion_tag("frontend/includes/error_summary.html")
def error_summary(*forms_):
    """GOV.UK's error summary: every error of the page, each linking to its field."""
    errors = []
    for form in forms_:
        if form is None or not form.is_bound:
            continue
        for message in form.non_field_errors():
            errors.append({"message": message, "anchor": ""})
        for bound in form:
            for message in bound.errors:
                anchor = bound.auto_id
                if isinstance(bound.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                    anchor = f"{bound.auto_id}_0"
                errors.append({"message": f"{bound.label}: {message}", "anchor": anchor})
    return {"errors": errors}
