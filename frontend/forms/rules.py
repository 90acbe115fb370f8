"""Forms of the secretariat's routing-rules pages."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from routing.engine.types import URGENCY_CHOICES


class JSONObjectField(forms.CharField):
    """A JSON object typed into a textarea; a clear message when it is not one."""

    widget = forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "code"})

    def prepare_value(self, value):
        if isinstance(value, dict):
            return json.dumps(value, ensure_ascii=False, indent=2)
        return value

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return {}
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("JSON として読めません（%(line)s 行 %(column)s 文字目: %(reason)s）"),
                params={"line": exc.lineno, "column": exc.colno, "reason": exc.msg},
            ) from None
        if not isinstance(parsed, dict):
            raise forms.ValidationError(_("{ } で囲んだ JSON オブジェクトで書いてください"))
        return parsed


class RuleForm(forms.Form):
    name = forms.CharField(label=_("規則の名前"), max_length=200)
    priority = forms.IntegerField(label=_("優先順位"), min_value=-100000, max_value=100000, initial=100)
    enabled = forms.BooleanField(label=_("有効にする"), required=False, initial=True)
    conditions = JSONObjectField(label=_("条件（JSON）"), required=False)
    actions = JSONObjectField(label=_("動作（JSON）"))
    description = forms.CharField(label=_("説明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PublishForm(forms.Form):
    note = forms.CharField(label=_("公開メモ（変更の理由）"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    effective_from = forms.DateTimeField(
        label=_("適用開始日時"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )


class SimulateForm(forms.Form):
    local_government = forms.CharField(label=_("団体コード（6桁）"), max_length=6, min_length=6)
    policy_area = forms.ChoiceField(label=_("施策分野"))
    urgency = forms.ChoiceField(label=_("緊急度"), choices=URGENCY_CHOICES, initial="normal")
    title = forms.CharField(label=_("件名"), required=False, max_length=200)
    body = forms.CharField(label=_("本文"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, policy_areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy_area"].choices = [("", _("選んでください")), *policy_areas]
