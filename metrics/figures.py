"""The figures of the response-time table, each defined once: its key (the API's
JSON field and the CSV's column), its words in Japanese (English from the
catalogue) for each place it is shown, its unit, and where it appears. The API
schema, the CSV, the dashboard's table and headline, and the monthly report read
this list instead of naming columns themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Units, and so how a value is written and which JSON type it has.
TEXT = "text"
COUNT = "count"  # a number of consultations
HOURS = "hours"  # business hours, one decimal
RATIO = "ratio"  # 0–1, three decimals; shown as a percentage
RATE = "rate"  # per consultation, two decimals
MEAN = "mean"  # a mean rating 1–5, two decimals
FLAG = "flag"


@dataclass(frozen=True)
class Figure:
    key: str
    label: Promise  # the column heading (the dashboard's table)
    unit: str
    help_text: str = ""  # for the API schema (English, like the rest of the schema)
    api: bool = True  # in the JSON of GET metrics/response-times/ and in its CSV
    # On the dashboard: the figure whose consultations a cell lists (``dashboard.FIGURES``).
    drill: str | None = None
    page: bool = False  # a column of the dashboard's table (sortable)
    headline: Promise | None = None  # a headline card of the dashboard, with these words
    # A line of the monthly report's overall table: (position, words), and a figure shown
    # beside it in brackets (open, and of them overdue).
    report: tuple[int, Promise] | None = None
    report_with: str | None = None
    report_column: Promise | None = None  # a column of its table by ministry

    @property
    def nullable(self) -> bool:
        """No figure when nothing was counted (shown as a dash, empty in the CSV)."""
        return self.unit in (HOURS, RATIO, RATE, MEAN)


TABLE: tuple[Figure, ...] = (
    Figure("key", _("キー"), TEXT),
    Figure("label", _("名称"), TEXT, drill="filed", page=True),
    Figure("filed", _("受付件数"), COUNT, drill="filed", page=True, headline=_("受付件数"), report=(1, _("受付件数")),
           report_column=_("受付")),
    Figure("answered", _("回答件数"), COUNT, drill="answered", page=True, headline=_("回答件数"),
           report_column=_("回答")),
    Figure("median_first_response_hours", _("初回回答 中央値（時間）"), HOURS, drill="answered", page=True,
           headline=_("初回回答 中央値"), report=(2, _("初回回答までの時間（中央値）")),
           report_column=_("初回回答 中央値")),
    Figure("p90_first_response_hours", _("初回回答 90パーセンタイル（時間）"), HOURS, drill="answered", page=True,
           headline=_("初回回答 90パーセンタイル"), report=(3, _("初回回答までの時間（90パーセンタイル）"))),
    Figure("median_resolution_hours", _("解決 中央値（時間）"), HOURS, drill="resolved", page=True,
           report=(5, _("解決までの時間（中央値）"))),
    Figure("p90_resolution_hours", _("解決 90パーセンタイル（時間）"), HOURS),
    Figure("sla_met_ratio", _("SLA達成率"), RATIO, drill="judged", page=True, headline=_("SLA達成率（初回回答）"),
           report=(4, _("期限内の初回回答の割合")), report_column=_("期限内の割合")),
    Figure("resolution_sla_met_ratio", _("SLA達成率（解決）"), RATIO),
    Figure("open", _("未完了"), COUNT, "Open at the end of the period (now, while it lasts)", drill="open",
           page=True, headline=_("未完了"), report=(6, _("未完了（うち期限超過）")), report_with="overdue"),
    Figure("overdue", _("期限超過"), COUNT, "Open and past an unpaused deadline at the end of the period",
           drill="overdue", page=True, headline=_("期限超過"), report_column=_("期限超過")),
    Figure("open_under_2_days", _("未完了（2日未満）"), COUNT),
    Figure("open_2_to_5_days", _("未完了（2日以上5日未満）"), COUNT),
    Figure("open_5_to_10_days", _("未完了（5日以上10日未満）"), COUNT),
    Figure("open_10_days_or_more", _("未完了（10日以上）"), COUNT),
    Figure("transfers_per_consultation", _("1件あたりの移送回数"), RATE),
    Figure("reopen_rate", _("再開率"), RATIO),
    Figure("rated", _("評価件数"), COUNT),
    Figure("satisfaction", _("満足度（平均）"), MEAN),
    Figure("meets_minimum_sample", _("標本数を満たす"), FLAG),
)  # fmt: skip
BY_KEY = {figure.key: figure for figure in TABLE}


def api_keys() -> list[str]:
    """The JSON fields of a row, and the CSV's columns, in the CSV's order."""
    return [figure.key for figure in TABLE if figure.api]


def page_columns() -> list[Figure]:
    return [figure for figure in TABLE if figure.page]


def headline() -> list[Figure]:
    return [figure for figure in TABLE if figure.headline is not None]


def report_lines() -> list[Figure]:
    """The overall table of the monthly report, in its order."""
    return sorted((figure for figure in TABLE if figure.report is not None), key=lambda figure: figure.report[0])


def report_stored() -> list[str]:
    """The overall figures a monthly report keeps (its lines, their brackets, its columns)."""
    shown = {figure.key for figure in report_lines()} | {figure.report_with for figure in report_lines()}
    return [figure.key for figure in TABLE if figure.key in shown or figure.report_column is not None]


def report_columns() -> list[Figure]:
    return [figure for figure in TABLE if figure.report_column is not None]
