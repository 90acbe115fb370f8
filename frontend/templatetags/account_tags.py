"""Template helpers for the sign-in, password and two-factor pages (allauth's
forms in Banso's style): a field with its label, hint and errors tied to it, and
the error summary. A form-wide error (wrong e-mail or password, too many tries)
can be shown at one field too, as GOV.UK does on sign-in pages."""

from __future__ import annotations

from django import forms, template
from django.utils.html import strip_tags

register = template.Library()

HIDDEN = (forms.HiddenInput, forms.MultipleHiddenInput)


@register.inclusion_tag("allauth/elements/_field_row.html")
def account_field(bound, form_errors=None, show_hint: bool = True):
    """``form_errors``: the form's non-field errors, to repeat at this field.
    ``show_hint=False`` drops allauth's help (the page gives it elsewhere)."""
    widget = bound.field.widget
    # Labels are always shown; a placeholder repeating the label only adds noise.
    widget.attrs.pop("placeholder", None)
    errors = [*bound.errors, *(form_errors or [])]
    hint = (bound.help_text or "") if show_hint else ""
    ids = []
    if hint:
        ids.append(f"{bound.auto_id}-hint")
    if errors:
        ids.append(f"{bound.auto_id}-error")
    attrs = {}
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    if errors:
        attrs["aria-invalid"] = "true"
    checkbox = isinstance(widget, forms.CheckboxInput)
    return {
        "field": bound,
        "label": bound.label,
        "hint": hint,
        # Validators' help comes as an HTML list; short hints are plain text.
        "hint_is_list": "<li" in str(hint),
        "errors": errors,
        "checkbox": checkbox,
        "widget": bound.as_widget(attrs=attrs),
    }


@register.filter
def visible_fields(form):
    return [] if form is None else [b for b in form if not isinstance(b.field.widget, HIDDEN)]


@register.filter
def hidden_fields(form):
    return [] if form is None else [b for b in form if isinstance(b.field.widget, HIDDEN)]


@register.inclusion_tag("frontend/includes/error_summary.html")
def account_error_summary(form, form_errors_at: str = ""):
    """The GOV.UK error summary of an allauth form. Form-wide errors link to the
    field named by ``form_errors_at`` (where the page repeats them)."""
    errors = []
    if form is None or not form.is_bound:
        return {"errors": errors}
    anchor = form[form_errors_at].auto_id if form_errors_at and form_errors_at in form.fields else ""
    for message in form.non_field_errors():
        errors.append({"message": strip_tags(message), "anchor": anchor})
    for bound in form:
        for message in bound.errors:
            errors.append({"message": f"{bound.label}: {message}", "anchor": bound.auto_id})
    return {"errors": errors}


@register.filter
def button_classes(tags) -> str:
    """Banso's button classes for allauth's button tags."""
    tags = set(tags or ())
    if "danger" in tags:
        return "button button--warning"
    if tags & {"secondary", "outline", "cancel", "link"}:
        return "button button--secondary"
    return "button"
