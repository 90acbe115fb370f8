"""The kinds of notification, their names (English in locale/en), and which
consultation events produce them (NOTIFICATIONS.md)."""

from django.db import models
from django.utils.translation import pgettext_lazy


class Kind(models.TextChoices):
    ROUTED = "routed", pgettext_lazy("notification", "新しい相談（振り分け）")
    TRIAGE = "triage", pgettext_lazy("notification", "振り分け待ちの相談")
    ACCEPTED = "accepted", pgettext_lazy("notification", "受付")
    REPLIED = "replied", pgettext_lazy("notification", "回答・返信")
    NOTE = "note", pgettext_lazy("notification", "内部メモ")
    INFO_REQUESTED = "info_requested", pgettext_lazy("notification", "追加情報の依頼")
    FILER_ANSWERED = "filer_answered", pgettext_lazy("notification", "相談者からの回答")
    TRANSFERRED = "transferred", pgettext_lazy("notification", "移送")
    COLLABORATOR_INVITED = "collaborator_invited", pgettext_lazy("notification", "協力依頼")
    RESOLVED = "resolved", pgettext_lazy("notification", "解決（回答）")
    REOPENED = "reopened", pgettext_lazy("notification", "再開")
    CLOSED = "closed", pgettext_lazy("notification", "完了")
    WITHDRAWN = "withdrawn", pgettext_lazy("notification", "取下げ")
    MENTIONED = "mentioned", pgettext_lazy("notification", "メンション")
    DUE_SOON = "due_soon", pgettext_lazy("notification", "期限前のお知らせ")
    OVERDUE = "overdue", pgettext_lazy("notification", "期限超過")
    ESCALATED = "escalated", pgettext_lazy("notification", "期限超過の継続（エスカレーション）")
    AWAITING_FILER = "awaiting_filer", pgettext_lazy("notification", "追加情報の回答待ち")
    PING_PONG = "ping_pong", pgettext_lazy("notification", "移送の往復")
    WEBHOOK_DISABLED = "webhook_disabled", pgettext_lazy("notification", "Webhookの停止")
    MEASURE_WINDOW_OPENED = "measure_window_opened", pgettext_lazy("notification", "フォロー中の施策の公募開始")
    MEASURE_WINDOW_CLOSING = "measure_window_closing", pgettext_lazy("notification", "フォロー中の施策の締切1週間前")
    ASSIGNED = "assigned", pgettext_lazy("notification", "担当者の割り当て")
    HANDOVER = "handover", pgettext_lazy("notification", "異動・退職者の担当替え")
    MERGED = "merged", pgettext_lazy("notification", "相談の統合")
    UNMERGED = "unmerged", pgettext_lazy("notification", "相談の統合の解除")


def label(kind: str) -> str:
    """The kind's name in the active language (``translation.override`` for a recipient's)."""
    return str(Kind(kind).label) if kind in Kind.values else kind


class Delivery(models.TextChoices):
    """How a person wants one kind of notification."""

    IMMEDIATE = "immediate", "すぐに通知"
    DIGEST = "digest", "1日1回まとめて（8:30）"
    OFF = "off", "通知しない"


# Breaches and escalations reach office leads and the secretariat whatever they chose
# (others may turn them off).
MANDATORY = frozenset({Kind.OVERDUE, Kind.ESCALATED, Kind.PING_PONG, Kind.WEBHOOK_DISABLED})
