"""Figures as the secretariat reads them: one decimal, percentages, signed changes."""

from django import template

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
