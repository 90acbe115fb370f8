"""The secretariat's CSV files: the KPI table, the roadmap and the usage per fiscal year."""

from __future__ import annotations

import io

from config import csv_export


def _write(header: list[str], rows) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel opens UTF-8 with a BOM as UTF-8
    writer = csv_export.writer(buffer)  # text cells that read as formulas are neutralised
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def kpi_csv(kpis) -> str:
    return _write(
        ["施策", "府省庁", "指標", "目標値", "単位", "目標年度", "最新値", "最新値の時点", "出典"],
        (
            [k.measure.name, k.measure.ministry.name, k.name, k.target, k.unit, k.target_year or "",
             k.latest_value, k.latest_as_of or "", k.source]
            for k in kpis
        ),
    )  # fmt: skip


def roadmap_csv(milestones) -> str:
    return _write(["年度", "施策", "内容"], ([m.fiscal_year, m.measure.name, m.description] for m in milestones))


def usage_csv(rows) -> str:
    return _write(
        ["施策", "年度", "紹介した相談の件数", "相談した団体"],
        ([r["measure"], r["fiscal_year"], r["consultations"], "、".join(r["local_governments"])] for r in rows),
    )
