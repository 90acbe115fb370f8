"""Writes of the metrics rollup: each consultation's figures, recomputed from its
history when it changes (a beat task catches up every minute)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from consult.models import Consultation
from routing import selectors as routing_selectors

from . import history, selectors
from .models import ConsultationFigures, OpenStretch, RefreshMark, ResolutionShare

CHUNK = 5_000
# Changes committed late with an earlier ``updated_at`` are caught by looking back this far.
OVERLAP = datetime.timedelta(minutes=5)


@transaction.atomic
def refresh_figures(*, consultation_ids: list[int], now: datetime.datetime | None = None) -> int:
    """Recompute the rollup rows of these consultations."""
    now = now or timezone.now()
    targets, resolution_goals = history.first_targets(), history.resolution_targets()
    _, local_governments = routing_selectors.filing_references()
    figures, shares, stretches = [], [], []
    for row, result in history.computed(Consultation.objects.filter(pk__in=consultation_ids)):
        (pk, created, routed, current, filer, area, _status, first_due, _first_at, resolution_due, _paused,
         policy, rating) = row  # fmt: skip
        answered = result.first_response_hours is not None
        resolved = result.resolved and result.resolution_hours is not None
        figures.append(
            ConsultationFigures(
                consultation_id=pk,
                filed_at=created,
                filed_office_id=routed,
                current_office_id=current,
                prefecture_code=local_governments[filer].prefecture_id,
                policy_area_id=area,
                withdrawn=result.withdrawn,
                first_office_id=result.first_response_office if answered else routed,
                first_hours=result.first_response_hours,
                first_target_hours=targets.get(policy, 0.0),
                first_due_at=first_due,
                resolution_hours=result.resolution_hours if resolved else None,
                resolution_due_at=resolution_due,
                transfers=result.transfers,
                ever_resolved=result.ever_resolved,
                reopened=result.reopened,
                rating=rating,
                resolution_target_hours=resolution_goals.get(policy, 0.0),
                computed_at=now,
            )
        )
        stretches += [
            OpenStretch(figures_id=pk, filed_at=created, office_id=stretch.office, started_at=stretch.start, ended_at=stretch.end,
                        paused=stretch.paused, overdue_from=stretch.overdue_from)
            for stretch in result.stretches
        ]  # fmt: skip
        if resolved:
            shares += [
                ResolutionShare(figures_id=pk, filed_at=created, office_id=o, hours=h)
                for o, h in result.hours_by_office.items()
            ]
    ConsultationFigures.objects.filter(pk__in=consultation_ids).delete()
    ConsultationFigures.objects.bulk_create(figures, batch_size=2_000)
    ResolutionShare.objects.bulk_create(shares, batch_size=2_000)
    OpenStretch.objects.bulk_create(stretches, batch_size=2_000)
    return len(figures)


def refresh_changed(*, now: datetime.datetime | None = None) -> int:
    """Catch the rollup up with every consultation changed since the last run."""
    now = now or timezone.now()
    mark = RefreshMark.objects.filter(name="figures").first()
    changed = Consultation.objects.order_by("updated_at", "id")
    if mark is not None:
        changed = changed.filter(updated_at__gte=mark.changed_up_to - OVERLAP)
    ids = list(changed.values_list("id", flat=True))
    latest = Consultation.objects.order_by("-updated_at").values_list("updated_at", flat=True).first() or now
    for start in range(0, len(ids), CHUNK):
        refresh_figures(consultation_ids=ids[start : start + CHUNK], now=now)
    RefreshMark.objects.update_or_create(name="figures", defaults={"changed_up_to": latest, "refreshed_at": now})
    return len(ids)


# --- the monthly report ------------------------------------------------------------------------


@transaction.atomic
def build_monthly_report(*, month: datetime.date, now: datetime.datetime | None = None):
    """The report of ``month``, built once (a second call returns the first)."""
    from .models import MonthlyReport
    from .report import month_figures

    now = now or timezone.now()
    month = month.replace(day=1)
    existing = MonthlyReport.objects.select_for_update().filter(month=month).first()
    if existing is not None:
        return existing
    return MonthlyReport.objects.create(month=month, figures=month_figures(month, now=now), created_at=now)


def send_monthly_report(*, now: datetime.datetime | None = None) -> int:
    """On or after the first business day of a month, build last month's report and
    e-mail it to every active secretariat member not yet sent it. Returns the number
    of e-mails sent. A delivery row per person is claimed and marked in one
    transaction, so that a retried or duplicated run sends nobody twice."""
    from accounts.models import Role, User

    from .models import MonthlyReportDelivery
    from .report import month_due

    now = now or timezone.now()
    month = month_due(timezone.localdate(now))
    if month is None:
        return 0
    report = build_monthly_report(month=month, now=now)
    recipients = User.objects.filter(role=Role.SECRETARIAT, is_active=True)
    MonthlyReportDelivery.objects.bulk_create(
        [MonthlyReportDelivery(report=report, recipient=user) for user in recipients], ignore_conflicts=True
    )
    unsent = MonthlyReportDelivery.objects.filter(report=report, sent_at__isnull=True)
    if not unsent.exists():
        return 0
    from .pdf import report_pdf

    pdf = report_pdf(report)  # once per run, and outside the transactions that hold a delivery
    sent = 0
    while True:
        with transaction.atomic():
            delivery = unsent.select_for_update(skip_locked=True).select_related("recipient").first()
            if delivery is None:
                return sent
            _mail_report(report, delivery.recipient, pdf)
            delivery.sent_at = timezone.now()
            delivery.save(update_fields=["sent_at"])
            sent += 1


def _mail_report(report, recipient, pdf: bytes) -> None:
    from django.conf import settings
    from django.core.mail import EmailMultiAlternatives
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("ja"):
        context = {"report": report, "figures": report.figures, "recipient": recipient,
                   "site_url": settings.SITE_URL.rstrip("/")}  # fmt: skip
        subject = render_to_string("metrics/report_subject.txt", context).strip()
        text = render_to_string("metrics/report_email.txt", context)
        html = render_to_string("metrics/report_email.html", context)
    from .pdf import report_filename

    message = EmailMultiAlternatives(subject, text, to=[recipient.email])
    message.attach_alternative(html, "text/html")
    message.attach(report_filename(report), pdf, "application/pdf")
    message.send()


# --- publication of the figures people read ------------------------------------------------------


def publish_figures(*, now: datetime.datetime | None = None) -> datetime.datetime:
    """Compute this fiscal year's response-time tables (every grouping) and the
    dashboard's default view as of ``now`` into the cache, then make ``now`` the
    instant everyone reads (``selectors.figures_as_of``). Readers switch only once
    everything is ready, so no request waits for a year of rows to be grouped."""
    from . import core, dashboard

    now = now or timezone.now()
    start, end = core.fiscal_year(timezone.localdate(now))
    for group_by in selectors.GROUPS:
        selectors.response_time_table(group_by=group_by, start=start, end=end, as_of=now)
    dashboard.warm(as_of=now)
    RefreshMark.objects.update_or_create(name="published", defaults={"changed_up_to": now, "refreshed_at": now})
    return now
