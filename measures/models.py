"""The related measures (関連施策) of every ministry: what they are, who runs
them, when applications are open, their KPIs and roadmap; which consultations
were answered with them, and who follows them.

Measures come from measures/data/*.csv (loaded like the reference data) and
are edited by the secretariat; every change keeps a revision.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from search.analyzer import document_terms
from search.backend import TermsVectorField, vector_literal


class Kind(models.TextChoices):
    GRANT = "grant", "交付金"
    SUBSIDY = "subsidy", "補助金・助成金"
    EXPERT_DISPATCH = "expert_dispatch", "専門家・人材の派遣"
    MODEL_PROJECT = "model_project", "モデル事業・実証"
    GUIDELINE = "guideline", "ガイドライン・指針・計画"
    OTHER = "other", "その他の支援（制度・情報提供）"


def search_vector_of(*, name: str, summary: str, eligibility: str, ministry: str) -> str:
    """What the catalogue's keyword search reads (the Japanese analyzer of ``search``):
    the name weighs most, then the summary and who may apply, then the ministry."""
    return vector_literal([
        (document_terms(name), "A"),
        (document_terms(f"{summary}\n{eligibility}"), "B"),
        (document_terms(ministry), "C"),
    ])  # fmt: skip


SEARCHED_FIELDS = {"name", "summary", "eligibility", "ministry", "ministry_id"}


class Measure(models.Model):
    slug = models.SlugField(unique=True, max_length=80, help_text="CSVの識別子（変更しない）")
    name = models.CharField("施策名", max_length=200)
    summary = models.TextField("概要")
    kind = models.CharField("種別", max_length=16, choices=Kind.choices)
    ministry = models.ForeignKey("routing.Ministry", on_delete=models.PROTECT, related_name="measures")
    office = models.ForeignKey(
        "routing.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="measures",
        verbose_name="担当部局",
    )  # fmt: skip
    policy_areas = models.ManyToManyField("routing.PolicyArea", related_name="measures", verbose_name="施策分野")
    eligibility = models.TextField("対象（申請できる者）", blank=True)
    budget_line = models.CharField("予算事業", max_length=200, blank=True)
    contact = models.CharField("問い合わせ先", max_length=200, blank=True)
    url = models.URLField("公式ページ", max_length=500, blank=True)
    source = models.TextField("出典", help_text="資料名と頁、または公式URL")
    is_active = models.BooleanField("掲載中", default=True)
    search_vector = TermsVectorField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "関連施策"
        verbose_name_plural = "関連施策"
        indexes = [models.Index(fields=["ministry", "name"]), models.Index(fields=["kind", "name"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_vector = search_vector_of(
            name=self.name, summary=self.summary, eligibility=self.eligibility, ministry=self.ministry.name
        )
        fields = kwargs.get("update_fields")
        if fields is not None and SEARCHED_FIELDS & set(fields):
            kwargs["update_fields"] = [*fields, "search_vector"]
        super().save(*args, **kwargs)


class Window(models.Model):
    """An application window (公募期間) of one fiscal year. Dates are JST calendar days, both inclusive."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="windows")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    opens_on = models.DateField("公募開始日")
    closes_on = models.DateField("公募締切日", null=True, blank=True, help_text="空欄は随時・締切未定")
    note = models.CharField("備考", max_length=200, blank=True)

    class Meta:
        ordering = ["opens_on", "id"]
        verbose_name = "公募期間"
        verbose_name_plural = "公募期間"
        indexes = [models.Index(fields=["opens_on", "closes_on"])]
        constraints = [
            models.UniqueConstraint(fields=["measure", "opens_on"], name="measure_window_once"),
            models.CheckConstraint(
                condition=Q(closes_on__isnull=True) | Q(closes_on__gte=F("opens_on")), name="measure_window_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure_id}: {self.opens_on}〜{self.closes_on or ''}"


class Kpi(models.Model):
    """A KPI as the source states it; the latest value is entered by the ministry in charge."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="kpis")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField("指標", max_length=300)
    # Text, not a number: sources state targets such as "1,500" or "ほぼ全て".
    target = models.CharField("目標値", max_length=64, blank=True)
    unit = models.CharField("単位", max_length=32, blank=True)
    target_year = models.PositiveSmallIntegerField("目標年度", null=True, blank=True)
    source = models.CharField("出典", max_length=300, blank=True)
    latest_value = models.CharField("最新値", max_length=64, blank=True)
    latest_as_of = models.DateField("最新値の時点", null=True, blank=True)
    latest_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["measure", "position", "id"]
        verbose_name = "KPI"
        verbose_name_plural = "KPI"
        constraints = [models.UniqueConstraint(fields=["measure", "position"], name="measure_kpi_position")]

    def __str__(self) -> str:
        return self.name


class Milestone(models.Model):
    """One step of the roadmap (工程表) in a fiscal year."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="milestones")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    position = models.PositiveSmallIntegerField(default=0)
    description = models.CharField("内容", max_length=300)

    class Meta:
        ordering = ["measure", "fiscal_year", "position", "id"]
        verbose_name = "工程表の項目"
        verbose_name_plural = "工程表"
        constraints = [
            models.UniqueConstraint(fields=["measure", "fiscal_year", "position"], name="measure_milestone_position")
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year}: {self.description}"


class Introduction(models.Model):
    """A measure an office introduced in its answer to a consultation (紹介した施策)."""

    consultation = models.ForeignKey("consult.Consultation", on_delete=models.CASCADE, related_name="+")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="introductions")
    office = models.ForeignKey("routing.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    introduced_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "紹介した施策"
        verbose_name_plural = "紹介した施策"
        constraints = [models.UniqueConstraint(fields=["consultation", "measure"], name="introduction_once")]
        indexes = [models.Index(fields=["measure", "created_at"])]

    def __str__(self) -> str:
        return f"{self.consultation_id} → {self.measure_id}"


class Follow(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="measure_follows")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "施策のフォロー"
        verbose_name_plural = "施策のフォロー"
        constraints = [models.UniqueConstraint(fields=["user", "measure"], name="measure_follow_once")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.measure_id}"


class NoticeKind(models.TextChoices):
    OPENED = "opened", "公募開始"
    CLOSING = "closing", "締切1週間前"


class Notice(models.Model):
    """That one person was told of one window event: the row makes it once only."""

    window = models.ForeignKey(Window, on_delete=models.CASCADE, related_name="notices")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=NoticeKind.choices)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["window", "user", "kind"], name="measure_notice_once")]

    def __str__(self) -> str:
        return f"{self.window_id} {self.kind} → {self.user_id}"


class Revision(models.Model):
    """The history of a measure: who changed what, from where (CSV load, page, admin)."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="revisions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    origin = models.CharField(max_length=8)  # csv, page, admin
    changes = models.JSONField(default=dict)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "変更履歴"
        verbose_name_plural = "変更履歴"

    def __str__(self) -> str:
        return f"{self.measure_id} {self.origin} {self.created_at:%Y-%m-%d %H:%M}"
