"""The kinds of notification, their names in Japanese and English, and which
consultation events produce them (NOTIFICATIONS.md)."""

from django.db import models


class Kind(models.TextChoices):
    ROUTED = "routed", "新しい相談（振り分け）"
    TRIAGE = "triage", "振り分け待ちの相談"
    ACCEPTED = "accepted", "受付"
    REPLIED = "replied", "回答・返信"
    NOTE = "note", "内部メモ"
    INFO_REQUESTED = "info_requested", "追加情報の依頼"
    FILER_ANSWERED = "filer_answered", "相談者からの回答"
    TRANSFERRED = "transferred", "移送"
    COLLABORATOR_INVITED = "collaborator_invited", "協力依頼"
    RESOLVED = "resolved", "解決（回答）"
    REOPENED = "reopened", "再開"
    CLOSED = "closed", "完了"
    WITHDRAWN = "withdrawn", "取下げ"
    MENTIONED = "mentioned", "メンション"
    DUE_SOON = "due_soon", "期限前のお知らせ"
    OVERDUE = "overdue", "期限超過"
    ESCALATED = "escalated", "期限超過の継続（エスカレーション）"
    AWAITING_FILER = "awaiting_filer", "追加情報の回答待ち"
    PING_PONG = "ping_pong", "移送の往復"
    WEBHOOK_DISABLED = "webhook_disabled", "Webhookの停止"
    MEASURE_WINDOW_OPENED = "measure_window_opened", "フォロー中の施策の公募開始"
    MEASURE_WINDOW_CLOSING = "measure_window_closing", "フォロー中の施策の締切1週間前"


ENGLISH = {
    Kind.ROUTED: "New consultation routed",
    Kind.TRIAGE: "Consultation waiting for triage",
    Kind.ACCEPTED: "Accepted",
    Kind.REPLIED: "Reply",
    Kind.NOTE: "Internal note",
    Kind.INFO_REQUESTED: "Information requested",
    Kind.FILER_ANSWERED: "The filer answered",
    Kind.TRANSFERRED: "Transferred",
    Kind.COLLABORATOR_INVITED: "Invited to collaborate",
    Kind.RESOLVED: "Resolved",
    Kind.REOPENED: "Reopened",
    Kind.CLOSED: "Closed",
    Kind.WITHDRAWN: "Withdrawn",
    Kind.MENTIONED: "Mentioned",
    Kind.DUE_SOON: "Deadline in one business day",
    Kind.OVERDUE: "Deadline passed",
    Kind.ESCALATED: "Deadline passed two business days ago",
    Kind.AWAITING_FILER: "Waiting for your answer",
    Kind.PING_PONG: "Transferred back and forth",
    Kind.WEBHOOK_DISABLED: "Webhook disabled",
    Kind.MEASURE_WINDOW_OPENED: "Applications opened for a measure you follow",
    Kind.MEASURE_WINDOW_CLOSING: "A measure you follow closes in a week",
}


def label(kind: str, language: str = "ja") -> str:
    if language == "en":
        return ENGLISH.get(kind, kind)
    return Kind(kind).label if kind in Kind.values else kind


class Delivery(models.TextChoices):
    """How a person wants one kind of notification."""

    IMMEDIATE = "immediate", "すぐに通知"
    DIGEST = "digest", "1日1回まとめて（8:30）"
    OFF = "off", "通知しない"


# Breaches and escalations reach office leads and the secretariat whatever they chose
# (others may turn them off).
MANDATORY = frozenset({Kind.OVERDUE, Kind.ESCALATED, Kind.PING_PONG, Kind.WEBHOOK_DISABLED})
