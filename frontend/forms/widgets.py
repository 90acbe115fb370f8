"""Widgets for long lists of choices."""

from __future__ import annotations

from html import escape

from django import forms
from django.utils.choices import BaseChoiceIterator, normalize_choices
from django.utils.safestring import mark_safe


def _attributes(attrs: dict) -> str:
    """HTML attributes as Django's attrs.html writes them: True alone, False left out."""
    return "".join(
        f" {escape(str(name))}" if value is True else f' {escape(str(name))}="{escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


class LongSelect(forms.Select):
    """A select written in plain Python instead of one template per option. Every office
    (about 140) is offered on each triage row and twice on a liaison's consultation page,
    where a template per option cost most of the page's time. Same markup and selection
    as Django's select (the first option with the value is selected); the texts are
    escaped as templates escape them."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        parts = [f'<select name="{escape(name)}"{_attributes(self.build_attrs(self.attrs, attrs))}>']
        selected_once = False

        def option(option_value, label) -> str:
            nonlocal selected_once
            text = "" if option_value is None else str(option_value)
            selected = not selected_once and text in chosen
            selected_once = selected_once or selected
            return f'<option value="{escape(text)}"{" selected" if selected else ""}>{escape(str(label))}</option>'

        for group_value, group_label in self.choices:
            if isinstance(group_label, (list, tuple)):
                parts.append(f'<optgroup label="{escape(str(group_value))}">')
                parts.extend(option(v, label) for v, label in group_label)
                parts.append("</optgroup>")
            else:
                parts.append(option(group_value, group_label))
        parts.append("</select>")
        return mark_safe("\n".join(parts))  # noqa: S308 — every text above is escaped


class PreparedChoices(BaseChoiceIterator):
    """Choices normalised once for the many forms of one page: Django normalises a
    plain list again for each form, which for every office on every triage row cost
    as much as rendering them."""

    def __init__(self, choices):
        self.choices = normalize_choices(choices)

    def __iter__(self):
        return iter(self.choices)
