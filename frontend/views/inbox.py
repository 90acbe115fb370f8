"""Pages: the inbox (a person's notifications) and notification preferences.
Reads go through ``notifications.selectors``, writes through ``notifications.services``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors as account_selectors
from notifications import selectors, services
from notifications.kinds import label
from notifications.texts import DEADLINE_NAMES, notification_path

from ..forms.inbox import PreferencesForm
from .common import add_service_errors, page_for

PER_PAGE = 30


def what_happened(notification) -> str:
    """The event in words, as ``notifications.texts.summary`` says it, without the
    consultation (the row links to it separately)."""
    data = notification.data or {}
    parts = [label(notification.kind)]
    if data.get("deadline_kind") in DEADLINE_NAMES:
        parts.append(str(DEADLINE_NAMES[data["deadline_kind"]]))
    if data.get("detail"):
        parts.append(data["detail"])
    return " ".join(parts)


def _row(notification) -> dict:
    data = notification.data or {}
    return {
        "notification": notification,
        "what": what_happened(notification),
        "actor": data.get("actor_name", ""),
        "reference": data.get("reference", ""),
        "title": data.get("title", ""),
        "reason": data.get("reason", ""),
        "path": notification_path(notification),
        "unread": notification.read_at is None,
    }


@page_for()
def inbox(request):
    unread_only = request.GET.get("unread") == "1"
    paginator = Paginator(selectors.inbox(request.user, unread_only=unread_only), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "frontend/inbox/inbox.html",
        {
            "page_obj": page,
            "rows": [_row(n) for n in page.object_list],
            "unread_only": unread_only,
            "query_without_page": "unread=1&" if unread_only else "",
            "back": request.get_full_path(),
        },
    )


def _back_to_inbox(request):
    """Back where the person was (page and filter), never to another site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("inbox")


@page_for()
@require_POST
def mark_read(request, pk: int):
    notification = selectors.access_notification(request.user, pk)
    services.mark_read(user=request.user, notification_ids=[notification.pk])
    if request.htmx:
        # The row in place, and the header's count out of band.
        notification = selectors.access_notification(request.user, pk)
        return render(
            request,
            "frontend/inbox/_row_read.html",
            {"row": _row(notification), "back": request.POST.get("next", "")},
        )
    messages.success(request, _("通知を既読にしました。"))
    return _back_to_inbox(request)


@page_for()
@require_POST
def mark_all_read(request):
    marked = services.mark_read(user=request.user)
    if marked:
        messages.success(request, _("%(count)d件の通知を既読にしました。") % {"count": marked})
    else:
        messages.success(request, _("未読の通知はありません。"))
    return _back_to_inbox(request)


@page_for()
def preferences(request):
    current = selectors.preferences_of(request.user)
    form = PreferencesForm(request.POST or None, user=request.user, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_preferences(user=request.user, choices=form.choices(), language=form.cleaned_data["language"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("通知の設定を保存しました。"))
            return redirect(reverse("notification-preferences"))
    leads_office = account_selectors.offices_led_by(request.user).exists()
    return render(request, "frontend/inbox/preferences.html", {"form": form, "leads_office": leads_office})


urlpatterns: list = [
    path("inbox/", inbox, name="inbox"),
    path("inbox/<int:pk>/read/", mark_read, name="notification-read"),
    path("inbox/read-all/", mark_all_read, name="notifications-read-all"),
    path("inbox/preferences/", preferences, name="notification-preferences"),
]
