"""The monthly report: due on the first business day, figures by hand, e-mailed once."""

import datetime

import pytest
from django.core import mail

from consult import services
from metrics import services as metrics_services
from metrics.models import MonthlyReport
from metrics.report import month_due
from routing.business_time import JST

pytestmark = pytest.mark.django_db


def jst(*parts):
    return datetime.datetime(*parts, tzinfo=JST)


SEND_AT = jst(2026, 11, 2, 9, 0)  # Monday: 1 November 2026 is a Sunday


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (datetime.date(2026, 11, 1), None),  # Sunday, before the first business day
        (datetime.date(2026, 11, 2), datetime.date(2026, 10, 1)),
        (datetime.date(2026, 11, 20), datetime.date(2026, 10, 1)),  # later runs still find it due
        (datetime.date(2027, 1, 2), None),  # year-end closure
        (datetime.date(2027, 1, 4), datetime.date(2026, 12, 1)),
    ],
)
def test_the_month_falls_due_on_the_first_business_day(today, due):
    assert month_due(today) == due


@pytest.fixture
def october(people, file):
    maff, staff = people["maff"], people["matsumoto"]
    filed = jst(2026, 10, 1, 9, 0)  # Thursday
    a = file(staff, now=filed, title="A")
    services.post_message(actor=maff, consultation=a, body="回答します", now=jst(2026, 10, 1, 11, 0))  # 2.0 h
    b = file(staff, now=filed, title="B")
    # 8.25 h on Thursday (09:00–17:15) + 0.5 h on Friday (08:30–09:00) = 8.75 h
    services.transition(
        actor=maff, consultation=b, action="request_info", comment="面積は？", now=jst(2026, 10, 2, 9, 0)
    )
    file(staff, now=filed, title="C")  # never answered: missed its deadline (Mon 5 Oct 09:00)
    september = file(staff, now=jst(2026, 9, 1, 9, 0), title="9月")
    services.post_message(actor=maff, consultation=september, body="回答", now=jst(2026, 9, 1, 13, 0))  # 4.0 h
    metrics_services.refresh_changed(now=SEND_AT - datetime.timedelta(minutes=1))


def test_figures_by_hand_and_one_mail_per_secretariat_member(people, october, time_machine):
    from accounts.models import Role
    from accounts.services import upsert_user

    upsert_user(email="second@cao.example.go.jp", display_name="事務局 二", role=Role.SECRETARIAT)
    time_machine.move_to(SEND_AT)
    assert metrics_services.send_monthly_report(now=SEND_AT) == 2
    report = MonthlyReport.objects.get()
    figures = report.figures
    assert figures["month"] == "2026-10"
    assert figures["overall"] == {
        "filed": 3, "answered": 2,
        "median_first_response_hours": 2.0,  # nearest rank of [2.0, 8.75]
        "p90_first_response_hours": 8.8,  # 8.75 with one decimal
        "median_resolution_hours": None,
        "sla_met_ratio": 0.667,  # A and B within 17.5 h; C unanswered past its deadline
        "open": 3,
        "overdue": 2,  # A past its resolution deadline, C past both; B is paused
    }  # fmt: skip
    assert figures["previous"]["filed"] == 1 and figures["previous"]["median_first_response_hours"] == 4.0
    assert figures["change"] == {"filed": 2, "median_first_response_hours": -2.0, "sla_met_points": -33.3}
    (ministry,) = figures["ministries"]
    assert (ministry["label"], ministry["filed"], ministry["meets_minimum_sample"]) == ("農林水産省", 3, False)

    assert sorted(message.to[0] for message in mail.outbox) == [
        "second@cao.example.go.jp",
        "secretariat@cao.example.go.jp",
    ]
    message = mail.outbox[0]
    assert message.subject == "【Banso】2026-10 の月次報告（応答状況）"
    assert "初回回答までの時間（中央値）: 2.0 h（−2.0 h）" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "標本不足" in html and "/dashboard/reports/2026-10/" in html
    ((name, content, pdf_type),) = message.attachments
    assert (name, pdf_type) == ("banso-monthly-report-2026-10.pdf", "application/pdf")
    assert_one_page_report(content)

    # Beat runs again (the same day, or a retried task): nobody gets it twice.
    assert metrics_services.send_monthly_report(now=SEND_AT + datetime.timedelta(hours=1)) == 0
    assert len(mail.outbox) == 2 and MonthlyReport.objects.count() == 1


def assert_one_page_report(content: bytes) -> None:
    """A4, one page, with the month and the figures as text (Japanese fonts embedded)."""
    import io

    from pypdf import PdfReader

    assert content.startswith(b"%PDF-")
    (page,) = PdfReader(io.BytesIO(content)).pages
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)  # A4 in points
    text = page.extract_text()
    assert "2026-10" in text and "月次報告" in text and "66.7%" in text and "農林水産省" in text


def test_nothing_is_sent_before_the_first_business_day(people, october):
    assert metrics_services.send_monthly_report(now=jst(2026, 11, 1, 9, 0)) == 0
    assert not mail.outbox and not MonthlyReport.objects.exists()


def test_the_report_page_for_the_secretariat_only(client, people, october):
    metrics_services.send_monthly_report(now=SEND_AT)
    client.force_login(people["secretariat"])
    page = client.get("/dashboard/reports/2026-10/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "2026-10 の応答状況（月次報告）" in text and "66.7%" in text
    assert "2026-10" in client.get("/dashboard/reports/").content.decode()
    assert client.get("/dashboard/reports/2026-09/").status_code == 404
    assert 'href="/dashboard/reports/2026-10.pdf"' in text
    pdf = client.get("/dashboard/reports/2026-10.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'attachment; filename="banso-monthly-report-2026-10.pdf"'
    assert_one_page_report(pdf.content)
    assert client.get("/dashboard/reports/2026-09.pdf").status_code == 404
    for who in ("matsumoto", "maff"):
        client.force_login(people[who])
        assert client.get("/dashboard/reports/2026-10/").status_code == 404
        assert client.get("/dashboard/reports/2026-10.pdf").status_code == 404
        assert client.get("/dashboard/reports/").status_code == 404


def test_the_beat_task_is_scheduled_on_weekday_mornings(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["metrics-monthly-report"]
    assert entry["task"] == "metrics.send_monthly_report"
    assert entry["schedule"].hour == {9} and entry["schedule"].day_of_week == {1, 2, 3, 4, 5}
