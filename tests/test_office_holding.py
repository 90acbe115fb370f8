"""SLA business time per office across transfers (issue 17 part 6): each office is
charged only the business hours it held the consultation, without the time waiting
for the filer, on the consultation page and in the secretariat's CSV."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from consult import services
from metrics import core
from routing.business_time import DEFAULT_CALENDAR, JST
from routing.models import Office


def jst(*parts):
    return datetime.datetime(*parts, tzinfo=JST)


# Filed on Friday 20 November 2026 at 15:15; Monday the 23rd is 勤労感謝の日 (a holiday).
FILED = jst(2026, 11, 20, 15, 15)
TRANSFERRED = jst(2026, 11, 24, 10, 30)  # Tuesday: 2 h on Friday + 2 h on Tuesday = 4 business hours
ASKED, ANSWERED = jst(2026, 11, 25, 9, 0), jst(2026, 11, 25, 11, 15)  # waiting for the filer: not counted
NOW = jst(2026, 11, 25, 12, 0)
# The second office: Tuesday 10:30–17:15 (6.75 h) + Wednesday 08:30–09:00 and 11:15–12:00 (1.25 h) = 8 h.


def test_a_transfer_charges_each_office_only_its_own_business_hours():
    timeline = core.Timeline(FILED, 1, (
        core.Step(TRANSFERRED, core.TRANSFERRED, 2),
        core.Step(ASKED, core.PAUSED),
        core.Step(ANSWERED, core.RESUMED),
    ))  # fmt: skip
    holdings = [core.Holding(2, TRANSFERRED, None), core.Holding(1, FILED, TRANSFERRED)]
    held = core.held_hours(timeline, holdings, NOW, lambda office: DEFAULT_CALENDAR)
    assert [(h.office, h.started_at, h.ended_at, h.hours) for h in held] == [
        (1, FILED, TRANSFERRED, 4.0),
        (2, TRANSFERRED, None, 8.0),
    ]


def test_time_after_the_answer_is_not_held_until_reopened():
    resolved, reopened = jst(2026, 11, 20, 16, 15), jst(2026, 11, 24, 9, 30)
    timeline = core.Timeline(FILED, 1, (core.Step(resolved, core.RESOLVED), core.Step(reopened, core.REOPENED)))
    [held] = core.held_hours(timeline, [core.Holding(1, FILED, None)], jst(2026, 11, 24, 10, 0),
                             lambda office: DEFAULT_CALENDAR)  # fmt: skip
    assert held.hours == 1.5  # Friday 15:15–16:15 and Tuesday 09:30–10:00


@pytest.fixture
def transferred(people, file, time_machine):
    """松本市's consultation held by 関東農政局 for 4 business hours, then by 農林水産省本省 for 8."""
    time_machine.move_to(FILED, tick=False)
    consultation = file(people["matsumoto"])
    time_machine.move_to(TRANSFERRED, tick=False)
    services.transfer(actor=people["maff"], consultation=consultation, office=Office.objects.get(slug="maff-hq"),
                      reason="本省の所管です")  # fmt: skip
    time_machine.move_to(ASKED, tick=False)
    services.transition(actor=people["maff_hq"], consultation=consultation, action="request_info",
                        comment="対象の圃場の面積を教えてください")  # fmt: skip
    time_machine.move_to(ANSWERED, tick=False)
    services.post_message(actor=people["matsumoto"], consultation=consultation, body="約3ヘクタールです")
    time_machine.move_to(NOW, tick=False)
    consultation.refresh_from_db()
    return consultation


def _table(text: str) -> str:
    start = text.index('id="holdings-title"')
    return text[start : text.index("</section>", start)]


def test_the_page_shows_each_offices_hours(client_of, people, transferred):
    for who in ("maff", "maff_hq", "secretariat"):
        table = _table(client_of(people[who]).get(reverse("consultation", args=[transferred.pk])).content.decode())
        assert table.index("関東農政局") < table.index("4.0時間") < table.index("8.0時間"), who
        assert "保有中" in table
    filer_page = client_of(people["matsumoto"]).get(reverse("consultation", args=[transferred.pk])).content.decode()
    assert "部局ごとの保有時間" not in filer_page


def test_the_csv_has_a_row_per_office_holding(client_of, people, transferred, file):
    response = client_of(people["secretariat"]).get(
        reverse("dashboard-office-holding-csv"), {"from": "2026-11-01", "to": "2026-11-30"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows == [
        ["reference", "office", "started_at", "ended_at", "business_hours"],
        [transferred.reference, "関東農政局", FILED.isoformat(), TRANSFERRED.isoformat(), "4.0"],
        [transferred.reference, "農林水産省（本省）", TRANSFERRED.isoformat(), "", "8.0"],
    ]
    # A period without filings has the header only.
    empty = client_of(people["secretariat"]).get(reverse("dashboard-office-holding-csv"),
                                                 {"from": "2026-10-01", "to": "2026-10-31"})  # fmt: skip
    assert b"".join(empty.streaming_content).decode("utf-8-sig").count("\n") == 1


def test_the_csv_is_the_secretariats_only(client_of, people):
    for who in ("maff", "matsumoto"):
        assert client_of(people[who]).get(reverse("dashboard-office-holding-csv")).status_code == 404


def test_the_dashboard_links_to_the_csv(client_of, people):
    text = client_of(people["secretariat"]).get(reverse("dashboard")).content.decode()
    assert reverse("dashboard-office-holding-csv") in text


def test_the_csv_takes_the_same_queries_for_one_consultation_or_many(client_of, people, file, time_machine):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    time_machine.move_to(FILED, tick=False)
    client = client_of(people["secretariat"])
    url = reverse("dashboard-office-holding-csv")

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            lines = b"".join(client.get(url, {"from": "2026-11-01", "to": "2026-11-30"}).streaming_content)
        return len(queries), lines.count(b"\n")

    file(people["matsumoto"])
    one, rows = count()
    for _n in range(6):
        consultation = file(people["matsumoto"])
        services.transfer(actor=people["maff"], consultation=consultation, office=Office.objects.get(slug="maff-hq"),
                          reason="本省の所管です")  # fmt: skip
    many, more_rows = count()
    assert (rows, more_rows) == (2, 1 + 1 + 6 * 2)
    assert many == one
