"""Page: one consultation, for every party. The conversation, deadlines, routing
explanation and history, and the actions the viewer may take now, each a plain
POST form. Reads go through ``consult.selectors``; writes through ``consult.services``.

Live updates: the region outside the forms polls ``live/`` (htmx), which answers
204 while nothing has changed, so that unsent text in a form is never touched."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role
from accounts.selectors import OFFICE_IDS_ATTRIBUTE, office_ids_of
from config.i18n import localised
from consult import permissions, rules, selectors, services
from consult.lifecycle import IllegalTransition, MergedConsultation, Status
from consult.models import MessageKind
from frontend.forms import consultation as forms
from metrics import history as metrics_history
from routing import selectors as routing_selectors

from .common import add_service_errors, page_for
from .listing import Names

POLL_SECONDS = 10

MESSAGE_KINDS = {
    MessageKind.REPLY: gettext_lazy("返信"),
    MessageKind.NOTE: gettext_lazy("内部メモ"),
    MessageKind.INFO_REQUEST: gettext_lazy("追加情報の依頼"),
    MessageKind.RESOLUTION: gettext_lazy("回答（解決）"),
    MessageKind.COMMENT: gettext_lazy("コメント"),
}

EVENT_KINDS = {
    "filed": gettext_lazy("提出"),
    "measures_introduced": gettext_lazy("紹介した施策の更新"),
    "routed": gettext_lazy("振り分け"),
    "triaged": gettext_lazy("振り分け待ち（事務局へ）"),
    "routed_by_hand": gettext_lazy("事務局による振り分け"),
    "transferred": gettext_lazy("移送"),
    "accepted": gettext_lazy("受付"),
    "info_requested": gettext_lazy("追加情報の依頼"),
    "resumed": gettext_lazy("対応再開"),
    "resolved": gettext_lazy("回答（解決）"),
    "closed": gettext_lazy("完了"),
    "reopened": gettext_lazy("再開"),
    "withdrawn": gettext_lazy("取下げ"),
    "replied": gettext_lazy("返信"),
    "note_added": gettext_lazy("内部メモ"),
    "attachment_added": gettext_lazy("ファイル添付"),
    "collaborator_invited": gettext_lazy("協力依頼"),
    "assigned": gettext_lazy("担当者の割当"),
    "ping_pong_flagged": gettext_lazy("移送の往復を検知"),
    "due_soon": gettext_lazy("期限前のお知らせ"),
    "overdue": gettext_lazy("期限超過"),
    "escalated": gettext_lazy("期限超過の継続（エスカレーション）"),
    "awaiting_filer_reminder": gettext_lazy("追加情報の回答待ちのお知らせ"),
    "rated": gettext_lazy("満足度の評価"),
    "library_proposed": gettext_lazy("回答事例として提案"),
    "library_published": gettext_lazy("回答事例の公開"),
    "library_withdrawn": gettext_lazy("回答事例の公開終了"),
    "library_consent_set": gettext_lazy("回答事例集での団体名の表示の回答"),
    "merged_into": gettext_lazy("ほかの相談に統合"),
    "absorbed": gettext_lazy("重複する相談を統合"),
    "unmerged": gettext_lazy("統合の解除"),
    "released": gettext_lazy("統合していた相談の解除"),
}
# Merge events: the data key naming the other consultation (linked in the history).
OTHER_CONSULTATION = {"merged_into": "into", "absorbed": "merged", "unmerged": "from", "released": "merged"}

SUCCESS = {
    "accept": gettext_lazy("相談を受け付けました。"),
    "resume": gettext_lazy("対応を再開しました。"),
    "request_info": gettext_lazy("追加情報を依頼しました。相談者の回答を待つ間、期限は止まります。"),
    "resolve": gettext_lazy("回答（解決）として登録しました。"),
    "confirm": gettext_lazy("完了を確認しました。"),
    "rate": gettext_lazy("満足度を登録しました。ありがとうございました。"),
    "reopen": gettext_lazy("相談を再開しました。"),
    "withdraw": gettext_lazy("相談を取り下げました。"),
    "reply": gettext_lazy("返信を送信しました。"),
    "note": gettext_lazy("内部メモを追加しました。"),
    "invite": gettext_lazy("協力部局に依頼しました。"),
    "unmerge": gettext_lazy("統合を解除しました。この相談で再び対応できます。"),
}


def _access(request, pk: int):
    """The consultation (404 outside visibility). A liaison's offices are read
    once and kept on the user for the request, as API authentication does."""
    user = request.user
    if user.role == Role.LIAISON and getattr(user, OFFICE_IDS_ATTRIBUTE, None) is None:
        setattr(user, OFFICE_IDS_ATTRIBUTE, office_ids_of(user))
    return selectors.access_consultation(user, pk)


def version_of(consultation) -> int:
    """The change marker the live region polls with (microseconds since the epoch)."""
    return int(consultation.updated_at.timestamp() * 1_000_000)


def _status_label(status: str) -> str:
    return _(Status.LABELS.get(status, status)) if status else ""


def _organisation(author, office_id, names, maps) -> str:
    """On whose behalf a message was written: the office, the local government or the secretariat."""
    if office_id:
        return names.office(office_id)
    if author.role == Role.STAFF:
        local_government = maps.local_governments.get(author.local_government_id)
        return local_government["name"] if local_government else ""
    if author.role == Role.SECRETARIAT:
        return _("事務局")
    return ""


def _view_data(request, consultation) -> dict:
    """Everything the live region shows, read in a fixed number of queries."""
    user = request.user
    maps = routing_selectors.reference_maps()
    conversation, attachments = selectors.conversation(user, consultation)
    events = list(selectors.visible_events(user, consultation))
    names = Names()
    filed_by = next((e.actor for e in events if e.kind == "filed"), None)
    for message in conversation:
        message.kind_label = MESSAGE_KINDS.get(message.kind, message.kind)
        message.organisation = _organisation(message.author, message.author_office_id, names, maps)
    explanation = localised(consultation.routing_explanation, consultation.routing_explanation_en)
    for event in events:
        event.kind_label = EVENT_KINDS.get(event.kind, event.kind)
        if event.kind == "attachment_added" and not event.reason:
            event.reason = (event.data or {}).get("name", "")
        if event.kind == "routed" and event.reason == consultation.routing_explanation:
            event.reason = explanation
        event.from_status_label = _status_label(event.from_status)
        event.to_status_label = _status_label(event.to_status)
        event.from_office_name = names.office(event.from_office_id)
        event.to_office_name = names.office(event.to_office_id)
        if event.kind in OTHER_CONSULTATION:
            event.other_id = (event.data or {}).get(OTHER_CONSULTATION[event.kind])
            event.other_reference = (event.data or {}).get("other_reference", "")
    return {
        "c": consultation,
        "status_label": _status_label(consultation.status),
        "now": timezone.now(),
        "filer": maps.local_governments.get(consultation.filer_id),
        "filed_by": filed_by,
        "co_filers": [maps.local_governments.get(code) for code in consultation.co_filer_codes],
        "primary_office": names.office(consultation.primary_office_id),
        "collaborators": [names.office(pk) for pk in consultation.collaborator_office_ids],
        "policy_area": names.policy_area(consultation.policy_area_id),
        "explanation": explanation,
        "conversation": conversation,
        "filing_attachments": [a for a in attachments if a.message_id is None],
        "attachment_count": len(attachments),
        "events": events,
        "version": version_of(consultation),
        "poll_seconds": POLL_SECONDS,
    }


def _office_choices(consultation, action: str, offices) -> list:
    exclude = {consultation.primary_office_id}
    if action == "invite":
        exclude.update(consultation.collaborator_office_ids)
    return forms.office_choices(offices, exclude=exclude)


def _chosen_template(request, templates):
    """The usable template the reply form was asked to start from (``?template=``), if any."""
    try:
        wanted = int(request.GET.get("template", ""))
    except ValueError:
        return None
    return next((template for template in templates if template.pk == wanted), None)


def _blank_forms(consultation, actions, bound: dict, *, reply_initial=None) -> dict:
    """A form for each available action (the bound one that failed, if any)."""
    offices = None
    result = {}
    for action in actions:
        if action in bound:
            result[action] = bound[action]
            continue
        if action == "reply" and reply_initial:
            result[action] = forms.ReplyForm(initial=reply_initial)
            continue
        form_class = forms.FORMS[action]
        if issubclass(form_class, forms.OfficeForm):
            if offices is None:
                offices = routing_selectors.office_options()
            result[action] = form_class(choices=_office_choices(consultation, action, offices))
        else:
            result[action] = form_class()
    return result


def _holdings(user, consultation, events, now) -> list:
    """The business hours each office held it, for the offices and the secretariat
    (not the filer side: it is how the desk judges its own offices)."""
    if user.role not in (Role.LIAISON, Role.SECRETARIAT):
        return []
    maps = routing_selectors.reference_maps()
    return [
        {"office_name": maps.office_name(held.office), "started_at": held.started_at, "ended_at": held.ended_at,
         "hours": held.hours}
        for held in metrics_history.held_by_office(consultation, events, now=now)
    ]  # fmt: skip


def _standing(user, consultation, action: str = "") -> set[str]:
    """The viewer's standing for ``action``: toward the kept consultation for a merged
    one (only ``unmerge`` is left) and for unmerging, else toward this one."""
    if consultation.merged_into_id is not None or action == "unmerge":
        return permissions.kept_standing(user, consultation)
    return services.parties(user, consultation)


def _actions(user, consultation) -> list[str]:
    if consultation.merged_into_id is not None:
        return rules.allowed_actions(set(), consultation.status, kept_standing=_standing(user, consultation))
    return rules.allowed_actions(_standing(user, consultation), consultation.status)


def _render(request, consultation, *, bound=None, status=200, problem=""):
    bound = bound or {}
    standing = services.parties(request.user, consultation)
    actions = _actions(request.user, consultation)
    templates = selectors.templates_for(request.user, consultation) if "reply" in actions else []
    chosen = _chosen_template(request, templates)
    reply_initial = None
    if chosen is not None:
        body = selectors.rendered_template(request.user, consultation, chosen)
        reply_initial = {"body": body, "template": chosen.pk}
    action_forms = _blank_forms(consultation, actions, bound, reply_initial=reply_initial)
    context = _view_data(request, consultation)
    context.update(
        {
            "holdings": _holdings(request.user, consultation, context["events"], context["now"]),
            "actions": actions,
            "forms": action_forms,
            "failed": next(iter(bound), ""),
            "error_forms": [form for form in bound.values() if form.errors],
            "problem": problem,
            "shown_status": consultation.status,
            "viewer_is_filer": "filer" in standing,
            "reply_templates": templates,
            "chosen_template": chosen,
        }
    )
    return render(request, "frontend/consultation/page.html", context, status=status)


@page_for()
@require_GET
def consultation_page(request, pk: int):
    consultation = _access(request, pk)
    return _render(request, consultation)


@page_for()
@require_GET
def live(request, pk: int):
    """The live region, or 204 when nothing changed since the page's version."""
    consultation = _access(request, pk)
    try:
        since = int(request.GET.get("since", ""))
    except ValueError:
        since = None
    if since is not None and version_of(consultation) <= since:
        return HttpResponse(status=204)
    context = _view_data(request, consultation)
    shown = request.GET.get("shown", "")
    context["shown_status"] = shown if shown in Status.LABELS else consultation.status
    context["announce"] = True
    return render(request, "frontend/consultation/live.html", context)


@page_for()
@require_GET
def attachment(request, pk: int, attachment_pk: int):
    """An attachment as a download (never displayed inline), as the API serves it."""
    item = selectors.access_attachment(request.user, pk, attachment_pk)
    response = FileResponse(item.file.open("rb"), as_attachment=True, filename=item.name)
    response["Content-Type"] = item.content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _perform(request, consultation, action: str, form):
    user, data = request.user, form.cleaned_data
    if action in ("reply", "note"):
        uploads = [services.Upload(name=f.name, content=f) for f in data["attachments"]]  # spooled, never read whole
        return services.post_message(
            actor=user,
            consultation=consultation,
            body=data["body"],
            internal=action == "note",
            attachments=uploads,
            template_id=data.get("template"),
        )
    if action == "transfer":
        return services.transfer(actor=user, consultation=consultation, office=data["office"], reason=data["reason"])
    if action == "invite":
        return services.invite_collaborator(actor=user, consultation=consultation, office=data["office"])
    if action == "merge":
        try:
            into = selectors.access_by_reference(user, data["into"])
        except Http404:
            raise ValidationError(
                {"into": [_("受付番号 %(reference)s の相談は見つかりません") % {"reference": data["into"]}]}
            ) from None
        return services.merge(actor=user, consultation=consultation, into=into, reason=data["reason"])
    if action == "unmerge":
        return services.unmerge(actor=user, consultation=consultation, reason=data["reason"])
    if action == "rate":
        return services.rate(actor=user, consultation=consultation, rating=data["rating"], comment=data["comment"])
    return services.transition(actor=user, consultation=consultation, action=action, comment=data.get("comment", ""))


def _success_message(action: str, consultation, form) -> str:
    if action == "transfer":
        office = routing_selectors.reference_maps().offices.get(consultation.primary_office_id)
        return _("移送しました（移送先: %(office)s）。") % {"office": office.name if office else ""}
    if action == "merge":
        return _("この相談を %(reference)s に統合しました。") % {"reference": form.cleaned_data["into"].strip().upper()}
    return str(SUCCESS[action])


@page_for()
@require_POST
def act(request, pk: int, action: str):
    consultation = _access(request, pk)
    form_class = forms.FORMS.get(action)
    if form_class is None:
        raise Http404
    # Merging is decided by the actor's standing toward the consultation kept (the service's check).
    if action != "merge" and not rules.may(_standing(request.user, consultation, action), action):
        return _render(request, consultation, status=403, problem=_("この操作を行う権限がありません。"))
    kwargs = {}
    if issubclass(form_class, forms.OfficeForm):
        kwargs["choices"] = _office_choices(consultation, action, routing_selectors.office_options())
    form = form_class(request.POST, request.FILES, **kwargs)
    if not form.is_valid():
        return _render(request, consultation, bound={action: form}, status=400)
    try:
        result = _perform(request, consultation, action, form)
    except ValidationError as error:
        add_service_errors(
            form, error, fields={"comment": "comment", "body": "body", "into": "into", "reason": "reason"}
        )
        return _render(request, consultation, bound={action: form}, status=400)
    except MergedConsultation as refused:
        return _render(request, _access(request, pk), status=409, problem=str(refused))
    except IllegalTransition:
        # Someone acted first: show the consultation as it is now.
        current = _access(request, pk)
        problem = _(
            "この操作はできませんでした。ほかの人が先に操作したため、相談の状態は現在「%(status)s」です。"
            "最新の内容を確認してください。"
        ) % {"status": _status_label(current.status)}
        return _render(request, current, status=409, problem=problem)
    except PermissionDenied:
        return _render(request, consultation, status=403, problem=_("この操作を行う権限がありません。"))
    messages.success(request, _success_message(action, result.consultation, form))
    for error in result.attachment_errors:
        messages.warning(request, _("添付できなかったファイルがあります: %(error)s") % {"error": error})
    return redirect("consultation", pk=consultation.pk)


urlpatterns: list = [
    path("consultations/<int:pk>/", consultation_page, name="consultation"),
    path("consultations/<int:pk>/live/", live, name="consultation-live"),
    path(
        "consultations/<int:pk>/attachments/<int:attachment_pk>/",
        attachment,
        name="consultation-attachment",
    ),
    path("consultations/<int:pk>/actions/<slug:action>/", act, name="consultation-action"),
]
