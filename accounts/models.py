"""People and the organisation they belong to.

A user belongs to exactly one organisation: a local government (municipal
staff), one or more offices (liaisons, optionally lead of an office), or the
secretariat. The role decides what the user sees.
"""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from knox.models import AbstractAuthToken


class Role(models.TextChoices):
    STAFF = "staff", "自治体職員"
    LIAISON = "liaison", "府省庁担当者"
    SECRETARIAT = "secretariat", "事務局"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        extra.setdefault("role", Role.SECRETARIAT)
        extra.setdefault("display_name", "事務局管理者")
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("メールアドレス", unique=True)
    display_name = models.CharField("氏名", max_length=128)
    role = models.CharField("役割", max_length=16, choices=Role.choices)
    local_government = models.ForeignKey(
        "routing.LocalGovernment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name="所属団体",
    )
    offices = models.ManyToManyField(
        "routing.Office", through="OfficeMembership", related_name="liaisons", blank=True, verbose_name="所属部局"
    )
    is_active = models.BooleanField("有効", default=True)
    # Access to the Django admin, independent of the role.
    is_staff = models.BooleanField("管理画面の利用", default=False)
    date_joined = models.DateTimeField("登録日時", default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = "利用者"
        verbose_name_plural = "利用者"
        constraints = [
            models.CheckConstraint(
                condition=Q(role="staff", local_government__isnull=False)
                | ~Q(role="staff") & Q(local_government__isnull=True),
                name="user_local_government_iff_staff",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} <{self.email}>"

    @property
    def is_municipal_staff(self) -> bool:
        return self.role == Role.STAFF

    @property
    def is_liaison(self) -> bool:
        return self.role == Role.LIAISON

    @property
    def is_secretariat(self) -> bool:
        return self.role == Role.SECRETARIAT


def today():
    """Today's date in Japan (TIME_ZONE): memberships and absences are JST dates."""
    return timezone.localdate()


class MembershipQuerySet(models.QuerySet):
    def active(self, day=None):
        """The memberships in force on ``day`` (today in JST): started on or before
        it and not yet ended (``ended_on`` is the first day without the membership)."""
        day = day or today()
        return self.filter(
            Q(started_on__isnull=True) | Q(started_on__lte=day), Q(ended_on__isnull=True) | Q(ended_on__gt=day)
        )


class OfficeMembership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    office = models.ForeignKey("routing.Office", on_delete=models.PROTECT, related_name="memberships")
    is_lead = models.BooleanField("所属長・責任者", default=False)
    # JST dates. A move on 1 April (人事異動) ends the old membership on 2027-04-01:
    # the person belongs to the office until 31 March and not from 1 April.
    started_on = models.DateField("所属開始日", null=True, blank=True)
    ended_on = models.DateField("所属終了日", null=True, blank=True, help_text="この日から所属しません")

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "部局の所属"
        verbose_name_plural = "部局の所属"
        constraints = [
            models.UniqueConstraint(fields=["user", "office"], name="membership_unique"),
            models.CheckConstraint(
                condition=Q(started_on__isnull=True) | Q(ended_on__isnull=True) | Q(ended_on__gt=F("started_on")),
                name="membership_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        lead = "（責任者）" if self.is_lead else ""
        return f"{self.user.display_name} — {self.office}{lead}"


class Absence(models.Model):
    """A person away from ``starts_on`` to ``ends_on`` (JST dates, both included),
    and the colleague of the same office who receives their work meanwhile."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="absence", verbose_name="不在の人")
    starts_on = models.DateField("不在の開始日")
    ends_on = models.DateField("不在の終了日")
    deputy = models.ForeignKey(User, on_delete=models.CASCADE, related_name="deputising", verbose_name="代理の人")
    updated_at = models.DateTimeField("更新日時", default=timezone.now)

    class Meta:
        verbose_name = "不在と代理"
        verbose_name_plural = "不在と代理"
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="absence_ends_after_start"),
            models.CheckConstraint(condition=~Q(deputy=F("user")), name="absence_deputy_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.starts_on}–{self.ends_on} → {self.deputy_id}"

    def covers(self, day) -> bool:
        return self.starts_on <= day <= self.ends_on


class ApiToken(AbstractAuthToken):
    """An API token, stored as knox stores it: only a digest of the key, and an expiry.

    The key itself is shown once, when it is issued. A plain id (instead of
    knox's digest as primary key) names a token on the token page and in the
    admin without showing anything derived from the key.
    """

    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=128, unique=True)
    last_used_at = models.DateTimeField("最終利用日時", null=True, blank=True)

    class Meta:
        verbose_name = "APIトークン"
        verbose_name_plural = "APIトークン"
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.user_id} / {self.created:%Y-%m-%d %H:%M}"
