"""No CSV the site writes lets a spreadsheet run a formula: every text cell that
starts with =, +, -, @, a tab or a carriage return is written with a leading
apostrophe; numbers stay numbers."""

import csv
import datetime
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest

from config.csv_export import safe_cell, writer
from routing.business_time import JST

ROOT = Path(__file__).resolve().parent.parent
STARTS = ["=", "+", "-", "@", "\t", "\r"]
FORMULA = '1+1+cmd|" /C calc"!A0'


def table(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8").lstrip("\ufeff"))))


@pytest.mark.parametrize("start", [*STARTS, "\uff1d", "\uff20"])
def test_a_text_cell_that_starts_like_a_formula_is_neutralised(start):
    assert safe_cell(start + FORMULA) == "'" + start + FORMULA


@pytest.mark.parametrize("value", [-1.5, -3, 0, 2.25, Decimal("-0.5"), True, None, "関東農政局", "a=b", "BNS-2026-1"])
def test_numbers_and_plain_text_are_written_as_they_are(value):
    assert safe_cell(value) is value


def test_text_that_reads_as_a_negative_number_is_still_text():
    """A title "-1.5" is text (only real figures are numbers): prefixing it is harmless."""
    assert safe_cell("-1.5") == "'-1.5"


def test_the_writer_neutralises_every_cell_of_every_row():
    out = io.StringIO()
    writer(out).writerows([["=A1", -1.5, "@SUM(1)"], ["+1", None, "ok"]])
    assert out.getvalue() == "'=A1,-1.5,'@SUM(1)\r\n'+1,,ok\r\n"


def test_every_csv_the_site_writes_goes_through_the_one_helper():
    """A new export cannot forget: ``csv.writer`` is used by ``config/csv_export.py`` alone."""
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in (".venv", "node_modules", "tests", "scripts") or relative == Path(
            "config/csv_export.py"
        ):
            continue
        if re.search(r"csv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8")):
            offenders.append(str(relative))
    assert offenders == []


# --- on each export ----------------------------------------------------------------------------

FILED = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=JST)
NOW = datetime.datetime(2026, 12, 20, 10, 0, tzinfo=JST)
PERIOD = {"from": "2026-12-01", "to": "2026-12-14"}


@pytest.fixture
def figures(people, file, time_machine):
    """One consultation per formula start in its title, answered by Kanto's MAFF office."""
    from consult import services
    from metrics import services as metrics_services

    made = []
    for index, start in enumerate(STARTS):
        consultation = file(people["matsumoto"], now=FILED + datetime.timedelta(minutes=index),
                            title=f"{start}HYPERLINK(\"http://attacker.invalid/?{index}\")")  # fmt: skip
        services.post_message(actor=people["maff"], consultation=consultation, body="回答します",
                              now=FILED + datetime.timedelta(hours=2, minutes=index))  # fmt: skip
        made.append(consultation)
    metrics_services.refresh_changed(now=NOW - datetime.timedelta(minutes=1))
    time_machine.move_to(NOW, tick=False)
    return made


def rename_office(name: str) -> None:
    from routing.models import Office
    from routing.selectors import reference_changed

    Office.objects.filter(slug="maff-rab-kanto").update(name=name)
    reference_changed()


@pytest.mark.parametrize("start", STARTS)
def test_metrics_api_csv_neutralises_an_office_name(api, people, figures, start):
    rename_office(f"{start}1+1")
    response = api(people["secretariat"]).get(
        "/api/v1/metrics/response-times/", {"group_by": "office", "format": "csv", **PERIOD}
    )
    assert response.status_code == 200
    rows = table(response.content)
    (maff,) = [row for row in rows if row["key"] == "maff-rab-kanto"]
    assert maff["label"] == f"'{start}1+1"
    assert maff["median_first_response_hours"] == "2.0" and maff["filed"] == "6"  # figures stay numbers


def test_metrics_api_csv_error_rows_are_neutralised(api, people):
    response = api(people["secretariat"]).get("/api/v1/metrics/response-times/", {"group_by": "=cmd", "format": "csv"})
    assert response.status_code == 400
    for row in csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff"))):
        assert not any(cell.startswith(tuple(STARTS)) for cell in row)


@pytest.mark.parametrize("start", STARTS)
def test_dashboard_table_csv_neutralises_an_office_name(client, people, figures, start):
    rename_office(f"{start}1+1")
    client.force_login(people["secretariat"])
    response = client.get("/dashboard/table.csv", {**PERIOD, "group_by": "office"})
    assert response.status_code == 200
    (maff,) = [row for row in table(response.content) if row["key"] == "maff-rab-kanto"]
    assert maff["label"] == f"'{start}1+1"
    assert maff["filed"] == "6"


@pytest.mark.parametrize("start", STARTS)
def test_drill_down_csv_neutralises_titles_and_office_names(client, people, figures, start):
    rename_office(f"{start}SUM(1+1)*cmd")
    client.force_login(people["secretariat"])
    response = client.get(
        "/dashboard/consultations/",
        {**PERIOD, "group_by": "office", "key": "maff-rab-kanto", "figure": "filed", "format": "csv"},
    )
    assert response.status_code == 200
    rows = table(b"".join(response.streaming_content))
    # Titles are stored stripped (a leading tab or line break never survives filing).
    stored = [c.title for c in type(figures[0]).objects.filter(pk__in=[c.pk for c in figures])]
    assert sorted(row["title"] for row in rows) == sorted(safe_cell(title) for title in stored)
    assert sum(row["title"].startswith("'") for row in rows) == 4  # =, +, -, @
    assert {row["office"] for row in rows} == {f"'{start}SUM(1+1)*cmd"}
    assert {row["first_response_hours"] for row in rows} == {"2.0"}  # a figure: as it is
    for row in rows:
        for value in row.values():
            assert not value.startswith(tuple(STARTS)), row
