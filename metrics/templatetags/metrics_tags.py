"""Figures as the secretariat reads them: one decimal, percentages, signed changes."""

from django import template

from metrics import figures, report

register = template.Library()


@register.filter
def hours(value) -> str:
    """Business hours with one decimal and the unit; a dash alone when there is no figure."""
    return "—" if value is None else f"{value:.1f} h"


@register.filter
def percent(ratio) -> str:
    return "—" if ratio is None else f"{ratio * 100:.1f}%"


@register.filter
def signed(value, unit: str = "") -> str:
    """+3.2 / −1.0 / ±0 with a unit; the sign is written out, never shown by colour alone."""
    if value is None:
        return "—"
    if value == 0:
        return f"±0{unit}"
    text = f"{abs(value):,.1f}" if isinstance(value, float) else f"{abs(value):,}"
    return f"{'+' if value > 0 else '−'}{text}{unit}"


def _value(value, unit: str) -> str:
    if unit == figures.HOURS:
        return hours(value)
    if unit == figures.RATIO:
        return percent(value)
    return "—" if value is None else str(value)


@register.simple_tag
def report_lines(report_figures: dict) -> list[dict]:
    """The monthly report's overall table as the figure registry lists it: each line's
    words, this month, the month before, and the change where the report computes one."""
    lines = []
    for figure in figures.report_lines():
        current, previous = (
            _value(report_figures[period][figure.key], figure.unit) for period in ("overall", "previous")
        )
        if figure.report_with:
            current += f"（{report_figures['overall'][figure.report_with]}）"
            previous += f"（{report_figures['previous'][figure.report_with]}）"
        change = report.CHANGES.get(figure.key)
        lines.append(
            {
                "label": figure.report[1],
                "current": current,
                "previous": previous,
                "change": signed(report_figures["change"][change[0]], change[1]) if change else "—",
            }
        )
    return lines


@register.simple_tag
def report_columns() -> list:
    """The columns of the monthly report's table by ministry (after the name)."""
    return figures.report_columns()


@register.simple_tag
def report_cells(row: dict) -> list[str]:
    return [_value(row[figure.key], figure.unit) for figure in figures.report_columns()]
