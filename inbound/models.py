"""Inbound mail: each raw message as received, kept (for the admin) after it has
been processed, with what became of it."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Source(models.TextChoices):
    SMTP = "smtp", "SMTP"
    IMAP = "imap", "IMAP"


class Status(models.TextChoices):
    RECEIVED = "received", "受信（未処理）"
    POSTED = "posted", "メッセージとして投稿"
    REFUSED = "refused", "拒否（理由を返信）"
    IGNORED = "ignored", "記録のみ（自動応答・不達通知）"
    FAILED = "failed", "処理失敗"


class Outcome(models.TextChoices):
    NONE = "", "—"
    POSTED = "posted", "投稿しました"
    AUTO_REPLY = "auto_reply", "自動応答"
    BOUNCE = "bounce", "不達通知"
    OWN_MAIL = "own_mail", "Banso 自身のメール"
    BAD_ADDRESS = "bad_address", "宛先が不明"
    EXPIRED = "expired", "返信用アドレスの期限切れ"
    UNKNOWN_SENDER = "unknown_sender", "差出人が宛先の本人ではない"
    NO_PERMISSION = "no_permission", "書き込む権限がない"
    NOTE_NOT_ALLOWED = "note_not_allowed", "内部メモを書けない"
    CLOSED = "closed", "相談が終了している"
    EMPTY = "empty", "本文がない"
    INVALID = "invalid", "内容に問題がある"
    ERROR = "error", "処理中のエラー"


class NoticeState(models.TextChoices):
    NONE = "", "—"
    PENDING = "pending", "送信待ち"
    SENT = "sent", "送信済み"
    SUPPRESSED = "suppressed", "送信せず（同じ差出人へ送信済み）"


class InboundMail(models.Model):
    source = models.CharField(max_length=8, choices=Source.choices)
    # The address it was delivered to (lower case): Message-IDs are unique per mailbox.
    mailbox = models.CharField("宛先", max_length=254)
    message_id = models.CharField("Message-ID", max_length=500)
    envelope_from = models.CharField("エンベロープ差出人", max_length=254, blank=True)
    envelope_to = models.TextField("エンベロープ宛先", blank=True)
    from_address = models.CharField("差出人", max_length=254, blank=True)
    subject = models.CharField("件名", max_length=500, blank=True)
    raw = models.BinaryField("原文")
    size = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField("受信日時")
    deliveries = models.PositiveIntegerField("受信回数", default=1)
    status = models.CharField("状態", max_length=16, choices=Status.choices, default=Status.RECEIVED)
    outcome = models.CharField("結果", max_length=32, choices=Outcome.choices, blank=True)
    error = models.TextField("詳細", blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField("処理日時", null=True, blank=True)
    consultation = models.ForeignKey(
        "consult.Consultation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    posted_message = models.ForeignKey(
        "consult.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dropped = models.JSONField("除いた添付", default=list, blank=True)
    notice = models.CharField("返信した理由", max_length=32, choices=Outcome.choices, blank=True)
    notice_state = models.CharField(max_length=16, choices=NoticeState.choices, blank=True)
    notice_to = models.CharField(max_length=254, blank=True)
    notice_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "受信メール"
        verbose_name_plural = "受信メール"
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["mailbox", "message_id"], name="inbound_once_per_mailbox")]
        indexes = [
            models.Index(fields=["received_at"], condition=Q(status="received"), name="inbound_waiting"),
            models.Index(fields=["status", "received_at"], name="inbound_by_status"),
        ]

    def __str__(self) -> str:
        return f"{self.mailbox} {self.message_id}"
