"""The notification preferences form: one radio group per kind of notification
and the language of e-mails. The service (``set_preferences``) has the last word."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from notifications.kinds import Delivery, Kind, label

# What each kind is about, in a sentence (NOTIFICATIONS.md: who is told what).
DESCRIPTIONS = {
    Kind.ROUTED: _("相談があなたの部局に振り分けられたとき"),
    Kind.TRIAGE: _("どの規則にも当てはまらず、事務局の振り分けを待つ相談が届いたとき"),
    Kind.ACCEPTED: _("担当部局が相談を受け付けたとき"),
    Kind.REPLIED: _("相談に回答や返信が書き込まれたとき"),
    Kind.NOTE: _("担当部局・協力部局の内部メモが書き込まれたとき"),
    Kind.INFO_REQUESTED: _("担当部局から追加情報を求められたとき"),
    Kind.FILER_ANSWERED: _("相談者（自治体）が返信や追加情報を送ったとき"),
    Kind.TRANSFERRED: _("相談が別の部局に移送されたとき"),
    Kind.COLLABORATOR_INVITED: _("あなたの部局が協力部局として招かれたとき"),
    Kind.RESOLVED: _("担当部局が回答して相談を解決としたとき"),
    Kind.REOPENED: _("解決した相談が再開されたとき"),
    Kind.CLOSED: _("相談が完了したとき（相談者の確認または自動）"),
    Kind.WITHDRAWN: _("相談者が相談を取り下げたとき"),
    Kind.MENTIONED: _("返信やメモであなたやあなたの部局が名指しされたとき"),
    Kind.DUE_SOON: _("回答期限の1営業日前"),
    Kind.OVERDUE: _("回答期限を過ぎたとき"),
    Kind.ESCALATED: _("期限超過が2営業日続いたとき"),
    Kind.AWAITING_FILER: _("追加情報の依頼に3営業日回答していないとき"),
    Kind.PING_PONG: _("同じ相談が部局の間で行き来しているとき"),
    Kind.WEBHOOK_DISABLED: _("部局のWebhookが失敗続きで止められたとき"),
    Kind.ASSIGNED: _("相談の担当者にされたとき、担当を外れたとき"),
    Kind.HANDOVER: _("異動・退職した人に未完了の相談が残っているとき（所属長・責任者）"),
    Kind.MERGED: _("重複する相談がほかの相談に統合されたとき"),
    Kind.UNMERGED: _("相談の統合が解除されたとき"),
}

# The kinds each role can receive (NOTIFICATIONS.md); the others would only confuse.
# The secretariat sees every consultation, so it may set every kind.
KINDS_BY_ROLE = {
    Role.STAFF: [
        Kind.ACCEPTED,
        Kind.REPLIED,
        Kind.FILER_ANSWERED,
        Kind.INFO_REQUESTED,
        Kind.AWAITING_FILER,
        Kind.TRANSFERRED,
        Kind.RESOLVED,
        Kind.CLOSED,
        Kind.WITHDRAWN,
        Kind.MERGED,
        Kind.UNMERGED,
        Kind.MENTIONED,
    ],
    Role.LIAISON: [
        Kind.ROUTED,
        Kind.ASSIGNED,
        Kind.COLLABORATOR_INVITED,
        Kind.TRANSFERRED,
        Kind.REPLIED,
        Kind.FILER_ANSWERED,
        Kind.NOTE,
        Kind.MENTIONED,
        Kind.RESOLVED,
        Kind.REOPENED,
        Kind.CLOSED,
        Kind.WITHDRAWN,
        Kind.MERGED,
        Kind.UNMERGED,
        Kind.DUE_SOON,
        Kind.OVERDUE,
        Kind.ESCALATED,
        Kind.WEBHOOK_DISABLED,
        Kind.HANDOVER,
    ],
}

DELIVERY_CHOICES = [
    (Delivery.IMMEDIATE, _("すぐに通知")),
    (Delivery.DIGEST, _("1日1回まとめて（8:30）")),
    (Delivery.OFF, _("通知しない")),
]
LANGUAGE_CHOICES = [("ja", "日本語"), ("en", "English")]


def kinds_for(user) -> list[str]:
    return [str(k) for k in KINDS_BY_ROLE.get(user.role, Kind.values)]


class PreferencesForm(forms.Form):
    """Fields are named after the kinds (``routed``, ``due_soon``, ...) so that the
    service's field-keyed errors land on them unchanged."""

    language = forms.ChoiceField(
        label=_("メールの言語"),
        choices=LANGUAGE_CHOICES,
        widget=forms.RadioSelect,
        help_text=_("通知メールとまとめメールをこの言語で送ります。"),
        error_messages={
            "required": _("メールの言語を選んでください"),
            "invalid_choice": _("日本語か English を選んでください"),
        },
    )

    def __init__(self, *args, user, current: dict, **kwargs):
        initial = {"language": current["language"]}
        initial.update({p["kind"]: p["delivery"] for p in current["preferences"]})
        super().__init__(*args, initial=initial, **kwargs)
        protected = {p["kind"] for p in current["preferences"] if not p["can_turn_off"]}
        self.protected = protected
        for kind in kinds_for(user):
            choices = [c for c in DELIVERY_CHOICES if not (kind in protected and c[0] == Delivery.OFF)]
            help_text = DESCRIPTIONS.get(kind, "")
            if kind in protected:
                help_text = _("%(what)s。所属長・責任者と事務局はこの通知を止められません。") % {"what": help_text}
            invalid = _("「すぐに通知」か「1日1回まとめて」を選んでください") if kind in protected else None
            self.fields[kind] = forms.ChoiceField(
                label=label(kind),  # in the page's language
                choices=choices,
                widget=forms.RadioSelect,
                help_text=help_text,
                error_messages={
                    "required": _("受け取り方を選んでください"),
                    "invalid_choice": invalid or _("受け取り方を選択肢から選んでください"),
                },
            )
        # The language last: the kinds are what people come here for.
        self.order_fields([*kinds_for(user), "language"])

    def kind_fields(self):
        return [self[name] for name in self.fields if name != "language"]

    def choices(self) -> dict[str, str]:
        return {k: v for k, v in self.cleaned_data.items() if k != "language"}
