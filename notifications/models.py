"""Notifications: the outbox (one row per person and event, written in the
same transaction as the change), e-mail state, office webhooks, preferences,
followers and the deadline alarms that beat sweeps."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .kinds import Delivery, Kind


class EmailStatus(models.TextChoices):
    NONE = "none", "送信しない"
    PENDING = "pending", "送信待ち"
    DIGEST = "digest", "まとめて送信"
    SENT = "sent", "送信済み"
    FAILED = "failed", "失敗"


class Notification(models.Model):
    """One person told of one event. The row is the in-app inbox item and the
    outbox entry of its e-mail; its id with the channel is the delivery key."""

    # Only the indexes in Meta: each one is written for every notification.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    consultation = models.ForeignKey(
        "consult.Consultation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    event = models.ForeignKey(
        "consult.Event", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    data = models.JSONField(default=dict, blank=True)
    urgent = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    # In-app: pushed to the person's open pages; read by them.
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # E-mail: at once (not before the end of quiet hours unless urgent), in the digest, or not at all.
    email_status = models.CharField(max_length=8, choices=EmailStatus.choices, default=EmailStatus.NONE)
    email_not_before = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.TextField(blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "通知"
        verbose_name_plural = "通知"
        indexes = [
            models.Index(fields=["recipient", "-id"], name="notification_inbox"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
            models.Index(
                fields=["created_at"], condition=Q(delivered_at__isnull=True), name="notification_undelivered"
            ),
            models.Index(
                fields=["email_not_before", "created_at"],
                condition=Q(email_status="pending"),
                name="notification_email_pending",
            ),
            models.Index(fields=["recipient"], condition=Q(email_status="digest"), name="notification_digest"),
        ]
        constraints = [
            # One notification per person and event, however often a task or sweep runs.
            models.UniqueConstraint(fields=["event", "recipient"], name="notification_once_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class Preference(models.Model):
    """How one person wants one kind: at once, in the daily digest, or not at all."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    delivery = models.CharField(max_length=16, choices=Delivery.choices, default=Delivery.IMMEDIATE)

    class Meta:
        verbose_name = "通知の設定"
        verbose_name_plural = "通知の設定"
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="preference_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind} → {self.delivery}"


class Profile(models.Model):
    """Per person: the language of e-mails."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_profile")
    language = models.CharField(max_length=2, choices=[("ja", "日本語"), ("en", "English")], default="ja")

    class Meta:
        verbose_name = "通知の受信者設定"
        verbose_name_plural = "通知の受信者設定"

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language}"


class Follow(models.Model):
    """Someone who chose to follow a consultation, or (``active`` false) the
    filer who chose to stop following their own."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    consultation = models.ForeignKey("consult.Consultation", on_delete=models.CASCADE, related_name="follows")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "フォロー"
        verbose_name_plural = "フォロー"
        constraints = [models.UniqueConstraint(fields=["consultation", "user"], name="follow_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.consultation_id}"


class AlarmKind(models.TextChoices):
    FIRST_RESPONSE_DUE_SOON = "first_due_soon", "初回回答期限の前日"
    FIRST_RESPONSE_OVERDUE = "first_overdue", "初回回答期限の超過"
    FIRST_RESPONSE_ESCALATED = "first_escalated", "初回回答期限の超過（2営業日）"
    RESOLUTION_DUE_SOON = "resolution_due_soon", "解決期限の前日"
    RESOLUTION_OVERDUE = "resolution_overdue", "解決期限の超過"
    RESOLUTION_ESCALATED = "resolution_escalated", "解決期限の超過（2営業日）"
    AWAITING_FILER = "awaiting_filer", "追加情報の回答待ち（3営業日）"


class Alarm(models.Model):
    """A deadline reminder as a row swept by beat. ``due_at`` is set while the
    alarm is armed; firing clears it and remembers the deadline it fired for,
    so each alarm fires once per deadline and a moved deadline re-arms it."""

    consultation = models.ForeignKey(
        "consult.Consultation", on_delete=models.CASCADE, related_name="alarms", db_index=False
    )
    kind = models.CharField(max_length=24, choices=AlarmKind.choices)
    deadline = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    fired_for = models.DateTimeField(null=True, blank=True)
    fired_at = models.DateTimeField(null=True, blank=True)
    # Set by the sweep that handed it to a worker; a stale claim is swept again.
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "期限の通知"
        verbose_name_plural = "期限の通知"
        indexes = [models.Index(fields=["due_at"], condition=Q(due_at__isnull=False), name="alarm_armed")]
        constraints = [models.UniqueConstraint(fields=["consultation", "kind"], name="alarm_unique")]

    def __str__(self) -> str:
        return f"{self.consultation_id}: {self.kind} @ {self.due_at}"


class WebhookEndpoint(models.Model):
    """An office's webhook: every event of the consultations it handles or
    collaborates on, as signed JSON."""

    office = models.ForeignKey("routing.Office", on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=128)
    is_active = models.BooleanField("有効", default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "Webhook"
        verbose_name_plural = "Webhook"

    def __str__(self) -> str:
        return f"{self.office_id}: {self.url}"


class WebhookStatus(models.TextChoices):
    PENDING = "pending", "送信待ち"
    SENT = "sent", "送信済み"
    FAILED = "failed", "失敗（再試行の上限）"


class WebhookDelivery(models.Model):
    """One event for one endpoint, and its delivery log."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey("consult.Event", on_delete=models.CASCADE, related_name="+")
    payload = models.JSONField()
    status = models.CharField(max_length=8, choices=WebhookStatus.choices, default=WebhookStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    log = models.JSONField(default=list, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "Webhookの送信"
        verbose_name_plural = "Webhookの送信"
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="webhook_pending"),
        ]
        constraints = [models.UniqueConstraint(fields=["endpoint", "event"], name="webhook_once_per_event")]

    def __str__(self) -> str:
        return f"{self.endpoint_id}: event {self.event_id} ({self.status})"
