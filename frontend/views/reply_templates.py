"""Pages: reply templates (返信テンプレート) for their owners: the list (with the
secretariat's, which everyone who answers may use), new, edit and delete.
Reads through ``consult.selectors``; writes through ``consult.services``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Role
from config.i18n import localised
from consult import reply_templates, selectors, services
from consult.models import TemplateScope
from consult.reply_templates import EDIT, Owner
from frontend.forms.reply_templates import NewReplyTemplateForm, ReplyTemplateForm
from routing import selectors as routing_selectors
from routing.models import Ministry

from .common import add_service_errors, page_for

ANSWERING = (Role.LIAISON, Role.SECRETARIAT)


def owner_label(owner: Owner, ministries: dict[int, str]) -> str:
    """「関東農政局」「農林水産省（府省庁内で共有）」「事務局（全体で共有）」."""
    if owner.scope == TemplateScope.OFFICE:
        return routing_selectors.reference_maps().office_name(owner.office_id)
    if owner.scope == TemplateScope.MINISTRY:
        return _("%(ministry)s（府省庁内で共有）") % {"ministry": ministries.get(owner.ministry_id, "")}
    return _("事務局（全体で共有）")


def _ministry_names(ids) -> dict[int, str]:
    return {pk: localised(name, name_en) for pk, name, name_en in
            Ministry.objects.filter(pk__in=set(ids)).values_list("pk", "name", "name_en")}  # fmt: skip


def _owner_of(template) -> Owner:
    return Owner(template.scope, office_id=template.office_id, ministry_id=template.ministry_id)


def _owner_key(owner: Owner) -> str:
    return f"{owner.scope}:{owner.office_id or owner.ministry_id or ''}"


@page_for(*ANSWERING)
def template_list(request):
    viewer = selectors.template_viewer(request.user)
    templates = list(selectors.reply_templates_of(request.user, viewer=viewer).select_related("updated_by", "ministry"))
    ministries = {t.ministry_id: localised(t.ministry.name, t.ministry.name_en) for t in templates if t.ministry_id}
    for template in templates:
        owner = _owner_of(template)
        template.owner_label = owner_label(owner, ministries)
        template.editable = EDIT in reply_templates.template_rights(viewer, owner)
    return render(request, "frontend/reply_templates/list.html",
                  {"templates": templates, "variables": reply_templates.VARIABLES})  # fmt: skip


@page_for(*ANSWERING)
@require_http_methods(["GET", "POST"])
def template_new(request):
    viewer = selectors.template_viewer(request.user)
    owners = reply_templates.owners_for(viewer)
    ministries = _ministry_names(o.ministry_id for o in owners if o.ministry_id)
    by_key = {_owner_key(owner): owner for owner in owners}
    choices = [(key, owner_label(owner, ministries)) for key, owner in by_key.items()]
    form = NewReplyTemplateForm(request.POST or None, owners=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            template = services.create_reply_template(
                actor=request.user, owner=by_key[data["owner"]], name=data["name"], body=data["body"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("返信テンプレート「%(name)s」を作りました。") % {"name": template.name})
            return redirect("reply-templates")
    status = 400 if form.is_bound else 200
    return render(request, "frontend/reply_templates/form.html",
                  {"form": form, "variables": reply_templates.VARIABLES}, status=status)  # fmt: skip


@page_for(*ANSWERING)
@require_http_methods(["GET", "POST"])
def template_edit(request, pk: int):
    template = selectors.access_reply_template(request.user, pk, EDIT)
    form = ReplyTemplateForm(request.POST or None, initial={"name": template.name, "body": template.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_reply_template(actor=request.user, template=template, name=form.cleaned_data["name"],
                                           body=form.cleaned_data["body"])  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("返信テンプレートを保存しました。"))
            return redirect("reply-templates")
    status = 400 if form.is_bound else 200
    context = {"form": form, "template": template, "variables": reply_templates.VARIABLES}
    return render(request, "frontend/reply_templates/form.html", context, status=status)


@page_for(*ANSWERING)
@require_POST
def template_delete(request, pk: int):
    template = selectors.access_reply_template(request.user, pk, EDIT)
    services.delete_reply_template(actor=request.user, template=template)
    messages.success(request, _("返信テンプレート「%(name)s」を削除しました。") % {"name": template.name})
    return redirect("reply-templates")


urlpatterns: list = [
    path("reply-templates/", template_list, name="reply-templates"),
    path("reply-templates/new/", template_new, name="reply-template-new"),
    path("reply-templates/<int:pk>/edit/", template_edit, name="reply-template-edit"),
    path("reply-templates/<int:pk>/delete/", template_delete, name="reply-template-delete"),
]
