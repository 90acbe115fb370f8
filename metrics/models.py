"""A rollup of each consultation's response-time figures, kept current by a
beat task, so that a year of a million consultations is grouped in SQL."""

from django.db import models


class ConsultationFigures(models.Model):
    consultation = models.OneToOneField(
        "consult.Consultation", primary_key=True, on_delete=models.CASCADE, related_name="figures"
    )
    filed_at = models.DateTimeField(db_index=True)
    filed_office_id = models.BigIntegerField(null=True)
    current_office_id = models.BigIntegerField(null=True)
    prefecture_code = models.CharField(max_length=2)
    policy_area_id = models.BigIntegerField()
    withdrawn = models.BooleanField()
    # The office that gave the first response (or that holds it while unanswered).
    first_office_id = models.BigIntegerField(null=True)
    first_hours = models.FloatField(null=True)
    first_target_hours = models.FloatField()
    first_due_at = models.DateTimeField(null=True)
    resolution_hours = models.FloatField(null=True)  # when resolved (and not reopened since)
    resolution_due_at = models.DateTimeField(null=True)
    transfers = models.PositiveSmallIntegerField(default=0)  # between offices, attributed to the filed office
    ever_resolved = models.BooleanField(default=False)
    reopened = models.BooleanField(default=False)
    rating = models.PositiveSmallIntegerField(null=True)  # the filer's satisfaction, 1–5
    resolution_target_hours = models.FloatField(default=0.0)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = "応答時間（集計）"
        verbose_name_plural = "応答時間（集計）"

    def __str__(self) -> str:
        return f"{self.consultation_id}"


class ResolutionShare(models.Model):
    """Business hours the resolution clock ran while an office held a resolved consultation."""

    figures = models.ForeignKey(ConsultationFigures, on_delete=models.CASCADE, related_name="shares")
    # The consultation's filing instant, repeated here so that a period's shares are read
    # by this index alone, not joined to a year of rollup rows.
    filed_at = models.DateTimeField(db_index=True)
    office_id = models.BigIntegerField(null=True)
    hours = models.FloatField()

    def __str__(self) -> str:
        return f"{self.figures_id}: {self.office_id} {self.hours:.2f} h"


class OpenStretch(models.Model):
    """A stretch of time a consultation was open, held by one office, waiting for the
    filer or not, and overdue from ``overdue_from`` on (``metrics.core.open_stretches``):
    what "open" and "overdue at the end of a period" are read from."""

    figures = models.ForeignKey(ConsultationFigures, on_delete=models.CASCADE, related_name="stretches")
    filed_at = models.DateTimeField(db_index=True)  # the consultation's, as on ResolutionShare
    office_id = models.BigIntegerField(null=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True)  # None: open now
    paused = models.BooleanField()
    overdue_from = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.figures_id}: {self.office_id} {self.started_at}–{self.ended_at or ''}"


class RefreshMark(models.Model):
    """How far the rollup has caught up with changes to consultations."""

    name = models.CharField(max_length=32, primary_key=True)
    changed_up_to = models.DateTimeField()
    refreshed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name}: {self.changed_up_to}"


class MonthlyReport(models.Model):
    """The one-page summary of a month, built once on the first business day of
    the next month and e-mailed to the secretariat."""

    month = models.DateField("対象月", unique=True)  # the first day of the month
    figures = models.JSONField("集計値")
    created_at = models.DateTimeField("作成日時")

    class Meta:
        ordering = ["-month"]
        verbose_name = "月次報告"
        verbose_name_plural = "月次報告"

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class MonthlyReportDelivery(models.Model):
    """One e-mail of a report to one person: the unique pair makes a retried or
    duplicated task send it once."""

    report = models.ForeignKey(MonthlyReport, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "recipient"], name="one_report_mail_per_person")]

    def __str__(self) -> str:
        return f"{self.report} → {self.recipient_id}"
