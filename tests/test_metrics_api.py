"""GET /api/v1/metrics/response-times/ on a constructed data set whose figures are computed by hand."""

import datetime

import pytest

from consult import services
from routing.business_time import JST
from tests import metrics_reference as reference

pytestmark = pytest.mark.django_db
URL = "/api/v1/metrics/response-times/"


def jst(*parts):
    return datetime.datetime(*parts, tzinfo=JST)


FILED = jst(2026, 12, 1, 9, 0)  # Tuesday; default policy: first response within 2 business days (17.5 h)


@pytest.fixture
def data_set(people, file):
    maff, staff = people["maff"], people["matsumoto"]
    a = file(staff, now=FILED, title="A")
    services.post_message(actor=maff, consultation=a, body="回答します", now=jst(2026, 12, 1, 11, 0))  # 2.0 h
    services.transition(actor=maff, consultation=a, action="accept", now=jst(2026, 12, 1, 11, 0))
    services.transition(actor=maff, consultation=a, action="resolve", comment="解決", now=jst(2026, 12, 2, 10, 0))
    b = file(staff, now=FILED, title="B")
    services.transition(actor=maff, consultation=b, action="accept", now=FILED)
    services.transition(actor=maff, consultation=b, action="request_info", comment="面積は？",
                        now=jst(2026, 12, 2, 9, 0))  # first response 8.75 h  # fmt: skip
    services.post_message(actor=staff, consultation=b, body="12ha", now=jst(2026, 12, 3, 9, 0))  # resumes
    services.transition(actor=maff, consultation=b, action="resolve", comment="解決", now=jst(2026, 12, 3, 12, 0))
    file(staff, now=FILED, title="C")  # never answered
    d = file(staff, now=FILED, title="D")
    services.transition(actor=staff, consultation=d, action="withdraw", now=jst(2026, 12, 1, 10, 0))
    e = file(people["niigata"], now=FILED, title="E", policy_area="sme-dx")
    services.post_message(actor=people["meti"], consultation=e, body="回答", now=jst(2026, 12, 1, 13, 0))  # 4.0 h
    file(staff, now=jst(2026, 3, 31, 10, 0), title="前年度")  # outside the fiscal year
    from metrics import services as metrics_services

    metrics_services.refresh_changed(now=jst(2026, 12, 20, 9, 59))  # what beat does every minute


def test_by_office_every_figure_by_hand(api, people, data_set, time_machine):
    time_machine.move_to(jst(2026, 12, 20, 10, 0))
    response = api(people["secretariat"]).get(URL, {"group_by": "office"})
    assert response["X-Banso-Figures-As-Of"] == "2026-12-20T00:59:00+00:00"  # the rollup's last refresh
    rows = response.json()
    assert [row["key"] for row in rows] == ["maff-rab-kanto", "meti-rbe-kanto"]
    maff, meti = rows
    assert maff == {
        "key": "maff-rab-kanto", "label": "関東農政局", "filed": 4, "answered": 2,
        "median_first_response_hours": 2.0, "p90_first_response_hours": 8.8,  # 8.75 shown with one decimal
        "median_resolution_hours": 9.8,  # A 9.75 h (B 11.75 h: its pause does not count)
        "p90_resolution_hours": 11.8,  # B, the 2nd of 2
        "sla_met_ratio": 0.667,  # A and B in time, C past its deadline unanswered; D withdrawn
        # A (9.75 h) and B (11.75 h) within 87.5 h; C past its resolution deadline (15 Dec) unresolved
        "resolution_sla_met_ratio": 0.667,
        "open": 1, "overdue": 1, "meets_minimum_sample": False,
        "transfers_per_consultation": 0.0, "reopen_rate": 0.0,  # A and B resolved, neither reopened
        # C, open since Tue 1 Dec 09:00: 13 business days and more by the refresh (Sun 20 Dec)
        "open_under_2_days": 0, "open_2_to_5_days": 0, "open_5_to_10_days": 0, "open_10_days_or_more": 1,
        "rated": 0, "satisfaction": None,
    }  # fmt: skip
    assert (meti["filed"], meti["answered"], meti["median_first_response_hours"], meti["sla_met_ratio"]) == (
        1, 1, 4.0, 1.0
    )  # fmt: skip
    assert (meti["open"], meti["overdue"]) == (1, 1)  # answered but unresolved past 15 December


def test_by_prefecture_ministry_and_policy_area(api, people, data_set, time_machine):
    time_machine.move_to(jst(2026, 12, 20, 10, 0))
    client = api(people["secretariat"])
    prefectures = {row["key"]: row for row in client.get(URL, {"group_by": "prefecture"}).json()}
    assert (prefectures["20"]["label"], prefectures["20"]["filed"], prefectures["15"]["filed"]) == ("長野県", 4, 1)
    ministries = {row["key"]: row["filed"] for row in client.get(URL, {"group_by": "ministry"}).json()}
    assert ministries == {"maff": 4, "meti": 1}
    areas = {row["key"]: row["answered"] for row in client.get(URL, {"group_by": "policy_area"}).json()}
    assert areas == {"smart-agri": 2, "sme-dx": 1}
    months = client.get(URL, {"group_by": "month", "from": "2026-03-01", "to": "2026-12-31"}).json()
    assert [(row["key"], row["filed"], row["answered"]) for row in months] == [("2026-03", 1, 0), ("2026-12", 5, 3)]
    assert months[1]["median_first_response_hours"] == 4.0  # 2.0, 4.0 and 8.75 h
    (whole,) = client.get(URL, {"group_by": "all"}).json()
    assert (whole["key"], whole["filed"], whole["answered"]) == ("all", 5, 3)
    last_year = client.get(URL, {"group_by": "office", "from": "2025-04-01", "to": "2026-03-31"}).json()
    assert [(row["key"], row["filed"]) for row in last_year] == [("maff-rab-kanto", 1)]


def test_only_the_secretariat_and_bad_input_names_the_field(api, people):
    assert api(people["maff"]).get(URL).status_code == 403
    assert api(people["matsumoto"]).get(URL).status_code == 403
    response = api(people["secretariat"]).get(URL, {"group_by": "city", "from": "2026-13-01"})
    assert response.status_code == 400 and set(response.json()["errors"]) == {"group_by", "from"}


def test_the_same_table_as_csv(api, people, data_set, time_machine):
    import csv
    import io

    time_machine.move_to(jst(2026, 12, 20, 10, 0))
    client = api(people["secretariat"])
    rows = client.get(URL, {"group_by": "office"}).json()
    response = client.get(URL, {"group_by": "office", "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="response-times-office-2026-04-01-2027-03-31.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [row["key"] for row in table] == [row["key"] for row in rows]
    assert table[0]["label"] == "関東農政局" and table[0]["median_first_response_hours"] == "2.0"
    assert table[0]["sla_met_ratio"] == "0.667" and table[1]["median_resolution_hours"] == ""
    bad = client.get(URL, {"group_by": "city", "format": "csv"})
    assert bad.status_code == 400 and "group_by" in bad.content.decode("utf-8")


def test_the_json_the_csv_and_the_schema_have_the_registrys_columns(api, people, data_set, time_machine):
    import csv
    import io

    from metrics import figures
    from metrics.api.views import Row

    time_machine.move_to(jst(2026, 12, 20, 10, 0))
    client = api(people["secretariat"])
    keys = figures.api_keys()
    # API.md's fields are among them.
    assert {"key", "label", "filed", "answered", "median_first_response_hours", "p90_first_response_hours",
            "median_resolution_hours", "sla_met_ratio", "open", "overdue"} <= set(keys)  # fmt: skip
    for group_by in ("office", "all"):
        assert all(sorted(row) == sorted(keys) for row in client.get(URL, {"group_by": group_by}).json())
    text = client.get(URL, {"group_by": "office", "format": "csv"}).content.decode("utf-8").lstrip("\ufeff")
    assert next(csv.reader(io.StringIO(text))) == keys
    assert list(Row.child.fields) == keys
    assert Row.child.fields["open"].help_text and Row.child.fields["satisfaction"].allow_null


@pytest.mark.parametrize("group_by", ["office", "ministry", "policy_area", "prefecture", "month", "all"])
def test_the_rollup_gives_the_same_table_as_the_history(people, data_set, group_by):
    from metrics import selectors, services

    now = jst(2026, 12, 20, 10, 0)
    services.refresh_changed(now=now)
    expected = reference.response_times(group_by=group_by, start=datetime.date(2026, 4, 1),
                                        end=datetime.date(2027, 3, 31), now=now)  # fmt: skip
    actual = selectors.rollup_response_times(group_by=group_by, start=datetime.date(2026, 4, 1),
                                             end=datetime.date(2027, 3, 31), now=now)  # fmt: skip
    assert actual == expected


@pytest.mark.parametrize("group_by", ["prefecture", "week"])
def test_the_dashboards_counts_are_the_tables(people, data_set, group_by):
    """The trend (by week) and the prefecture tiles count filed, answered and
    attainment as the table does: checked against the history's reference."""
    from metrics import selectors, services

    now = jst(2026, 12, 20, 10, 0)
    services.refresh_changed(now=now)
    year = {"start": datetime.date(2026, 4, 1), "end": datetime.date(2027, 3, 31)}
    expected = {
        row["key"]: {name: row[name] for name in ("filed", "answered", "sla_met_ratio", "meets_minimum_sample")}
        for row in reference.response_times(group_by=group_by, now=now, **year)
    }
    counts = selectors.attainment_counts(group_by=group_by, now=now, **year)
    assert (
        expected and {key: {n: v for n, v in row.items() if n != "judged"} for key, row in counts.items()} == expected
    )
    if group_by == "week":
        assert all(datetime.date.fromisoformat(key).weekday() == 0 for key in counts)  # keyed by Monday
    if group_by == "prefecture":
        table = selectors.rollup_response_times(group_by="prefecture", now=now, **year)
        assert {row["key"]: row["sla_met_ratio"] for row in table} == {
            key: row["sla_met_ratio"] for key, row in counts.items()
        }


def test_transfers_per_consultation_and_reopen_rate_by_hand(api, people, file, time_machine):
    from metrics import services as metrics_services

    staff, maff, hq = people["matsumoto"], people["maff"], people["maff_hq"]
    x = file(staff, now=FILED, title="X")
    services.transfer(actor=maff, consultation=x, office="maff-hq", reason="本省の所管", now=jst(2026, 12, 1, 10, 0))
    services.transition(actor=hq, consultation=x, action="resolve", comment="回答", now=jst(2026, 12, 2, 10, 0))
    services.transition(actor=staff, consultation=x, action="reopen", comment="追加で", now=jst(2026, 12, 3, 10, 0))
    y = file(staff, now=FILED, title="Y")
    services.transition(actor=maff, consultation=y, action="resolve", comment="回答", now=jst(2026, 12, 1, 12, 0))
    file(staff, now=FILED, title="Z")  # neither transferred nor resolved
    metrics_services.refresh_changed(now=jst(2026, 12, 20, 9, 59))
    time_machine.move_to(jst(2026, 12, 20, 10, 0))
    rows = {row["key"]: row for row in api(people["secretariat"]).get(URL, {"group_by": "office"}).json()}
    # By the office that first received them: 1 transfer over 3 consultations; X and Y
    # were resolved, X was reopened.
    kanto = rows["maff-rab-kanto"]
    assert (kanto["filed"], kanto["transfers_per_consultation"], kanto["reopen_rate"]) == (3, 0.33, 0.5)


def test_satisfaction_is_the_mean_rating_of_the_answering_office(api, people, data_set, time_machine):
    from consult.models import Consultation
    from metrics import selectors
    from metrics import services as metrics_services

    staff = people["matsumoto"]
    services.rate(actor=staff, consultation=Consultation.objects.get(title="A"), rating=4, now=jst(2026, 12, 4, 9, 0))
    services.rate(actor=staff, consultation=Consultation.objects.get(title="B"), rating=5, now=jst(2026, 12, 4, 9, 0))
    now = jst(2026, 12, 20, 9, 59)
    metrics_services.refresh_changed(now=now)
    time_machine.move_to(jst(2026, 12, 20, 10, 0))
    rows = {row["key"]: row for row in api(people["secretariat"]).get(URL, {"group_by": "office"}).json()}
    assert (rows["maff-rab-kanto"]["rated"], rows["maff-rab-kanto"]["satisfaction"]) == (2, 4.5)
    assert (rows["meti-rbe-kanto"]["rated"], rows["meti-rbe-kanto"]["satisfaction"]) == (0, None)
    first, last = datetime.date(2026, 4, 1), datetime.date(2027, 3, 31)
    assert selectors.rollup_response_times(group_by="all", start=first, end=last, now=now) == reference.response_times(
        group_by="all", start=first, end=last, now=now
    )


def test_aging_buckets_at_their_bounds():
    from metrics.selectors import aging_thresholds
    from tests.metrics_reference import aging_bucket

    filed = jst(2026, 12, 7, 9, 0)  # Monday
    two_days = jst(2026, 12, 9, 9, 0)  # Wednesday: exactly 2 business days later
    assert aging_bucket(filed, two_days - datetime.timedelta(seconds=1)) == "open_under_2_days"
    assert aging_bucket(filed, two_days) == "open_2_to_5_days"
    # Filed on Saturday, the clock of its age starts on Monday morning.
    assert aging_bucket(jst(2026, 12, 5, 12, 0), two_days) == "open_2_to_5_days"
    assert aging_bucket(filed, jst(2026, 12, 14, 9, 0)) == "open_5_to_10_days"  # 5 business days
    assert aging_bucket(filed, jst(2026, 12, 21, 9, 0)) == "open_10_days_or_more"  # 10
    # What SQL compares against: filed at or after the threshold ⟺ younger than the bound.
    two, five, ten = aging_thresholds(two_days)
    assert two == filed + datetime.timedelta(seconds=1)
    assert five < two and ten < five


def test_the_rollup_catches_up_with_changes(people, file):
    from consult.models import Consultation
    from metrics import services as metrics_services
    from metrics.models import ConsultationFigures

    consultation = file(people["matsumoto"], now=FILED)
    metrics_services.refresh_changed(now=FILED)
    assert ConsultationFigures.objects.get(pk=consultation.pk).first_hours is None
    services.post_message(actor=people["maff"], consultation=Consultation.objects.get(pk=consultation.pk),
                          body="回答", now=jst(2026, 12, 1, 12, 0))  # fmt: skip
    assert metrics_services.refresh_changed(now=jst(2026, 12, 1, 12, 1)) >= 1
    assert ConsultationFigures.objects.get(pk=consultation.pk).first_hours == 3.0


def test_open_and_overdue_at_the_end_of_a_past_period(api, people, file, time_machine):
    """November 2026, seen on Sunday 20 December: open and overdue are what they were at
    the end of 30 November (METRICS.md), held by the office holding them then, not as
    the consultations are now."""
    from consult.models import Consultation
    from metrics import dashboard, selectors
    from metrics import services as metrics_services
    from metrics.models import OpenStretch

    staff, maff, meti = people["matsumoto"], people["maff"], people["meti"]
    mid_november = jst(2026, 11, 16, 9, 0)  # Monday
    # X: answered at once, resolved after November: open at its end, due 1 December (not overdue).
    x = file(staff, now=mid_november, title="X")
    services.post_message(actor=maff, consultation=x, body="回答", now=jst(2026, 11, 16, 10, 0))
    services.transition(actor=maff, consultation=x, action="resolve", comment="解決", now=jst(2026, 12, 8, 10, 0))
    # Y: transferred unanswered to METI (its first deadline: Thu 19 Nov 10:00), answered in December.
    y = file(staff, now=mid_november, title="Y")
    services.transfer(actor=maff, consultation=y, office="meti-rbe-kanto", reason="経産省の所管",
                      now=jst(2026, 11, 17, 10, 0))  # fmt: skip
    services.post_message(actor=meti, consultation=y, body="回答", now=jst(2026, 12, 2, 10, 0))
    # Z: waiting for the filer from 16 November to 1 December: open, paused, so not overdue.
    z = file(staff, now=mid_november, title="Z")
    services.transition(actor=maff, consultation=z, action="request_info", comment="面積は？",
                        now=jst(2026, 11, 16, 10, 0))  # fmt: skip
    services.post_message(actor=staff, consultation=z, body="12ha", now=jst(2026, 12, 1, 10, 0))
    # W: resolved 2 November, reopened 30 November (a new resolution deadline), resolved in December.
    w = file(staff, now=jst(2026, 11, 2, 9, 0), title="W")
    services.transition(actor=maff, consultation=w, action="resolve", comment="解決", now=jst(2026, 11, 2, 11, 0))
    services.transition(actor=staff, consultation=w, action="reopen", comment="追加で", now=jst(2026, 11, 30, 10, 0))
    services.transition(actor=maff, consultation=w, action="resolve", comment="解決", now=jst(2026, 12, 2, 10, 0))
    # V: never answered: open and overdue since early November, and still now.
    file(staff, now=jst(2026, 11, 2, 9, 0), title="V")
    now = jst(2026, 12, 20, 9, 59)
    metrics_services.refresh_changed(now=now)
    time_machine.move_to(jst(2026, 12, 20, 10, 0))

    november = {"from": "2026-11-01", "to": "2026-11-30"}
    rows = {row["key"]: row for row in api(people["secretariat"]).get(URL, {"group_by": "office", **november}).json()}
    kanto, meti_row = rows["maff-rab-kanto"], rows["meti-rbe-kanto"]
    assert (kanto["open"], kanto["overdue"]) == (4, 1)  # X Z W V open; V overdue
    assert (meti_row["open"], meti_row["overdue"]) == (1, 1)  # Y, past its first deadline, at METI by then
    # Business age at the end of November: X and Z 9.9 business days (23 November a holiday), W and V 19.9.
    assert [kanto[name] for name, _days in selectors.AGING] == [0, 0, 2, 2]
    # Now only V and Z (Z's resolution deadline, moved by the wait, passed on 15 December) at MAFF are open.
    this_year = {row["key"]: row for row in api(people["secretariat"]).get(URL, {"group_by": "office"}).json()}
    assert (this_year["maff-rab-kanto"]["open"], this_year["maff-rab-kanto"]["overdue"]) == (2, 2)

    first, last = datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)
    for group_by in selectors.GROUPS:
        assert selectors.rollup_response_times(group_by=group_by, start=first, end=last, now=now) == (
            reference.response_times(group_by=group_by, start=first, end=last, now=now)
        ), group_by
    headline = dashboard.headline(start=first, end=last, now=now)["current"]
    assert (headline["open"], headline["overdue"]) == (5, 2)

    def cell(group_by, key, figure):
        rows = dashboard.cell_consultations(dashboard.Cell(group_by, key, figure, first, last), now=now)
        return sorted(
            Consultation.objects.filter(pk__in=rows.values("consultation_id")).values_list("title", flat=True)
        )

    assert cell("office", "meti-rbe-kanto", "open") == ["Y"]
    assert cell("office", "maff-rab-kanto", "open") == ["V", "W", "X", "Z"]
    assert cell("all", "", "overdue") == ["V", "Y"]
    assert cell("all", "", "overdue_now") == ["V", "Y", "Z"]  # Y: its resolution deadline, 1 December

    # The replayed deadlines are the ones the consultation services set: Y's first deadline
    # after the transfer, W's resolution deadline after the reopening.
    y.refresh_from_db()
    w.refresh_from_db()
    y_at_meti = OpenStretch.objects.get(
        figures_id=y.pk, office_id=y.primary_office_id, started_at=jst(2026, 11, 17, 10, 0)
    )
    assert y_at_meti.overdue_from == y.first_response_due_at == jst(2026, 11, 19, 10, 0)
    reopened = OpenStretch.objects.get(figures_id=w.pk, started_at=jst(2026, 11, 30, 10, 0))
    assert reopened.overdue_from == w.resolution_due_at and reopened.ended_at == jst(2026, 12, 2, 10, 0)
