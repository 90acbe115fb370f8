"""WeasyPrint renders with a URL fetcher that opens only the project's static
files and data: URLs: an outside image, stylesheet or local file is refused
before any connection or file is opened, and the PDF still renders."""

import socket
import urllib.request

import pytest

from config.pdf import RefusedURL, StaticOnlyURLFetcher, pdf_base_url

OUTSIDE = [
    "https://attacker.example.com/tracker.png",
    "http://169.254.169.254/latest/meta-data/",
    "ftp://ftp.example.com/logo.png",
    "file:///etc/passwd",
]
# A 1×1 transparent PNG.
PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


@pytest.fixture
def no_network(monkeypatch):
    """Record (and stop) any connection or urllib open (but data:) the rendering attempts."""
    attempts = []

    def refuse_connect(self, address):
        attempts.append(address)
        raise OSError("network use in a test")

    original_open = urllib.request.OpenerDirector.open

    def refuse_open(self, url, *args, **kwargs):
        full_url = getattr(url, "full_url", url)
        if full_url.startswith("data:"):  # decoded in memory, no connection
            return original_open(self, url, *args, **kwargs)
        attempts.append(full_url)
        raise OSError("urllib use in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse_connect)
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse_open)
    return attempts


def test_outside_urls_are_refused_without_being_opened_and_the_pdf_still_renders(no_network):
    from weasyprint import HTML

    html = (
        "<html><head>"
        f'<link rel="stylesheet" href="{OUTSIDE[0]}.css">'
        "<style>@font-face { font-family: X; src: url(https://fonts.example.com/x.woff2); }</style>"
        "</head><body><p>月次報告</p>"
        + "".join(f'<img src="{url}" alt="">' for url in OUTSIDE)
        + '<img src="../../../../etc/passwd" alt="">'
        + "</body></html>"
    )
    fetcher = StaticOnlyURLFetcher()
    pdf = HTML(string=html, base_url=pdf_base_url(), url_fetcher=fetcher).write_pdf()

    assert pdf.startswith(b"%PDF-")
    assert no_network == []  # nothing was opened: not a socket, not urllib (file: goes through urllib too)
    assert set(OUTSIDE) <= set(fetcher.refused)
    assert f"{OUTSIDE[0]}.css" in fetcher.refused
    assert "https://fonts.example.com/x.woff2" in fetcher.refused
    assert any(url.endswith("/etc/passwd") and url.startswith(pdf_base_url()) for url in fetcher.refused)


@pytest.mark.parametrize(
    "url",
    [
        *OUTSIDE,
        "{site}static/../../manage.py",  # out of the static folders
        "{site}static/%2e%2e/%2e%2e/manage.py",
        "{site}static/no-such-file.css",
        "{site}admin/",  # the site, but not a static file
        "https://banso.example.com/static/frontend/banso.css",  # another host's static path
    ],
)
def test_the_fetcher_refuses(url):
    fetcher = StaticOnlyURLFetcher()
    with pytest.raises(RefusedURL):
        fetcher.fetch(url.format(site=pdf_base_url()))
    assert fetcher.refused


def test_the_fetcher_serves_static_files_and_data_urls(no_network):
    fetcher = StaticOnlyURLFetcher()
    response = fetcher.fetch(pdf_base_url() + "static/metrics/report_pdf.css")
    assert b"@page" in response.read() and response.content_type == "text/css"
    assert fetcher.fetch(PIXEL).read().startswith(b"\x89PNG")
    assert fetcher.refused == [] and no_network == []


@pytest.mark.django_db
def test_the_monthly_report_pdf_reads_its_stylesheet_through_the_fetcher(monkeypatch, no_network):
    import datetime

    from config import pdf as pdf_module
    from metrics.models import MonthlyReport
    from metrics.pdf import report_pdf
    from metrics.report import month_figures

    fetched = []
    original = pdf_module.StaticOnlyURLFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(pdf_module.StaticOnlyURLFetcher, "fetch", spy)
    now = datetime.datetime(2026, 11, 2, 0, 0, tzinfo=datetime.UTC)
    month = datetime.date(2026, 10, 1)
    report = MonthlyReport(month=month, figures=month_figures(month, now=now), created_at=now)
    assert report_pdf(report).startswith(b"%PDF-")
    assert fetched == [pdf_base_url() + "static/metrics/report_pdf.css"]
    assert no_network == []
