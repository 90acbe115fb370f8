"""The reply template pages' forms: they read the request; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from consult.services import MAX_BODY
from consult.services.templates import MAX_TEMPLATE_NAME


class ReplyTemplateForm(forms.Form):
    name = forms.CharField(label=_("名前"), max_length=MAX_TEMPLATE_NAME,
                           error_messages={"required": _("名前を入力してください")})  # fmt: skip
    body = forms.CharField(
        label=_("本文"),
        max_length=MAX_BODY,
        strip=False,
        error_messages={"required": _("本文を入力してください")},
        widget=forms.Textarea(attrs={"rows": 10}),
    )


class NewReplyTemplateForm(ReplyTemplateForm):
    """With the owner chosen among those the person may write for (``owners``: key → label)."""

    owner = forms.ChoiceField(label=_("共有範囲"), error_messages={"required": _("共有範囲を選んでください")})

    field_order = ["owner", "name", "body"]

    def __init__(self, *args, owners: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = owners
