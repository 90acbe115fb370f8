"""Reference data: prefectures, local governments, ministries, offices and
their jurisdictions, and the strategy's policy areas.

Jurisdictions and offices carry effective dates, because offices reorganise
and a routing decision must be explainable against the table of its day.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import pgettext_lazy

from .codes import normalise_kana


class Prefecture(models.Model):
    code = models.CharField("JIS X 0401 コード", max_length=2, primary_key=True)
    name = models.CharField("名称", max_length=8, unique=True)
    kana = models.CharField("よみ", max_length=32)
    name_en = models.CharField("English name", max_length=32)

    class Meta:
        ordering = ["code"]
        verbose_name = "都道府県"
        verbose_name_plural = "都道府県"

    def __str__(self) -> str:
        return self.name


class LocalGovernmentKind(models.TextChoices):
    PREFECTURE = "prefecture", pgettext_lazy("local government kind", "都道府県")
    CITY = "city", pgettext_lazy("local government kind", "市")
    TOWN = "town", pgettext_lazy("local government kind", "町")
    VILLAGE = "village", pgettext_lazy("local government kind", "村")
    SPECIAL_WARD = "special_ward", pgettext_lazy("local government kind", "特別区")
    WARD = "ward", pgettext_lazy("local government kind", "行政区")


class LocalGovernment(models.Model):
    """A filer: a prefecture, city, town, village or special ward.

    Administrative wards of designated cities (``kind=ward``) are kept for
    address look-ups only: they never file, and map to their city.
    """

    code = models.CharField("団体コード", max_length=6, primary_key=True)
    prefecture = models.ForeignKey(Prefecture, on_delete=models.PROTECT, related_name="local_governments")
    name = models.CharField("名称", max_length=32)
    kana = models.CharField("よみ", max_length=64)
    kana_search = models.CharField(max_length=64, db_index=True, editable=False)
    kind = models.CharField("種別", max_length=16, choices=LocalGovernmentKind.choices)
    city = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="wards", help_text="行政区の属する市"
    )
    can_file = models.BooleanField("相談の提出主体", default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "地方公共団体"
        verbose_name_plural = "地方公共団体"
        indexes = [models.Index(fields=["prefecture", "kind"])]

    def __str__(self) -> str:
        if self.kind == LocalGovernmentKind.PREFECTURE:
            return self.name
        return f"{self.prefecture.name}{self.name}"

    def save(self, *args, **kwargs):
        self.kana_search = normalise_kana(self.kana)
        super().save(*args, **kwargs)


class Ministry(models.Model):
    """A ministry or agency (府省庁)."""

    slug = models.SlugField(unique=True)
    name = models.CharField("名称", max_length=64)
    name_en = models.CharField("English name", max_length=128)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="agencies", help_text="外局の親府省"
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "slug"]
        verbose_name = "府省庁"
        verbose_name_plural = "府省庁"

    def __str__(self) -> str:
        return self.name


class OfficeSystem(models.Model):
    """A ministry's system of regional branch offices, e.g. 地方農政局.

    Each system draws its own regions; routing asks a system which of its
    offices covers a prefecture.
    """

    slug = models.SlugField(unique=True)
    name = models.CharField("名称", max_length=64)
    short_name = models.CharField("略称", max_length=16)
    name_en = models.CharField("English name", max_length=128)
    ministry = models.ForeignKey(Ministry, on_delete=models.PROTECT, related_name="office_systems")

    class Meta:
        ordering = ["ministry__sort_order", "slug"]
        verbose_name = "地方支分部局の系統"
        verbose_name_plural = "地方支分部局の系統"

    def __str__(self) -> str:
        return self.name


class OfficeKind(models.TextChoices):
    HEADQUARTERS = "headquarters", "本省"
    BRANCH = "branch", "地方支分部局"


class Office(models.Model):
    """An office that answers consultations: a headquarters division or a branch office.

    ``ministry`` is the ministry whose work the office does (沖縄総合事務局's
    経済産業部 works for METI); ``organisation`` names the body it sits in
    when that differs.
    """

    slug = models.SlugField(unique=True)
    name = models.CharField("名称", max_length=64)
    name_en = models.CharField("English name", max_length=128)
    kind = models.CharField("種別", max_length=16, choices=OfficeKind.choices)
    ministry = models.ForeignKey(Ministry, on_delete=models.PROTECT, related_name="offices")
    system = models.ForeignKey(OfficeSystem, null=True, blank=True, on_delete=models.PROTECT, related_name="offices")
    organisation = models.CharField("所属組織", max_length=64, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="branches", help_text="支局・支所の本局"
    )
    email = models.EmailField("連絡先", blank=True)
    valid_from = models.DateField("設置日", null=True, blank=True, help_text="空欄は記録の始まりから")
    valid_to = models.DateField("廃止日", null=True, blank=True, help_text="この日の前日まで有効")

    class Meta:
        ordering = ["ministry__sort_order", "system__slug", "slug"]
        verbose_name = "部局"
        verbose_name_plural = "部局"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="headquarters", system__isnull=True) | Q(kind="branch", system__isnull=False),
                name="office_branch_has_system",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gt=models.F("valid_from")),
                name="office_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Jurisdiction(models.Model):
    """Which office of a system covers a prefecture (or, as an override, one
    local government) for a matter, over a period.

    ``matter`` is empty for general work; a non-empty matter (``maritime``,
    ``decontamination``) names work split off to another office.
    """

    system = models.ForeignKey(OfficeSystem, on_delete=models.PROTECT, related_name="jurisdictions")
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="jurisdictions")
    prefecture = models.ForeignKey(Prefecture, on_delete=models.PROTECT, related_name="jurisdictions")
    local_government = models.ForeignKey(
        LocalGovernment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="jurisdiction_overrides",
        help_text="市町村単位の例外（空欄なら都道府県全域）",
    )
    matter = models.SlugField("事項", blank=True, default="")
    valid_from = models.DateField("適用開始", null=True, blank=True)
    valid_to = models.DateField("適用終了", null=True, blank=True, help_text="この日の前日まで有効")

    class Meta:
        ordering = ["system", "prefecture", "matter"]
        verbose_name = "管轄"
        verbose_name_plural = "管轄"
        constraints = [
            models.UniqueConstraint(
                fields=["system", "prefecture", "matter", "valid_from"],
                condition=Q(local_government__isnull=True),
                nulls_distinct=False,
                name="jurisdiction_one_office_per_prefecture",
            ),
            models.UniqueConstraint(
                fields=["system", "local_government", "matter", "valid_from"],
                condition=Q(local_government__isnull=False),
                nulls_distinct=False,
                name="jurisdiction_one_override_per_local_government",
            ),
        ]

    def __str__(self) -> str:
        scope = self.local_government or self.prefecture
        matter = f" ({self.matter})" if self.matter else ""
        return f"{self.system.short_name}: {scope} → {self.office}{matter}"


class PolicyArea(models.Model):
    """A consultation category from the strategy's own taxonomy. Slugs are stable."""

    slug = models.SlugField(unique=True)
    group = models.CharField("区分", max_length=64)
    name_ja = models.CharField("名称", max_length=128)
    name_en = models.CharField("English name", max_length=128)
    lead_ministry = models.CharField("主担当府省庁", max_length=64)
    lead_ministries = models.ManyToManyField(Ministry, related_name="led_policy_areas", blank=True)
    default_route = models.CharField("既定の振り分け", max_length=128, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["sort_order"]
        verbose_name = "施策分野"
        verbose_name_plural = "施策分野"

    def __str__(self) -> str:
        return self.name_ja


class SlaUnit(models.TextChoices):
    BUSINESS_DAYS = "business_days", "開庁日"
    BUSINESS_HOURS = "business_hours", "開庁時間"


class SlaPolicy(models.Model):
    """Response targets on the office calendar, and the statuses that pause the clock."""

    slug = models.SlugField(unique=True)
    name = models.CharField("名称", max_length=128)
    first_response_target = models.DecimalField("初回回答の目標", max_digits=6, decimal_places=2)
    resolution_target = models.DecimalField("解決の目標", max_digits=6, decimal_places=2)
    unit = models.CharField("単位", max_length=16, choices=SlaUnit.choices, default=SlaUnit.BUSINESS_DAYS)
    pause_statuses = models.JSONField("時計を止める状態", default=list)
    is_default = models.BooleanField("既定", default=False)

    class Meta:
        ordering = ["slug"]
        verbose_name = "SLA方針"
        verbose_name_plural = "SLA方針"
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_sla_policy"),
            models.CheckConstraint(
                condition=Q(first_response_target__gt=0) & Q(resolution_target__gte=models.F("first_response_target")),
                name="sla_targets_positive_and_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RuleSetStatus(models.TextChoices):
    DRAFT = "draft", "下書き"
    PUBLISHED = "published", "公開"


class RuleSet(models.Model):
    """A set of routing rules. Drafts are edited; publishing validates the whole
    set and freezes it as a numbered version with an effective-from time."""

    name = models.CharField("名称", max_length=128)
    status = models.CharField("状態", max_length=16, choices=RuleSetStatus.choices, default=RuleSetStatus.DRAFT)
    version = models.PositiveIntegerField("版", null=True, blank=True, unique=True, editable=False)
    effective_from = models.DateTimeField("適用開始", null=True, blank=True)
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="drafts", verbose_name="元の版"
    )
    note = models.TextField("公開メモ", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="作成者"
    )
    published_at = models.DateTimeField("公開日時", null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-version", "-created_at"]
        verbose_name = "振り分け規則セット"
        verbose_name_plural = "振り分け規則セット"
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft", version__isnull=True)
                | Q(status="published", version__isnull=False, effective_from__isnull=False),
                name="rule_set_version_iff_published",
            ),
        ]

    def __str__(self) -> str:
        if self.version:
            return f"第{self.version}版 {self.name}"
        return f"下書き {self.name}"

    @property
    def is_published(self) -> bool:
        return self.status == RuleSetStatus.PUBLISHED


class PublishedRuleSetIsImmutable(Exception):
    """Rules of a published version never change; edit a draft instead."""


class Rule(models.Model):
    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="rules")
    name = models.CharField("名称", max_length=200)
    priority = models.IntegerField("優先順位", default=100, help_text="小さいほど先に評価します")
    enabled = models.BooleanField("有効", default=True)
    conditions = models.JSONField("条件", default=dict, blank=True)
    actions = models.JSONField("動作", default=dict)
    description = models.TextField("説明", blank=True)

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = "振り分け規則"
        verbose_name_plural = "振り分け規則"
        constraints = [models.UniqueConstraint(fields=["rule_set", "name"], name="rule_name_unique_in_set")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if RuleSet.objects.filter(pk=self.rule_set_id, status=RuleSetStatus.PUBLISHED).exists():
            raise PublishedRuleSetIsImmutable(f"{self.rule_set} は公開済みのため変更できません")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if RuleSet.objects.filter(pk=self.rule_set_id, status=RuleSetStatus.PUBLISHED).exists():
            raise PublishedRuleSetIsImmutable(f"{self.rule_set} は公開済みのため変更できません")
        return super().delete(*args, **kwargs)


class ClosedDay(models.Model):
    """An extra closed day beyond weekends, national holidays and the year-end
    closure: for every office (``office`` empty) or for one office."""

    date = models.DateField("日付")
    office = models.ForeignKey(
        Office,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="closed_days",
        verbose_name="部局（空欄は全部局）",
    )
    name = models.CharField("理由", max_length=100)

    class Meta:
        ordering = ["date"]
        verbose_name = "臨時閉庁日"
        verbose_name_plural = "臨時閉庁日"
        constraints = [
            models.UniqueConstraint(fields=["date", "office"], nulls_distinct=False, name="closed_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
