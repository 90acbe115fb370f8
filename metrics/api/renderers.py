"""The metrics table as CSV (UTF-8 with a byte-order mark, so that spreadsheet
software common in local governments opens Japanese text correctly), with
text cells that would read as formulas neutralised (``config.csv_export``)."""

import io

from rest_framework.renderers import BaseRenderer

from config import csv_export

from .. import figures

COLUMNS = figures.api_keys()


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
