"""WeasyPrint that reads only the project's own static files and data: URLs.

A PDF rendered from HTML that carries text people typed must never make the
server fetch an address from that text (server-side request forgery) or read a
local file: every other URL is refused before anything is opened.
"""

from __future__ import annotations

import logging
import mimetypes
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)


class RefusedURL(ValueError):
    """A URL outside the project's static files; WeasyPrint skips the resource."""


def pdf_base_url() -> str:
    """Relative URLs in the HTML (``{% static %}``) resolve against the site."""
    return settings.SITE_URL.rstrip("/") + "/"


class StaticOnlyURLFetcher(URLFetcher):
    """Serves ``data:`` URLs and ``<site>/<STATIC_URL>`` paths from the static
    file finders; refuses everything else (http, https, ftp, file, ...)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if url.lower().startswith("data:"):
            return super().fetch(url, headers)  # decoded in memory by urllib's DataHandler
        path = self._static_path(url)
        content = self._read_static(path) if path else None
        if content is None:
            self.refused.append(url)
            logger.warning("PDF rendering refused to fetch %s", url)
            raise RefusedURL(f"Refused outside URL: {url}")
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, content, {"Content-Type": content_type})

    @staticmethod
    def _static_path(url: str) -> str | None:
        prefix = urlsplit(pdf_base_url() + settings.STATIC_URL.lstrip("/"))
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) != (prefix.scheme, prefix.netloc) or parts.query:
            return None
        if not parts.path.startswith(prefix.path):
            return None
        return unquote(parts.path[len(prefix.path) :]) or None

    @staticmethod
    def _read_static(path: str) -> bytes | None:
        try:
            found = finders.find(path)
            if found:
                with open(found, "rb") as handle:
                    return handle.read()
            if staticfiles_storage.exists(path):
                with staticfiles_storage.open(path) as handle:
                    return handle.read()
        except (SuspiciousFileOperation, OSError, ValueError):
            pass  # "../" out of the static folders, or unreadable: refused like any outside URL
        return None
