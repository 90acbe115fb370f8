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
    closed = models.BooleanField()
    withdrawn = models.BooleanField()
    paused = models.BooleanField()
    first_responded = models.BooleanField()
    # The office that gave the first response (or that holds it while unanswered).
    first_office_id = models.BigIntegerField(null=True)
    first_hours = models.FloatField(null=True)
    first_target_hours = models.FloatField()
    first_due_at = models.DateTimeField(null=True)
    resolution_hours = models.FloatField(null=True)  # when resolved (and not reopened since)
    resolution_due_at = models.DateTimeField(null=True)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = "応答時間（集計）"
        verbose_name_plural = "応答時間（集計）"

    def __str__(self) -> str:
        return f"{self.consultation_id}"


class ResolutionShare(models.Model):
    """Business hours the resolution clock ran while an office held a resolved consultation."""

    figures = models.ForeignKey(ConsultationFigures, on_delete=models.CASCADE, related_name="shares")
    office_id = models.BigIntegerField(null=True)
    hours = models.FloatField()

    def __str__(self) -> str:
        return f"{self.figures_id}: {self.office_id} {self.hours:.2f} h"


class RefreshMark(models.Model):
    """How far the rollup has caught up with changes to consultations."""

    name = models.CharField(max_length=32, primary_key=True)
    changed_up_to = models.DateTimeField()
    refreshed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name}: {self.changed_up_to}"
