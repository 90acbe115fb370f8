"""What every page view shares: who may open a page, and how a service's
refusal becomes a message on the form that caused it."""

from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404


def page_for(*roles: str):
    """A signed-in page for the given roles (all roles when none are given).
    Another role gets 404, as for anything outside a person's visibility."""

    def decorate(view):
        @login_required
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if roles and request.user.role not in roles:
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def add_service_errors(form, error: ValidationError, *, fields: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError on ``form``: each message at its field (renamed
    through ``fields`` where the form calls it differently), the rest at the top."""
    fields = fields or {}
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for name, messages in error.message_dict.items():
        target = fields.get(name, name)
        if target not in form.fields or name == NON_FIELD_ERRORS:
            target = None
        for message in messages:
            form.add_error(target, message)
