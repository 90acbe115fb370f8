"""The monthly report as a one-page A4 PDF, rendered from the same HTML as the
printable page (WeasyPrint; it needs Pango, which `scripts/ensure_system_packages.sh`
installs, and Japanese fonts)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation


def report_filename(report) -> str:
    return f"banso-monthly-report-{report.month:%Y-%m}.pdf"


def report_pdf(report) -> bytes:
    # Imported here: Pango is loaded when WeasyPrint is imported, and only this needs it.
    from weasyprint import HTML

    from config.pdf import StaticOnlyURLFetcher, pdf_base_url

    with translation.override("ja"):
        html = render_to_string("metrics/report_pdf.html", {"report": report, "figures": report.figures})
    # Only the report's stylesheet from the static files; no outside URL is ever fetched.
    return HTML(string=html, base_url=pdf_base_url(), url_fetcher=StaticOnlyURLFetcher()).write_pdf()
