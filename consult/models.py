"""Consultations, their parties, conversation, attachments and append-only history."""

import datetime

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q

from .lifecycle import Status

# Attachments live outside the web root and are served only by a view that checks visibility.
_attachment_storage = FileSystemStorage(location=settings.MEDIA_ROOT / "attachments", base_url=None)


def attachment_storage() -> FileSystemStorage:
    """Attachments' storage, named by a callable so that migrations do not record
    the machine's media path."""
    return _attachment_storage


class Urgency(models.TextChoices):
    # The same choices as routing.engine.types.URGENCY_CHOICES.
    NORMAL = "normal", "通常"
    URGENT = "urgent", "緊急"


class Priority(models.TextChoices):
    LOW = "low", "低"
    NORMAL = "normal", "中"
    HIGH = "high", "高"


class ConsultationQuerySet(models.QuerySet):
    def visible_to(self, user, pk: int | None = None):
        """The one visibility rule (DESIGN.md "Who uses it"). Every read goes through it."""
        from .selectors import visibility_filter

        condition = visibility_filter(user, pk=pk)
        if condition is None:
            return self.none()
        return self.filter(condition)


class Consultation(models.Model):
    reference = models.CharField("受付番号", max_length=20)
    title = models.CharField("件名", max_length=200)
    body = models.TextField("相談内容")
    # Indexes are the composite ones in Meta: every index is written on each filing.
    status = models.CharField("状態", max_length=16, choices=Status.CHOICES)
    policy_area = models.ForeignKey(
        "routing.PolicyArea", on_delete=models.PROTECT, related_name="consultations", db_index=False
    )
    filer = models.ForeignKey(
        "routing.LocalGovernment",
        on_delete=models.PROTECT,
        related_name="consultations",
        verbose_name="提出団体",
        db_index=False,
    )
    co_filers = models.ManyToManyField(
        "routing.LocalGovernment", through="CoFiler", related_name="co_filed_consultations", blank=True
    )
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="filed_consultations")
    urgency = models.CharField("緊急度", max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    priority = models.CharField("優先度", max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    desired_by = models.DateField("回答希望日", null=True, blank=True)

    # Routing: where it is, and why it went there.
    primary_office = models.ForeignKey(
        "routing.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="consultations", db_index=False
    )
    # The office the routing decision chose at filing (kept when transfers move the consultation).
    routed_office = models.ForeignKey(
        "routing.Office",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="振り分け先",
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_consultations",
    )
    rule_set = models.ForeignKey(
        "routing.RuleSet", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    rule = models.ForeignKey(
        "routing.Rule", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    rule_name = models.CharField(max_length=200, blank=True)
    routing_explanation = models.TextField("振り分けの理由", blank=True)
    routing_explanation_en = models.TextField(blank=True)
    triage_reason = models.CharField(max_length=200, blank=True)

    # Time: the SLA policy, the deadlines and the clock.
    sla_policy = models.ForeignKey("routing.SlaPolicy", on_delete=models.PROTECT, related_name="+", db_index=False)
    clock_started_at = models.DateTimeField()
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    paused_since = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    transfer_count = models.PositiveIntegerField(default=0)
    # The filer's rating of the answer (1–5), once it is resolved; they may change it.
    rating = models.PositiveSmallIntegerField("満足度", null=True, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    ping_pong_flagged_at = models.DateTimeField(null=True, blank=True)
    # The filing local government's answer to "may the library name us?" (None: not asked yet).
    library_consent = models.BooleanField("回答事例集での団体名の表示", null=True, blank=True)
    # A duplicate merged into another (the kept one): closed to new work until unmerged; its
    # parties see the kept one (selectors' visibility rule). Indexed below for merged rows only.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
        verbose_name="統合先",
        db_index=False,
    )
    merged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "相談"
        verbose_name_plural = "相談"
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="consultation_newest_first"),
            models.Index(fields=["primary_office", "status", "-created_at"]),
            models.Index(fields=["filer", "-id"], name="consultation_filer_newest"),
            models.Index(fields=["policy_area", "-created_at"]),
            models.Index(fields=["status", "first_response_due_at"]),
            # Few consultations are merged: partial indexes cost nothing on the others' filing.
            models.Index(fields=["merged_into"], condition=Q(merged_into__isnull=False), name="consultation_merged"),
            models.Index(
                fields=["filer", "merged_into"],
                condition=Q(merged_into__isnull=False),
                name="consultation_merged_by_filer",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="consultation_reference_unique"),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5) | Q(rating__isnull=True), name="consultation_rating_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(status="triage", primary_office__isnull=True)
                | (~Q(status="triage") & Q(primary_office__isnull=False))
                | Q(status="withdrawn"),
                name="consultation_office_unless_triage",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("pk")), name="consultation_not_merged_into_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class CoFiler(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="co_filer_links")
    local_government = models.ForeignKey(
        "routing.LocalGovernment", on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        indexes = [models.Index(fields=["local_government", "consultation"])]
        constraints = [models.UniqueConstraint(fields=["consultation", "local_government"], name="co_filer_unique")]

    def __str__(self) -> str:
        return f"{self.consultation_id}: {self.local_government_id}"


class OfficeHandling(models.Model):
    """Which office held the consultation, and when. Liaisons of an office keep
    read access after a transfer away, without internal notes written later."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="handlings")
    office = models.ForeignKey("routing.Office", on_delete=models.PROTECT, related_name="handlings", db_index=False)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["office", "consultation"])]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation"], condition=Q(ended_at__isnull=True), name="one_current_handling"
            )
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id}: {self.office_id} {self.started_at:%Y-%m-%d}–"


class Collaborator(models.Model):
    """A collaborating office (協力部局): sees the consultation, replies and writes internal notes."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="collaborator_links")
    office = models.ForeignKey(
        "routing.Office", on_delete=models.PROTECT, related_name="collaborations", db_index=False
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invited_at = models.DateTimeField()
    by_routing = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["office", "consultation"])]
        constraints = [models.UniqueConstraint(fields=["consultation", "office"], name="collaborator_unique")]

    def __str__(self) -> str:
        return f"{self.consultation_id}: {self.office_id}"


class MessageKind(models.TextChoices):
    REPLY = "reply", "回答・返信"
    NOTE = "note", "内部メモ"
    INFO_REQUEST = "info_request", "追加情報の依頼"
    RESOLUTION = "resolution", "回答（解決）"
    COMMENT = "comment", "コメント"


class Message(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_office = models.ForeignKey(
        "routing.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=MessageKind.choices, default=MessageKind.REPLY)
    internal = models.BooleanField("内部メモ", default=False)
    body = models.TextField()
    mentions = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["consultation", "created_at"])]

    def __str__(self) -> str:
        return f"{self.consultation_id}: {self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


class Attachment(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    internal = models.BooleanField(default=False)
    file = models.FileField(storage=attachment_storage, upload_to="%Y/%m/")
    name = models.CharField("ファイル名", max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name


class AppendOnly(Exception):
    """History is never edited or deleted."""


class Event(models.Model):
    """One change in the append-only history: who, when, from, to, why."""

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="events", db_index=False)
    kind = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    from_office = models.ForeignKey(
        "routing.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    to_office = models.ForeignKey(
        "routing.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    internal = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["consultation", "created_at"]), models.Index(fields=["kind", "created_at"])]

    def __str__(self) -> str:
        return f"{self.consultation_id}: {self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnly("履歴は変更できません (events are append-only)")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("履歴は削除できません (events are append-only)")


class ReferenceCounter(models.Model):
    """The last reference number given in a year: numbers are gapless because
    the counter is taken under a row lock inside the filing transaction."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


# The deadlines an event set or moved, recorded on it (``Event.data["deadlines"]``): filing
# and routing, a transfer, an information request and the resumption after it, a resolution
# or withdrawal that ends the wait, a reopening. The metrics read a consultation's deadlines
# over time from its history instead of working them out again.
DEADLINES = "deadlines"
# Besides filing, the events that set or may move them (``services._record`` records them on these).
DEADLINE_EVENTS = frozenset({"transferred", "routed_by_hand", "info_requested", "resumed", "resolved", "withdrawn",
                             "reopened"})  # fmt: skip


def deadlines_record(consultation) -> dict:
    """The consultation's deadlines as an event records them (ISO 8601, or None)."""
    first, resolution = consultation.first_response_due_at, consultation.resolution_due_at
    return {
        "first_response_due_at": first.isoformat() if first else None,
        "resolution_due_at": resolution.isoformat() if resolution else None,
    }


def recorded_deadlines(data: dict | None):
    """(first response, resolution) deadlines an event's data records; None when it records none."""
    recorded = (data or {}).get(DEADLINES)
    if recorded is None:
        return None
    return tuple(
        datetime.datetime.fromisoformat(value) if value else None
        for value in (recorded.get("first_response_due_at"), recorded.get("resolution_due_at"))
    )


class HandoverNotice(models.Model):
    """The leads of ``office`` were told that ``user`` left it with open work
    (the daily sweep, once per person, office and end of membership)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    office = models.ForeignKey("routing.Office", on_delete=models.CASCADE, related_name="+")
    # The membership's end (null: the membership is gone or the account closed).
    ended_on = models.DateField(null=True, blank=True)
    notified_at = models.DateTimeField()

    class Meta:
        verbose_name = "担当替えの通知"
        verbose_name_plural = "担当替えの通知"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "office", "ended_on"], name="handover_notice_once", nulls_distinct=False
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} / {self.office_id} ({self.ended_on})"


class TemplateScope(models.TextChoices):
    OFFICE = "office", "部局"
    MINISTRY = "ministry", "府省庁"
    SECRETARIAT = "secretariat", "事務局"


class ReplyTemplate(models.Model):
    """A reply template (返信テンプレート) owned by one office, one ministry or the
    secretariat; who may use and edit it is ``consult.reply_templates.template_rights``."""

    scope = models.CharField("共有範囲", max_length=16, choices=TemplateScope.choices)
    office = models.ForeignKey(
        "routing.Office", null=True, blank=True, on_delete=models.CASCADE, related_name="reply_templates"
    )
    ministry = models.ForeignKey(
        "routing.Ministry", null=True, blank=True, on_delete=models.CASCADE, related_name="reply_templates"
    )
    name = models.CharField("名前", max_length=100)
    body = models.TextField("本文")
    use_count = models.PositiveIntegerField("利用回数", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "返信テンプレート"
        verbose_name_plural = "返信テンプレート"
        constraints = [
            models.CheckConstraint(
                condition=Q(scope="office", office__isnull=False, ministry__isnull=True)
                | Q(scope="ministry", office__isnull=True, ministry__isnull=False)
                | Q(scope="secretariat", office__isnull=True, ministry__isnull=True),
                name="reply_template_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.name
