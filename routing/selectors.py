"""Reads of the reference data."""

import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from .codes import normalise_kana
from .models import Jurisdiction, LocalGovernment, Office, PolicyArea


def active_on(day: datetime.date) -> Q:
    """Rows whose validity period contains ``day`` (``valid_to`` is exclusive)."""
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=day)) & (Q(valid_to__isnull=True) | Q(valid_to__gt=day))


def policy_areas() -> QuerySet[PolicyArea]:
    return PolicyArea.objects.prefetch_related("lead_ministries")


def search_local_governments(
    *, q: str = "", prefecture: str = "", filers_only: bool = True
) -> QuerySet[LocalGovernment]:
    """Local governments by name, kana (hiragana, katakana or half-width) or code."""
    queryset = LocalGovernment.objects.select_related("prefecture")
    if filers_only:
        queryset = queryset.filter(can_file=True)
    if prefecture:
        queryset = queryset.filter(Q(prefecture__code=prefecture) | Q(prefecture__name=prefecture))
    q = (q or "").strip()
    if q:
        kana = normalise_kana(q)
        condition = Q(name__contains=q) | Q(kana_search__startswith=kana) | Q(code__startswith=q)
        if len(kana) >= 2:
            condition |= Q(kana_search__contains=kana)
        queryset = queryset.filter(condition)
    return queryset.order_by("code")


def offices(*, ministry: str = "", on: datetime.date | None = None) -> QuerySet[Office]:
    """Offices with the prefectures each covers on ``on`` (default: today)."""
    day = on or timezone.localdate()
    jurisdictions = (
        Jurisdiction.objects.filter(active_on(day), local_government__isnull=True)
        .select_related("prefecture")
        .order_by("prefecture__code")
    )
    queryset = Office.objects.filter(active_on(day)).select_related("ministry", "system")
    if ministry:
        queryset = queryset.filter(ministry__slug=ministry)
    return queryset.prefetch_related(Prefetch("jurisdictions", queryset=jurisdictions, to_attr="current_jurisdictions"))


def office_covering(
    *,
    system_slug: str,
    prefecture_code: str,
    local_government_code: str = "",
    matter: str = "",
    on: datetime.date | None = None,
) -> Office | None:
    """The office of a system that covers a local government (override) or its prefecture."""
    day = on or timezone.localdate()
    base = Jurisdiction.objects.filter(active_on(day), system__slug=system_slug, matter=matter).select_related("office")
    if local_government_code:
        override = base.filter(local_government__code=local_government_code).first()
        if override:
            return override.office
    row = base.filter(prefecture__code=prefecture_code, local_government__isnull=True).order_by("-valid_from").first()
    return row.office if row else None
