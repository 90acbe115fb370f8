"""The good-answer library (回答事例集): answers to resolved consultations,
rewritten for other local governments, reviewed and published by the secretariat.

Each edit is a new ``EntryVersion``; readers see the published version only.
"""

from django.conf import settings
from django.db import models

from search.backend import TermsVectorField


class EntryStatus(models.TextChoices):
    DRAFT = "draft", "下書き（審査待ち）"
    PUBLISHED = "published", "公開中"
    WITHDRAWN = "withdrawn", "公開終了"


class Entry(models.Model):
    source = models.ForeignKey(
        "consult.Consultation", on_delete=models.PROTECT, related_name="library_entries", verbose_name="元の相談"
    )
    status = models.CharField("状態", max_length=16, choices=EntryStatus.choices, default=EntryStatus.DRAFT)
    policy_area = models.ForeignKey(
        "routing.PolicyArea", on_delete=models.PROTECT, related_name="library_entries", verbose_name="施策分野"
    )
    measures = models.ManyToManyField("measures.Measure", related_name="library_entries", blank=True,
                                      verbose_name="関連施策")  # fmt: skip
    # The latest version (what the secretariat reviews) and the one readers see.
    current = models.ForeignKey(
        "EntryVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="最新版"
    )
    published = models.ForeignKey(
        "EntryVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="公開版"
    )
    # The published title, kept on the row for the trigram index of similar-title suggestions.
    title = models.CharField("件名", max_length=200, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="提案者")  # fmt: skip
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="審査者",
    )  # fmt: skip
    view_count = models.PositiveIntegerField("閲覧数", default=0)
    useful_count = models.PositiveIntegerField("役に立った", default=0)
    # The analyzer's terms of the published version (search.analyzer), written by library.tasks.
    search_vector = TermsVectorField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = "回答事例"
        verbose_name_plural = "回答事例"
        indexes = [
            models.Index(fields=["status", "-published_at"], name="library_entry_status_newest"),
            models.Index(fields=["policy_area", "status"], name="library_entry_area"),
        ]

    def __str__(self) -> str:
        return self.title or f"#{self.pk}"


class EntryVersion(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("版")
    title = models.CharField("件名", max_length=200)
    question = models.TextField("質問")
    answer = models.TextField("回答")
    tags = models.JSONField("タグ", default=list, blank=True)
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField("変更の理由", max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["entry", "-number"]
        verbose_name = "回答事例の版"
        verbose_name_plural = "回答事例の版"
        constraints = [models.UniqueConstraint(fields=["entry", "number"], name="library_version_number_once")]

    def __str__(self) -> str:
        return f"{self.entry_id} v{self.number}"


class Useful(models.Model):
    """One person found an entry useful: the row makes it count once."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="useful_marks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "役に立った"
        verbose_name_plural = "役に立った"
        constraints = [models.UniqueConstraint(fields=["entry", "user"], name="library_useful_once")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.entry_id}"
