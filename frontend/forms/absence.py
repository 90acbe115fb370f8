"""The absence form (dates and deputy) and the lead's bulk reassignment form.
The services (``accounts.services.set_absence``, ``consult.services.reassign_open_work``)
have the last word."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class AbsenceForm(forms.Form):
    """Fields named as the service's arguments, so that its errors land on them."""

    starts_on = forms.DateField(
        label=_("不在の開始日"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("開始日を入力してください"),
            "invalid": _("開始日を正しい日付で入力してください"),
        },
    )
    ends_on = forms.DateField(
        label=_("不在の終了日"),
        help_text=_("この日まで代理の人にも通知します（日本時間）。"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("終了日を入力してください"),
            "invalid": _("終了日を正しい日付で入力してください"),
        },
    )
    deputy = forms.TypedChoiceField(
        label=_("代理の人"),
        coerce=int,
        help_text=_("同じ部局の担当者から選びます。"),
        error_messages={
            "required": _("代理の人を選んでください"),
            "invalid_choice": _("代理の人を選択肢から選んでください"),
        },
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deputy"].choices = [("", _("選んでください"))] + [(u.pk, u.display_name) for u in candidates]


class ReassignForm(forms.Form):
    """One person's open work in one office, to another member of it."""

    office = forms.IntegerField(widget=forms.HiddenInput)
    from_user = forms.IntegerField(widget=forms.HiddenInput)
    to_user = forms.TypedChoiceField(
        label=_("新しい担当者"),
        coerce=int,
        error_messages={
            "required": _("新しい担当者を選んでください"),
            "invalid_choice": _("新しい担当者を選択肢から選んでください"),
        },
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].choices = [("", _("選んでください"))] + [(u.pk, u.display_name) for u in members]
