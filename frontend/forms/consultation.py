"""Forms of the consultation page: one per action. The services validate and
decide; these forms only read the request and carry errors back to the fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from config.i18n import localised
from consult.services import MAX_BODY

from .widgets import LongSelect


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


def _text(label, *, required: bool, required_message=None, rows: int = 6, max_length: int = MAX_BODY):
    messages = {"required": required_message} if required_message else {}
    return forms.CharField(
        label=label,
        required=required,
        strip=False,  # the services decide what blank means
        max_length=max_length,
        error_messages=messages,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class ActionForm(forms.Form):
    """A form whose field ids are prefixed by its action, so that several forms
    on one page never share an id."""

    action = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", self.action)
        super().__init__(*args, **kwargs)


class _WithAttachments:
    def clean_attachments(self):
        from consult.attachments import max_files, too_many_files_message

        files = self.cleaned_data.get("attachments") or []
        if len(files) > max_files():
            raise forms.ValidationError(too_many_files_message())
        return files


class ReplyForm(_WithAttachments, ActionForm):
    action = "reply"
    body = _text(_("返信の内容"), required=True, required_message=_("本文を入力してください"))
    attachments = MultipleFileField(label=_("添付ファイル"))
    # The reply template the text was inserted from (its use is counted when the reply is sent).
    template = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class NoteForm(_WithAttachments, ActionForm):
    action = "note"
    body = _text(_("内部メモの内容"), required=True, required_message=_("本文を入力してください"), rows=4)
    attachments = MultipleFileField(label=_("添付ファイル"))


class AcceptForm(ActionForm):
    action = "accept"


class ConfirmForm(ActionForm):
    action = "confirm"


class RateForm(ActionForm):
    action = "rate"
    RATINGS = [
        (5, _("5 とても満足")),
        (4, _("4 満足")),
        (3, _("3 どちらともいえない")),
        (2, _("2 やや不満")),
        (1, _("1 不満")),
    ]
    rating = forms.TypedChoiceField(
        label=_("回答への満足度"),
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("満足度を選んでください")},
    )
    comment = _text(_("ひとこと"), required=False, rows=2, max_length=2000)


class ResumeForm(ActionForm):
    action = "resume"


class RequestInfoForm(ActionForm):
    action = "request_info"
    comment = _text(_("依頼する内容"), required=True, required_message=_("依頼する内容を入力してください"), rows=4)


class ResolveForm(ActionForm):
    action = "resolve"
    comment = _text(_("回答の内容"), required=False)


class ReopenForm(ActionForm):
    action = "reopen"
    comment = _text(_("再開する理由"), required=True, required_message=_("再開する理由を入力してください"), rows=3)


class WithdrawForm(ActionForm):
    action = "withdraw"
    comment = _text(_("取り下げる理由"), required=False, rows=3)


class MergeForm(ActionForm):
    action = "merge"
    into = forms.CharField(
        label=_("統合先の相談の受付番号"),
        max_length=20,
        error_messages={"required": _("統合先の相談の受付番号を入力してください")},
    )
    reason = forms.CharField(
        label=_("統合の理由"),
        max_length=2000,
        error_messages={"required": _("統合の理由を入力してください")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class UnmergeForm(ActionForm):
    action = "unmerge"
    reason = _text(_("解除する理由"), required=False, rows=2, max_length=2000)


def office_choices(offices, *, exclude: set[int] = frozenset()) -> list:
    """Offices grouped by ministry for a <select> with <optgroup>s, in English
    when the page is in English."""
    groups: dict[str, list] = {}
    for office in offices:
        if office.pk in exclude:
            continue
        ministry = localised(office.ministry.name, office.ministry.name_en)
        groups.setdefault(ministry, []).append((office.slug, localised(office.name, office.name_en)))
    return [("", _("選択してください")), *groups.items()]


class OfficeForm(ActionForm):
    office = forms.ChoiceField(
        label=_("部局"), widget=LongSelect, error_messages={"required": _("部局を選択してください")}
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].choices = choices


class TransferForm(OfficeForm):
    action = "transfer"
    reason = forms.CharField(
        label=_("移送の理由"),
        max_length=2000,
        error_messages={"required": _("移送の理由を入力してください")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].label = _("移送先の部局")
        self.fields["office"].error_messages["required"] = _("移送先の部局を選択してください")


class InviteForm(OfficeForm):
    action = "invite"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].label = _("協力を依頼する部局")


FORMS = {
    form.action: form
    for form in (
        ReplyForm,
        NoteForm,
        AcceptForm,
        ConfirmForm,
        RateForm,
        ResumeForm,
        RequestInfoForm,
        ResolveForm,
        ReopenForm,
        WithdrawForm,
        TransferForm,
        InviteForm,
        MergeForm,
        UnmergeForm,
    )
}
