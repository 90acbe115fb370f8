"""The metrics table as CSV (UTF-8 with a byte-order mark, so that spreadsheet
software common in local governments opens Japanese text correctly), with
text cells that would read as formulas neutralised (``config.csv_export``)."""

import io

from rest_framework.renderers import BaseRenderer

from config import csv_export

COLUMNS = [
    "key", "label", "filed", "answered", "median_first_response_hours", "p90_first_response_hours",
    "median_resolution_hours", "p90_resolution_hours", "sla_met_ratio", "resolution_sla_met_ratio", "open", "overdue",
    "open_under_2_days", "open_2_to_5_days", "open_5_to_10_days", "open_10_days_or_more",
    "transfers_per_consultation", "reopen_rate", "rated", "satisfaction", "meets_minimum_sample",
]  # fmt: skip


class MetricsCSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        out = io.StringIO()
        writer = csv_export.writer(out)  # text cells that read as formulas are neutralised
        if isinstance(data, list):
            writer.writerow(COLUMNS)
            for row in data:
                writer.writerow(["" if row.get(c) is None else row.get(c) for c in COLUMNS])
        else:  # an error: say which field and why
            writer.writerow(["field", "message"])
            for field, messages in (data.get("errors") or {"detail": [data.get("detail", "")]}).items():
                for message in messages if isinstance(messages, list) else [messages]:
                    writer.writerow([field, message])
        return ("\ufeff" + out.getvalue()).encode("utf-8")
