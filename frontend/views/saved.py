"""Pages: saving the queue's current filter and sort as a view (private or shared
with an office), and deleting one. The views themselves are listed, with their
counts, in the queue's navigation (frontend.views.queue)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import office_ids_of
from frontend import saved_views

from .common import page_for

SAVE_FORM_KEY = "banso_saved_view_form"


def _back(request) -> str:
    # Back to the queue with the same filters, re-encoded so that only a query string comes through.
    query = QueryDict(request.POST.get("query", "")).urlencode()
    return reverse("queue") + (f"?{query}" if query else "")


@page_for("liaison")
@require_POST
def save(request):
    """Save the queue's current parameters (``query``) under a name, for oneself or an office."""
    user = request.user
    raw_office = request.POST.get("share", "")
    try:
        office_id = int(raw_office) if raw_office else None
    except ValueError:
        office_id = -1  # refused by the service as an office the person is not in
    try:
        view = saved_views.save_view(
            actor=user,
            name=request.POST.get("name", ""),
            params=QueryDict(request.POST.get("query", "")),
            office_id=office_id,
        )
    except ValidationError as error:
        request.session[SAVE_FORM_KEY] = {
            "name": request.POST.get("name", "")[: saved_views.MAX_NAME],
            "share": raw_office if office_id in office_ids_of(user) else "",
            "errors": error.messages,
        }
        return redirect(_back(request))
    messages.success(request, _("ビュー「%(name)s」を保存しました。") % {"name": view.name})
    return redirect(saved_views.url_of(view))


@page_for("liaison")
@require_POST
def delete(request, pk: int):
    view = saved_views.access_view(request.user, pk)
    try:
        saved_views.delete_view(actor=request.user, view=view)
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("ビュー「%(name)s」を削除しました。") % {"name": view.name})
    return redirect(_back(request))


urlpatterns: list = [
    path("queue/views/", save, name="saved-view-save"),
    path("queue/views/<int:pk>/delete/", delete, name="saved-view-delete"),
]
